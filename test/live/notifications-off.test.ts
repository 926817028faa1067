// With LIVE_NOTIFICATIONS = "off" no object hears of a pulse at ingest, yet every read stays exact.
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { BASE, createUser, postPulse, profile, pulse } from "../helpers";
import { userObject } from "../live-helpers";
import worker from "../../worker/app-entry";

it("serves exact profiles by catching up on read when ingest does not notify", async () => {
  const u = await createUser();
  const quiet = { ...env, LIVE_NOTIFICATIONS: "off" };
  const post = (xp: number, at: number) =>
    worker.fetch(
      new Request(`${BASE}/api/my/pulses`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-token": u.token },
        body: JSON.stringify(pulse([{ language: "Go", xp }], at)),
      }),
      quiet,
      createExecutionContext(),
    );
  expect((await post(4, Date.now() - 5_000)).status).toBe(201);
  expect((await post(6, Date.now() - 6_000)).status).toBe(201);
  expect(await userObject(u.userId).status()).toMatchObject({ built: false }); // nobody told it
  expect((await profile(u.username)).total_xp).toBe(10); // the read catches up from D1
  expect((await postPulse(u.token, pulse([{ language: "Go", xp: 1 }]))).status).toBe(201); // default: notified
});

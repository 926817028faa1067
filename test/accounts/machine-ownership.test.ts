// A session of one user can never read or change another user's machines.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { postPulse, pulse } from "../helpers";
import { addMachine, Browser, signedUp } from "./browser";

describe("machine ownership", () => {
  it("every machine route answers 404 for another user's machine and changes nothing", async () => {
    const mallory = await signedUp();
    const alice = await signedUp();
    const { machineId, token } = await addMachine(alice.browser, "Alice's box");
    const before = await env.DB.prepare("SELECT * FROM machines WHERE id = ?").bind(machineId).first();

    for (const [action, fields] of [
      ["rename", { name: "pwned" }],
      ["rename", { name: "" }],
      ["deactivate", {}],
      ["activate", {}],
      ["regenerate", {}],
      ["delete", { confirm: "yes" }],
    ] as const) {
      const res = await mallory.browser.post(`/my/machines/${machineId}/${action}`, fields);
      expect(res.status, action).toBe(404);
      expect(await res.text()).toContain("There is no such machine in your account.");
    }
    expect(await env.DB.prepare("SELECT * FROM machines WHERE id = ?").bind(machineId).first()).toEqual(before);
    expect((await postPulse(token, pulse([{ language: "Go", xp: 1 }]))).status).toBe(201);
  });

  it("unknown and malformed machine ids answer 404", async () => {
    const { browser } = await signedUp();
    for (const id of ["999999999", "0", "abc", "1e3", "-1"]) {
      expect((await browser.post(`/my/machines/${id}/deactivate`)).status, id).toBe(404);
    }
  });

  it("signed out, machine forms lead to the log-in page", async () => {
    const alice = await signedUp();
    const { machineId } = await addMachine(alice.browser, "Box");
    const stranger = new Browser();
    const res = await stranger.post(`/my/machines/${machineId}/delete`, { confirm: "yes" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login");
    expect(await env.DB.prepare("SELECT count(*) AS n FROM machines WHERE id = ?").bind(machineId).first("n")).toBe(1);
  });
});

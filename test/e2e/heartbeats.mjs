// WakaTime heartbeats in the browser: a profile kept open in Chromium while a WakaTime client sends
// heartbeats shows their XP live (no reload), and after a reload its coding time.
import { clientAddress } from "./harness.mjs";

const LIVE_DEADLINE_MS = 2_000;
const SLOT_MS = 120_000;

/** A WakaTime CLI's bulk request (`signal`: to hang up mid-request). */
export function sendHeartbeats(base, token, heartbeats, signal) {
  return fetch(`${base}/api/v1/users/current/heartbeats.bulk`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`waka_${token}`).toString("base64")}`,
      "content-type": "application/json",
      "user-agent": "wakatime/v1.105.0 (linux-6.11.8-generic-x86_64) go1.23.3 vscode/1.96.0 vscode-wakatime/24.8.0",
      timezone: "UTC",
      "x-machine-name": "e2e%20host",
    },
    body: JSON.stringify(heartbeats),
    signal,
  });
}

async function heartbeatsLive(check, ctx) {
  const { waka } = ctx.seeded;
  const context = await ctx.browser.newContext({
    viewport: { width: 1280, height: 800 },
    extraHTTPHeaders: { "cf-connecting-ip": clientAddress() },
  });
  const profile = await check.openPage(context);
  const res = await profile.goto(`${ctx.base}/users/${waka.username}`, { waitUntil: "load" });
  check.expect(res?.status() === 200, "the profile answers 200");
  await profile.waitForSelector('[data-live-status][data-status="live"]', { timeout: 10_000 });

  // Two heartbeats in the previous 2-minute slot, then (with the page still open) one in this slot.
  const slot = Math.floor(Date.now() / SLOT_MS) * SLOT_MS;
  const first = [slot - 90_000, slot - 30_000].map((ms, i) => ({
    entity: `/src/main${i}.hs`,
    type: "file",
    time: ms / 1000,
    language: "Haskell",
    project: "secret-project",
    category: "coding",
  }));
  let started = Date.now();
  let shown = profile
    .waitForFunction(() => /\(60 XP\)/.test(document.querySelector("[data-level-text]")?.textContent ?? ""), null, { timeout: 5_000 })
    .then(() => Date.now() - started);
  const flash = profile.waitForSelector(".xp-gain", { timeout: 5_000 }).then((el) => el.textContent());
  const answer = await sendHeartbeats(ctx.base, waka.token, first);
  check.expect(answer.status === 201, `the bulk request answers 201 (got ${answer.status})`);
  let ms = await shown;
  check.expect(ms <= LIVE_DEADLINE_MS, `the heartbeats' XP shows on the open profile without a reload in ${ms} ms`);
  check.expect((await flash) === "+60 XP", "the profile flashes the new XP");
  check.expect(
    (await profile.locator('[data-list="top-languages"] .skill-name').allTextContents()).includes("Haskell"),
    "the heartbeats' language is listed",
  );

  started = Date.now();
  shown = profile
    .waitForFunction(() => /\(120 XP\)/.test(document.querySelector("[data-level-text]")?.textContent ?? ""), null, { timeout: 5_000 })
    .then(() => Date.now() - started);
  await sendHeartbeats(ctx.base, waka.token, [
    { entity: "/src/main2.hs", type: "file", time: (slot + 1_000) / 1000, language: "Haskell", project: "secret-project" },
  ]);
  ms = await shown;
  check.expect(ms <= LIVE_DEADLINE_MS, `a heartbeat in the next slot adds its XP live in ${ms} ms`);
  // A retry of the same heartbeats changes nothing.
  await sendHeartbeats(ctx.base, waka.token, first);
  await profile.waitForTimeout(700);
  check.expect(/\(120 XP\)/.test((await profile.locator("[data-level-text]").textContent()) ?? ""), "a retried batch adds no XP");

  await profile.reload({ waitUntil: "load" });
  const section = profile.locator("[data-coding-time]");
  check.expect(await section.isVisible(), "after a reload the profile shows a coding-time section");
  check.expect(/\d/.test((await profile.locator("[data-coding-week]").textContent()) ?? ""), "with the last 7 days' coding time");
  check.expect((await section.textContent())?.includes("Haskell") === true, "by language");
  check.expect((await section.textContent())?.includes("secret-project") === false, "and no project names for a visitor");
  await context.close();
}

export const heartbeatChecks = [["WakaTime heartbeats sent while a profile is open appear on it live", heartbeatsLive]];

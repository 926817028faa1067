// Account changes reach the live layer at once: private profile sockets, machines, deletion.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE, postPulse, pulse } from "../helpers";
import { openSocket, userObject, waitFor, waitForSeq } from "../live-helpers";
import { addMachine, Browser, signedUp, userIdOf } from "./browser";

/** Opens a profile socket as a browser page of this site would: with its cookies and Origin. */
async function socketAs(browser: Browser, username: string, origin = BASE) {
  const res = await exports.default.fetch(`${BASE}/live/users/${encodeURIComponent(username)}`, {
    headers: { upgrade: "websocket", cookie: browser.cookieHeader(), origin },
  });
  if (!res.webSocket) return { status: res.status, ws: null, messages: [] as any[] };
  const ws = res.webSocket;
  const messages: any[] = [];
  ws.accept();
  ws.addEventListener("message", (e) => messages.push(JSON.parse(e.data as string)));
  const closed = new Promise<CloseEvent>((resolve) => ws.addEventListener("close", resolve));
  return { status: res.status, ws, messages, closed };
}

describe("live state follows the account", () => {
  it("lets only the owner open a private profile's socket, and only from this site", async () => {
    const owner = await signedUp();
    await owner.browser.post("/my/preferences/privacy", { private: "on" });
    const mine = await socketAs(owner.browser, owner.username);
    expect(mine.status).toBe(101);
    await waitFor(async () => mine.messages.find((m) => m.type === "profile.snapshot"), "the owner's snapshot");

    const stranger = await signedUp();
    expect((await socketAs(stranger.browser, owner.username)).status).toBe(404);
    expect((await openSocket(`/live/users/${owner.username}`)).status).toBe(404); // anonymous
    expect((await socketAs(owner.browser, owner.username, "https://evil.example")).status).toBe(404); // cross-site
    mine.ws!.close(1000);
  });

  it("closes public viewers when the owner makes the profile private through the preferences form", async () => {
    const owner = await signedUp();
    const publicViewer = await openSocket(`/live/users/${owner.username}`);
    await publicViewer.socket!.next((m) => m.type === "profile.snapshot");
    const ownerView = await socketAs(owner.browser, owner.username);
    await owner.browser.post("/my/preferences/privacy", { private: "on" });
    expect((await publicViewer.socket!.closed).code).toBe(4404);
    expect(ownerView.ws!.readyState).toBe(WebSocket.OPEN);
    // The sockets' attachments (kept across hibernation) know who is left.
    expect(await userObject(await userIdOf(owner.username)).viewers()).toMatchObject({ owner: 1, public: 0 });
    ownerView.ws!.close(1000);
  });

  it("shows renamed and deleted machines on the live profile, the deleted one's XP gone", async () => {
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const keep = await addMachine(browser, "Keep");
    const doomed = await addMachine(browser, "Doomed");
    await postPulse(keep.token, pulse([{ language: "Go", xp: 5 }]));
    await postPulse(doomed.token, pulse([{ language: "Go", xp: 7 }]));
    await waitForSeq(userId, 2);
    await browser.post(`/my/machines/${keep.machineId}/rename`, { name: "Kept" });
    expect((await userObject(userId).currentView())!.machines.map((m) => m.name).sort()).toEqual(["Doomed", "Kept"]);
    await browser.post(`/my/machines/${doomed.machineId}/delete`, { confirm: "yes" });
    const view = (await userObject(userId).currentView())!;
    expect(view.machines.map((m) => m.name)).toEqual(["Kept"]);
    expect(view.totalXp).toBe(5);
  });

  it("erases the live aggregates when the account is deleted, and takes its XP off the front page", async () => {
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const { token } = await addMachine(browser, "Box");
    await postPulse(token, pulse([{ language: "Go", xp: 9 }]));
    await waitForSeq(userId, 1);
    const viewer = await openSocket(`/live/users/${username}`);
    await viewer.socket!.next((m) => m.type === "profile.snapshot");
    await browser.post("/my/preferences/delete-account", { confirmation: "DELETE" });
    expect((await viewer.socket!.closed).code).toBe(4404);
    expect(await userObject(userId).status()).toEqual({ built: false, seq: 0, viewers: 0 });
    const publicTotal = await env.DB.prepare("SELECT coalesce(SUM(total_xp), 0) AS xp FROM users WHERE private = 0").first<number>("xp");
    expect((await env.GLOBAL_FEED.getByName("global").view()).totalXp).toBe(publicTotal);
  });

  it("closes the sockets of a session on the owner's private profile when it logs out, and only those", async () => {
    const owner = await signedUp();
    await owner.browser.post("/my/preferences/privacy", { private: "on" });
    const laptop = await socketAs(owner.browser, owner.username);
    const phoneBrowser = new Browser();
    await phoneBrowser.logIn(owner.username);
    const phone = await socketAs(phoneBrowser, owner.username);
    expect([laptop.status, phone.status]).toEqual([101, 101]);
    await waitFor(async () => laptop.messages.length > 0 && phone.messages.length > 0, "both snapshots");

    await owner.browser.post("/logout");
    expect((await laptop.closed)!.code).toBe(4401);
    expect(phone.ws!.readyState).toBe(WebSocket.OPEN); // another session's socket stays
    // Reconnecting without the session is refused like any stranger.
    expect((await socketAs(owner.browser, owner.username)).status).toBe(404);
    // A pulse after the log out reaches nobody on the closed socket.
    const userId = await userIdOf(owner.username);
    expect(await userObject(userId).viewers()).toMatchObject({ owner: 1, public: 0 });
    phone.ws!.close(1000);
  });

  it("closes every owner socket when the owner logs out everywhere", async () => {
    const owner = await signedUp();
    await owner.browser.post("/my/preferences/privacy", { private: "on" });
    const phoneBrowser = new Browser();
    await phoneBrowser.logIn(owner.username);
    const sockets = [await socketAs(owner.browser, owner.username), await socketAs(phoneBrowser, owner.username)];
    await waitFor(async () => sockets.every((s) => s.messages.length > 0), "both snapshots");
    await owner.browser.post("/logout-everywhere");
    for (const s of sockets) expect((await s.closed)!.code).toBe(4401);
    expect((await socketAs(phoneBrowser, owner.username)).status).toBe(404);
  });
});

// The upload API: sessions, CSRF, chunk bounds, resuming an interrupted upload, one import at a time,
// and no import reaching another account.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { UPLOAD_EXPIRY_MS, type ImportJob } from "../../worker/objects/import-job";
import { IMPORT_CHUNK_BYTES } from "../../worker/domain/import/progress";
import { BASE, count, profile } from "../helpers";
import { Browser, signedUp, userIdOf } from "../accounts/browser";
import { openSocket } from "../live-helpers";
import { beginUpload, currentStatus, importCall, importFile, putChunk, startJob, waitForEnd } from "./import-helpers";

const HEADER = "sent_at;sent_at_local;tz_offset;language;machine;amount\n";

describe("import uploads", () => {
  it("needs a session (401), this site's origin and the session's CSRF token (403), all as JSON", async () => {
    const anonymous = await new Browser().fetch("/my/imports", { method: "POST", headers: { origin: BASE }, body: "{}" });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: "Please log in first." });
    expect((await new Browser().get("/my/imports/current")).status).toBe(401);

    const { browser } = await signedUp();
    const body = JSON.stringify({ name: "x.csv", size: 10 });
    const noToken = await browser.fetch("/my/imports", { method: "POST", headers: { origin: BASE }, body });
    expect(noToken.status).toBe(403);
    expect(noToken.headers.get("content-type")).toContain("application/json");
    const foreign = await browser.fetch("/my/imports", {
      method: "POST",
      headers: { origin: "https://evil.example", "x-csrf-token": await browser.csrfToken() },
      body,
    });
    expect(foreign.status).toBe(403);
    const other = await signedUp();
    const othersToken = await browser.fetch("/my/imports", {
      method: "POST",
      headers: { origin: BASE, "x-csrf-token": await other.browser.csrfToken() },
      body,
    });
    expect(othersToken.status).toBe(403);
    expect(await (await browser.get("/my/imports/current")).json()).toEqual({ import: null }); // nothing was started
  });

  it("rejects bad requests with a JSON 4xx and changes nothing", async () => {
    const { browser } = await signedUp();
    expect((await importCall(browser, "POST", "/my/imports", "not json")).status).toBe(400);
    expect((await importCall(browser, "POST", "/my/imports", JSON.stringify({ name: "a", size: 0 }))).status).toBe(400);
    expect((await importCall(browser, "POST", "/my/imports", JSON.stringify({ name: "a", size: 3 * 1024 ** 3 }))).status).toBe(400);
    const job = await beginUpload(browser, IMPORT_CHUNK_BYTES + 10);
    expect(job).toMatchObject({ phase: "uploading", chunksTotal: 2, chunkBytes: IMPORT_CHUNK_BYTES, missingChunks: [0, 1] });
    const tooBig = await putChunk(browser, job.id, 0, new Uint8Array(IMPORT_CHUNK_BYTES + 1));
    expect(tooBig.status).toBe(413);
    expect((await tooBig.json<any>()).error).toMatch(/too large/);
    expect((await putChunk(browser, job.id, 1, new Uint8Array(11))).status).toBe(413);
    expect((await putChunk(browser, job.id, 1, new Uint8Array(9))).status).toBe(400);
    expect((await putChunk(browser, job.id, 2, new Uint8Array(10))).status).toBe(400);
    expect((await putChunk(browser, job.id, 0, new Uint8Array(5))).status).toBe(400);
    expect((await putChunk(browser, "00000000-0000-4000-8000-000000000000", 0, new Uint8Array(5))).status).toBe(404);
    expect((await putChunk(browser, "../../etc", 0, new Uint8Array(5))).status).toBe(404);
    expect((await currentStatus(browser)).chunksReceived).toBe(0);
  });

  it("resumes an interrupted upload: the status lists the missing chunks, start waits for them, a resent chunk is stored once", async () => {
    const { browser, username } = await signedUp();
    let csv = HEADER;
    for (let i = 0; csv.length < 2.5 * IMPORT_CHUNK_BYTES; i++) {
      csv += `${new Date(Date.UTC(2023, 0, 1) + i * 60_000).toISOString().slice(0, 19).replace("T", " ")}Z;;;Go;box;1\n`;
    }
    const bytes = new TextEncoder().encode(csv);
    const lines = csv.trimEnd().split("\n").length - 1;
    const chunk = (n: number) => bytes.subarray(n * IMPORT_CHUNK_BYTES, (n + 1) * IMPORT_CHUNK_BYTES);
    const job = await beginUpload(browser, bytes.byteLength);
    expect((await putChunk(browser, job.id, 0, chunk(0))).status).toBe(200);
    expect((await putChunk(browser, job.id, 2, chunk(2))).status).toBe(200);
    // The connection dropped here. Start refuses, and the status says what is missing.
    const early = await startJob(browser, job.id);
    expect(early.status).toBe(409);
    expect(await early.json()).toEqual({ error: "Chunks still missing: 1." });
    expect(await currentStatus(browser)).toMatchObject({ phase: "uploading", missingChunks: [1], chunksReceived: 2 });
    expect((await putChunk(browser, job.id, 2, chunk(2))).status).toBe(200); // sent twice: stored once
    expect((await putChunk(browser, job.id, 1, chunk(1))).status).toBe(200);
    expect((await startJob(browser, job.id)).status).toBe(202);
    expect((await startJob(browser, job.id)).status).toBe(202); // idempotent
    const end = (await waitForEnd(browser)).at(-1)!;
    expect(end).toMatchObject({ phase: "done", rowsRead: lines, pulsesAdded: lines });
    expect((await profile(username)).total_xp).toBe(lines);
  });

  it("runs one import per account at a time, and imports only into the signed-in account", async () => {
    const { browser, username } = await signedUp();
    const other = await signedUp();
    const job = await beginUpload(browser, 100_000);
    // Another account cannot see or feed this upload.
    expect((await putChunk(other.browser, job.id, 0, new Uint8Array(100_000))).status).toBe(404);
    expect(await (await other.browser.get("/my/imports/current")).json()).toEqual({ import: null });
    // A new upload replaces an unfinished one; while one is processing, a new one is refused.
    let csv = HEADER;
    for (let i = 0; i < 5_000; i++)
      csv += `${new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString().slice(0, 19).replace("T", " ")}Z;;0;Go;box;1\n`;
    const second = await beginUpload(browser, csv.length); // replaces the unfinished upload
    expect(second.id).not.toBe(job.id);
    expect((await putChunk(browser, job.id, 0, new Uint8Array(100_000))).status).toBe(404);
    await putChunk(browser, second.id, 0, new TextEncoder().encode(csv));
    await startJob(browser, second.id);
    // Five write steps ahead: a new upload now is refused, and the running one is not disturbed.
    const during = await importCall(browser, "POST", "/my/imports", JSON.stringify({ name: "b", size: 10 }), {
      "content-type": "application/json",
    });
    expect(during.status).toBe(409);
    expect(await during.json()).toEqual({ error: "An import is already running; wait for it to finish." });
    expect((await waitForEnd(browser)).at(-1)).toMatchObject({ phase: "done", id: second.id, pulsesAdded: 5_000 });
    expect(await count("pulses", "user_id = ?", await userIdOf(other.username))).toBe(0);
    expect((await profile(username)).total_xp).toBe(5_000);
  });

  it("puts no historical dots on the front page, and its total follows the import", async () => {
    const { socket } = await openSocket("/live/feed");
    const snapshot = await socket!.next((m) => m.type === "feed.snapshot");
    const { browser } = await signedUp();
    const recent = Date.now() - 3_600_000;
    let csv = HEADER;
    for (let i = 0; i < 50; i++) csv += `${new Date(recent + i * 1000).toISOString().slice(0, 19).replace("T", " ")}Z;;0;Go;box;2\n`;
    await importFile(browser, csv);
    const update = await socket!.next((m) => m.type === "feed.update" && m.totalXp >= snapshot.feed.totalXp + 100, 0, 20_000);
    expect(update.totalXp).toBe(snapshot.feed.totalXp + 100);
    expect(socket!.messages.flatMap((m) => m.dots ?? [])).toEqual([]);
    socket!.ws.close(1000);
  });
});

describe("import data lifetime", () => {
  it("an unfinished upload expires after a day; deleting the account deletes the import", async () => {
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const stub = env.IMPORT_JOB.getByName(String(userId));
    // An upload begun a day ago: its alarm (set for the end of the day) drops the parts.
    const begun = await stub.begin(userId, { name: "old.csv", size: 2 * IMPORT_CHUNK_BYTES }, Date.now() - UPLOAD_EXPIRY_MS - 1);
    if (!begun.ok) throw new Error(begun.message);
    expect((await putChunk(browser, begun.status.id, 0, new Uint8Array(IMPORT_CHUNK_BYTES))).status).toBe(200);
    await runInDurableObject(stub, (instance: ImportJob) => instance.alarm());
    expect(await currentStatus(browser)).toMatchObject({
      phase: "failed",
      error: expect.stringMatching(/^The upload was not finished within 24 hours/),
    });
    expect(
      await runInDurableObject(stub, (_i, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM chunks").one().n),
    ).toBe(0);
    await beginUpload(browser, 10);
    expect((await browser.post("/my/preferences/delete-account", { confirmation: "DELETE" })).status).toBe(303);
    expect(await stub.status()).toBeNull();
  });
});

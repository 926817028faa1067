// A 1,000,000-row pulses.csv, generated and uploaded chunk by chunk (never whole in memory, here or
// in the Worker), read in bounded steps by the user's import object; and a D1 failure mid-import,
// after which the import resumes and ends exactly once.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { IMPORT_CHUNK_BYTES } from "../../worker/domain/import/progress";
import { MAX_RECORD_CHARS } from "../../worker/domain/import/codestats-csv";
import { count, profile } from "../helpers";
import { signedUp, userIdOf } from "../accounts/browser";
import { beginUpload, putChunk, startJob, waitForEnd, waitForRetry } from "./import-helpers";

const HEADER = "sent_at;sent_at_local;tz_offset;language;machine;amount\n";
const START = Date.UTC(2019, 0, 1);
const ROWS_PER_PULSE = 10;

/** Row i: pulse i / 10 (one a minute), language L0-L9, 10-99 XP. Every row has the same length. */
function row(i: number): string {
  const at = START + Math.floor(i / ROWS_PER_PULSE) * 60_000;
  const utc = new Date(at).toISOString().slice(0, 19).replace("T", " ");
  const local = new Date(at + 3_600_000).toISOString().slice(0, 19).replace("T", " ");
  return `${utc}Z;${local};60;L${i % ROWS_PER_PULSE};box;${(i % 90) + 10}\n`;
}

/** Uploads rows [0, rows) as chunks made on the fly; returns the job id. */
async function uploadGenerated(browser: Parameters<typeof beginUpload>[0], rows: number, extra = ""): Promise<string> {
  const encoder = new TextEncoder();
  const size = HEADER.length + rows * row(0).length + extra.length;
  const job = await beginUpload(browser, size);
  let pending = HEADER;
  let n = 0;
  const send = async (text: string) => {
    const res = await putChunk(browser, job.id, n++, encoder.encode(text));
    expect(res.status).toBe(200);
  };
  for (let i = 0; i < rows; i++) {
    pending += row(i);
    if (pending.length >= IMPORT_CHUNK_BYTES) {
      await send(pending.slice(0, IMPORT_CHUNK_BYTES));
      pending = pending.slice(IMPORT_CHUNK_BYTES);
    }
  }
  pending += extra;
  while (pending.length > 0) {
    await send(pending.slice(0, IMPORT_CHUNK_BYTES));
    pending = pending.slice(IMPORT_CHUNK_BYTES);
  }
  return job.id;
}

function expectedXp(rows: number): number {
  let xp = 0;
  for (let i = 0; i < rows; i++) xp += (i % 90) + 10;
  return xp;
}

describe("import at scale", () => {
  it("streams a 1,000,000-row file: bounded memory per step, every row booked exactly", { timeout: 600_000 }, async () => {
    const rows = 1_000_000;
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const id = await uploadGenerated(browser, rows);
    expect((await startJob(browser, id)).status).toBe(202);
    const seen = await waitForEnd(browser, 540_000);
    const status = seen.at(-1)!;
    expect(status).toMatchObject({
      phase: "done",
      rowsRead: rows,
      pulsesTotal: rows / ROWS_PER_PULSE,
      pulsesAdded: rows / ROWS_PER_PULSE,
      problemCount: 0,
    });
    expect(status.size).toBeGreaterThan(40 * IMPORT_CHUNK_BYTES);
    // Progress moved through the phases with rising percentages.
    const writing = seen.filter((s) => s.phase === "writing");
    expect(writing.length).toBeGreaterThan(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.percent).toBeGreaterThanOrEqual(seen[i - 1]!.percent);
    // Streaming: the object never held more than one chunk and one unfinished record of the file.
    expect(await env.IMPORT_JOB.getByName(String(userId)).peakBuffered()).toBeLessThanOrEqual(IMPORT_CHUNK_BYTES + MAX_RECORD_CHARS);

    const xp = expectedXp(rows);
    expect((await profile(username)).total_xp).toBe(xp);
    expect(await env.DB.prepare("SELECT SUM(xp) AS xp FROM machine_daily_xp WHERE user_id = ?").bind(userId).first<number>("xp")).toBe(xp);
    expect(await count("xps x JOIN pulses p ON p.id = x.pulse_id", "p.user_id = ?", userId)).toBe(rows);
  });

  it("a D1 failure mid-import: the import reports the retry, never looks done, then resumes and books every pulse once", {
    timeout: 120_000,
  }, async () => {
    const rows = 30_000; // 3,000 pulses: three write steps
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    // Writes of pulses after the first step's fail, as an unavailable database would.
    const failAfter = START + 1_500 * 60_000;
    await env.DB.prepare(
      `CREATE TRIGGER import_fault_${userId} BEFORE INSERT ON pulses WHEN NEW.user_id = ${userId} AND NEW.coded_at >= ${failAfter}
       BEGIN SELECT RAISE(ABORT, 'injected import fault'); END`,
    ).run();
    const id = await uploadGenerated(browser, rows);
    expect((await startJob(browser, id)).status).toBe(202);
    const status = await waitForRetry(browser);
    expect(status.retrying).toContain("injected import fault");
    expect(status.phase).toBe("writing");
    // Only whole batches were written: the first step's 1,000 pulses.
    expect(await count("pulses", "user_id = ?", userId)).toBe(1_000);

    await env.DB.prepare(`DROP TRIGGER import_fault_${userId}`).run();
    const end = (await waitForEnd(browser)).at(-1)!;
    expect(end).toMatchObject({ phase: "done", pulsesAdded: 3_000, pulsesPresent: 0, retrying: null });
    expect(await count("pulses", "user_id = ?", userId)).toBe(3_000);
    expect((await profile(username)).total_xp).toBe(expectedXp(rows));
  });
});

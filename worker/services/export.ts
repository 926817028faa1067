// Streaming a user's pulses as the original's CSV or as JSON, one D1 page at a time.
import { CSV_HEADER, csvRow, groupPulses, type ExportXpRow } from "../domain/export";
import { exportPage } from "../db/export";
import { heartbeatPage } from "../db/heartbeats";
import { exportedHeartbeat } from "../domain/export";

/** A byte stream that asks D1 for the next page only when the client has read the previous one. */
function pagedStream(db: D1Database, userId: number, prefix: string, format: (rows: ExportXpRow[], first: boolean) => string, suffix: string) {
  const encoder = new TextEncoder();
  let afterSeq = 0;
  let first = true;
  let done = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(prefix));
    },
    async pull(controller) {
      if (done) return;
      const rows = await exportPage(db, userId, afterSeq);
      if (rows.length === 0) {
        done = true;
        controller.enqueue(encoder.encode(suffix));
        controller.close();
        return;
      }
      afterSeq = rows.at(-1)!.seq;
      const text = format(rows, first);
      first = false;
      if (text) controller.enqueue(encoder.encode(text));
    },
  }, { highWaterMark: 0 });
}

export function csvExport(db: D1Database, userId: number): ReadableStream<Uint8Array> {
  return pagedStream(db, userId, CSV_HEADER, (rows) => rows.map(csvRow).join(""), "");
}

export function jsonExport(db: D1Database, userId: number, username: string, now: number): ReadableStream<Uint8Array> {
  const prefix = `{"user":${JSON.stringify(username)},"exported_at":${JSON.stringify(new Date(now).toISOString())},"pulses":[`;
  return pagedStream(
    db,
    userId,
    prefix,
    (rows, first) => {
      const body = groupPulses(rows).map((p) => JSON.stringify(p)).join(",\n");
      return body === "" ? "" : `${first ? "\n" : ",\n"}${body}`;
    },
    "\n]}\n",
  );
}

/** Every heartbeat as JSON (WakaTime field names, time in epoch seconds), a D1 page at a time. */
export function heartbeatExport(db: D1Database, userId: number, username: string, now: number): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let afterId = 0;
  let first = true;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(`{"user":${JSON.stringify(username)},"exported_at":${JSON.stringify(new Date(now).toISOString())},"heartbeats":[`));
    },
    async pull(controller) {
      const rows = await heartbeatPage(db, userId, afterId);
      if (rows.length === 0) {
        controller.enqueue(encoder.encode("\n]}\n"));
        controller.close();
        return;
      }
      afterId = rows.at(-1)!.id;
      const text = rows.map((h) => JSON.stringify(exportedHeartbeat(h))).join(",\n");
      controller.enqueue(encoder.encode(`${first ? "\n" : ",\n"}${text}`));
      first = false;
    },
  }, { highWaterMark: 0 });
}

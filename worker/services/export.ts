// Streaming a user's history as the original's CSV or as JSON, one D1 page at a time. Days before the
// retention date (raw pulses deleted) come first, from the rollups: one row (CSV) or one pulse-shaped
// object marked `daily` (JSON) per day, machine and language at local midnight; later days pulse by pulse.
import { CSV_HEADER, csvDayRow, csvRow, groupPulses, jsonDay, rowsFrom, type ExportDayRow, type ExportXpRow } from "../domain/export";
import { exportPage } from "../db/export";
import { heartbeatPage } from "../db/heartbeats";
import { exportedHeartbeat } from "../domain/export";
import { exportDaysPage, type DayCursor } from "../db/export-days";
import { readRetention } from "../db/retention";

interface Formats {
  prefix: (keptFrom: string | null) => string;
  days: (rows: ExportDayRow[], first: boolean) => string;
  pulses: (rows: ExportXpRow[], first: boolean) => string;
  suffix: string;
}

/** A byte stream that asks D1 for the next page only when the client has read the previous one. */
function pagedStream(db: D1Database, userId: number, f: Formats) {
  const encoder = new TextEncoder();
  let keptFrom: string | null = null;
  let stage: "start" | "days" | "pulses" | "done" = "start";
  let dayCursor: DayCursor | null = null;
  let afterSeq = 0;
  let first = true;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (stage === "start") {
          keptFrom = (await readRetention(db)).rawKeptFrom;
          controller.enqueue(encoder.encode(f.prefix(keptFrom)));
          stage = keptFrom === null ? "pulses" : "days";
          return;
        }
        if (stage === "days") {
          const rows = await exportDaysPage(db, userId, keptFrom!, dayCursor);
          if (rows.length === 0) {
            stage = "pulses";
            return;
          }
          dayCursor = rows.at(-1)!.cursor;
          controller.enqueue(encoder.encode(f.days(rows, first)));
          first = false;
          return;
        }
        if (stage === "done") return;
        const page = await exportPage(db, userId, afterSeq);
        if (page.length === 0) {
          stage = "done";
          controller.enqueue(encoder.encode(f.suffix));
          controller.close();
          return;
        }
        afterSeq = page.at(-1)!.seq;
        const text = f.pulses(rowsFrom(page, keptFrom), first);
        if (text) {
          first = false;
          controller.enqueue(encoder.encode(text));
        }
      },
    },
    { highWaterMark: 0 },
  );
}

export function csvExport(db: D1Database, userId: number): ReadableStream<Uint8Array> {
  return pagedStream(db, userId, {
    prefix: () => CSV_HEADER,
    days: (rows) => rows.map(csvDayRow).join(""),
    pulses: (rows) => rows.map(csvRow).join(""),
    suffix: "",
  });
}

export function jsonExport(db: D1Database, userId: number, username: string, now: number): ReadableStream<Uint8Array> {
  const list = <T>(items: T[], first: boolean) => {
    const body = items.map((i) => JSON.stringify(i)).join(",\n");
    return body === "" ? "" : `${first ? "\n" : ",\n"}${body}`;
  };
  return pagedStream(db, userId, {
    prefix: (keptFrom) =>
      `{"user":${JSON.stringify(username)},"exported_at":${JSON.stringify(new Date(now).toISOString())},"raw_pulses_from":${JSON.stringify(keptFrom)},"pulses":[`,
    days: (rows, first) => list(rows.map(jsonDay), first),
    pulses: (rows, first) => list(groupPulses(rows), first),
    suffix: "\n]}\n",
  });
}

/** Every heartbeat as JSON (WakaTime field names, time in epoch seconds), a D1 page at a time. */
export function heartbeatExport(db: D1Database, userId: number, username: string, now: number): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let afterId = 0;
  let first = true;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(
          encoder.encode(`{"user":${JSON.stringify(username)},"exported_at":${JSON.stringify(new Date(now).toISOString())},"heartbeats":[`),
        );
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
    },
    { highWaterMark: 0 },
  );
}

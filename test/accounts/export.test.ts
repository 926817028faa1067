// GET /my/export.csv (the original's format, byte for byte) and /my/export.json, paged over any history.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { EXPORT_PULSES_PER_PAGE } from "../../worker/db/export";
import { postPulse } from "../helpers";
import { addMachine, Browser, signedUp, userIdOf } from "./browser";

const DAY = 86_400_000;

/** Yesterday 23:00:00 UTC: a recent instant with whole seconds, so the expected text is exact. */
function yesterdayAt23(): number {
  return Math.floor(Date.now() / DAY) * DAY - DAY + 23 * 3_600_000;
}

describe("export", () => {
  it("CSV: the original's header, separator, line ends and row format, exactly", async () => {
    const { browser } = await signedUp();
    const { token } = await addMachine(browser, "test_machine");
    const at = yesterdayAt23();
    const localDate = new Date(at + DAY).toISOString().slice(0, 10);
    const utcDate = new Date(at).toISOString().slice(0, 10);
    // Coded at local midnight in UTC+01:00, which is 23:00 UTC the day before.
    expect((await postPulse(token, { coded_at: `${localDate}T00:00:00+01:00`, xps: [{ language: "elixir", xp: 1 }] })).status).toBe(201);

    const res = await browser.get("/my/export.csv");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="pulses.csv"');
    expect(res.headers.get("cache-control")).toBe("no-store");
    const bytes = new Uint8Array(await res.arrayBuffer());
    const expected = `sent_at;sent_at_local;tz_offset;language;machine;amount\n${utcDate} 23:00:00Z;${localDate} 00:00:00;60;elixir;test_machine;1\n`;
    expect(bytes).toEqual(new TextEncoder().encode(expected));
  });

  it("CSV: one row per XP row, with the booked language of an alias, quoting fields that need it", async () => {
    const { browser } = await signedUp();
    const { token } = await addMachine(browser, 'Desk; "A"');
    const target = await env.DB.prepare(
      "INSERT INTO languages (name, name_key) VALUES ('Python', 'python') ON CONFLICT DO UPDATE SET name = name RETURNING id",
    ).first<number>("id");
    await env.DB.prepare("INSERT INTO languages (name, name_key, alias_of) VALUES ('MagicPython', 'magicpython', ?) ON CONFLICT DO NOTHING")
      .bind(target)
      .run();
    const at = yesterdayAt23();
    const stamp = new Date(at).toISOString().slice(0, 19);
    await postPulse(token, {
      coded_at: `${stamp}Z`,
      xps: [
        { language: "MagicPython", xp: 5 },
        { language: "Text", xp: 2 },
      ],
    });

    const text = await (await browser.get("/my/export.csv")).text();
    const day = stamp.slice(0, 10);
    expect(text).toBe(
      "sent_at;sent_at_local;tz_offset;language;machine;amount\n" +
        `${day} 23:00:00Z;${day} 23:00:00;0;Python;"Desk; ""A""";5\n` +
        `${day} 23:00:00Z;${day} 23:00:00;0;Text;"Desk; ""A""";2\n`,
    );

    const json = await (await browser.get("/my/export.json")).json<any>();
    expect(json.pulses[0].xps).toEqual([
      { language: "Python", sent_as: "MagicPython", amount: 5 },
      { language: "Text", sent_as: "Text", amount: 2 },
    ]);
  });

  it("with no pulses: only the header line, and an empty JSON list", async () => {
    const { browser, username } = await signedUp();
    expect(await (await browser.get("/my/export.csv")).text()).toBe("sent_at;sent_at_local;tz_offset;language;machine;amount\n");
    const res = await browser.get("/my/export.json");
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="pulses.json"');
    const json = await res.json<any>();
    expect(json).toMatchObject({ user: username, pulses: [] });
    expect(Number.isNaN(Date.parse(json.exported_at))).toBe(false);
  });

  it("JSON: one object per pulse with the instant as sent, its machine and XP", async () => {
    const { browser } = await signedUp();
    const { token } = await addMachine(browser, "Laptop");
    const at = yesterdayAt23();
    const localDate = new Date(at + DAY).toISOString().slice(0, 10);
    await postPulse(token, {
      coded_at: `${localDate}T00:30:00+01:00`,
      xps: [
        { language: "Go", xp: 4 },
        { language: "SQL", xp: 1 },
      ],
    });
    await postPulse(token, { coded_at: `${localDate}T01:00:00+01:00`, xps: [] });
    const json = await (await browser.get("/my/export.json")).json<any>();
    expect(json.pulses).toEqual([
      {
        coded_at: `${localDate}T00:30:00+01:00`,
        sent_at: `${new Date(at).toISOString().slice(0, 10)} 23:30:00Z`,
        tz_offset: 60,
        machine: "Laptop",
        xps: [
          { language: "Go", sent_as: "Go", amount: 4 },
          { language: "SQL", sent_as: "SQL", amount: 1 },
        ],
      },
      { coded_at: `${localDate}T01:00:00+01:00`, sent_at: `${localDate} 00:00:00Z`, tz_offset: 60, machine: "Laptop", xps: [] },
    ]);
  });

  it("pages through a long history (keyset pagination) and includes nobody else's pulses", async () => {
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const { machineId } = await addMachine(browser, "Bulk");
    const other = await signedUp();
    const { token: otherToken } = await addMachine(other.browser, "Theirs");
    await postPulse(otherToken, { coded_at: new Date().toISOString(), xps: [{ language: "Secret", xp: 99 }] });

    const lang = await env.DB.prepare("INSERT INTO languages (name, name_key) VALUES ('Paged', 'paged') RETURNING id").first<number>("id");
    const pulses = EXPORT_PULSES_PER_PAGE * 2 + 345;
    const start = yesterdayAt23() - pulses * 1000;
    await env.DB.prepare(
      `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
       INSERT INTO pulses (user_id, machine_id, seq, coded_at, utc_offset, received_at, xp, fingerprint)
       SELECT ?, ?, i, ? + i * 1000, 0, ?, 3, 'f' || i FROM s`,
    )
      .bind(pulses, userId, machineId, start, Date.now())
      .run();
    // Two XP rows per pulse.
    await env.DB.prepare(
      `INSERT INTO xps (pulse_id, language_id, original_language_id, amount)
       SELECT id, ?1, ?1, 1 FROM pulses WHERE user_id = ?2 UNION ALL SELECT id, ?1, ?1, 2 FROM pulses WHERE user_id = ?2`,
    )
      .bind(lang, userId)
      .run();

    const text = await (await browser.get("/my/export.csv")).text();
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(1 + pulses * 2);
    expect(text).not.toContain("Secret");
    expect(lines[1]).toBe(
      `${new Date(start + 1000).toISOString().slice(0, 19).replace("T", " ")}Z;${new Date(start + 1000).toISOString().slice(0, 19).replace("T", " ")};0;Paged;Bulk;1`,
    );
    expect(lines.at(-1)).toBe(
      `${new Date(start + pulses * 1000).toISOString().slice(0, 19).replace("T", " ")}Z;${new Date(start + pulses * 1000).toISOString().slice(0, 19).replace("T", " ")};0;Paged;Bulk;2`,
    );

    const json = await (await browser.get("/my/export.json")).json<any>();
    expect(json.pulses).toHaveLength(pulses);
    expect(json.pulses.reduce((s: number, p: any) => s + p.xps.length, 0)).toBe(pulses * 2);
  });

  it("needs a session", async () => {
    for (const path of ["/my/export.csv", "/my/export.json"]) {
      const res = await new Browser().get(path);
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/login?next=%2Fmy%2Fpreferences");
    }
  });
});

// The WakaTime dump reader on its own: any chunk split gives the same heartbeats and problems; the
// machine naming rule; format detection between the two JSON formats.
import { describe, expect, it } from "vitest";
import { detectFormat } from "../../worker/domain/import/formats";
import type { ImportHeartbeat, ImportProblem } from "../../worker/domain/import/rows";
import { dumpMachineName, WakatimeDumpParser } from "../../worker/domain/import/wakatime-dump";

const NOW = Date.UTC(2026, 0, 1);

function read(bytes: Uint8Array, splitEvery: number): { heartbeats: ImportHeartbeat[]; problems: ImportProblem[] } {
  const parser = new WakatimeDumpParser(NOW);
  const heartbeats: ImportHeartbeat[] = [];
  const problems: ImportProblem[] = [];
  const sink = {
    row: () => expect.unreachable("a WakaTime dump has no XP rows"),
    heartbeat: (h: ImportHeartbeat) => heartbeats.push(h),
    problem: (p: ImportProblem) => problems.push(p),
  };
  for (let i = 0; i < bytes.length; i += splitEvery) parser.feed(bytes.subarray(i, i + splitEvery), sink);
  parser.finish(sink);
  return { heartbeats, problems };
}

const FILE = JSON.stringify({
  user: { id: "u", username: "someone", bio: 'has "days": [ in it' },
  range: { start: 1, end: 2 },
  days: [
    { date: "2019-05-01", heartbeats: [] },
    {
      date: "2019-05-02",
      heartbeats: [
        { entity: "/ü/main.rs", type: "file", time: 1556784000.123, language: "Rust", machine_name_id: "abcdef0123456789", is_write: true },
        { entity: "x", time: NOW / 1000 + 7_200, machine_name_id: "abcdef0123456789" },
        { entity: "github.com", type: "domain", time: "1556784060", machine: "Desk PC" },
      ],
    },
  ],
});

describe("WakaTime dump reader", () => {
  it("gives the same heartbeats and problems for every way the bytes are split", () => {
    const bytes = new TextEncoder().encode(FILE);
    const whole = read(bytes, bytes.length);
    expect(whole.problems).toEqual([{ at: 2, message: "heartbeat is in the future" }]);
    expect(whole.heartbeats.map((h) => [h.at, h.machine, h.heartbeat.timeMs, h.heartbeat.language, h.heartbeat.category])).toEqual([
      [1, "WakaTime abcdef01", 1556784000123, "Rust", "coding"],
      [3, "Desk PC", 1556784060000, null, "browsing"],
    ]);
    expect(whole.heartbeats[0]!.heartbeat).toMatchObject({ entity: "/ü/main.rs", isWrite: true, machineName: "WakaTime abcdef01" });
    for (const split of [1, 2, 3, 7, 64]) expect(read(bytes, split)).toEqual(whole);
  });

  it("names machines by the dump's name, else its machine id, else WakaTime", () => {
    expect(dumpMachineName({ machine_name: "Laptop", machine_name_id: "x" })).toEqual({ ok: true, value: "Laptop" });
    expect(dumpMachineName({ machine_name_id: "5f0e2c1a-77b4" })).toEqual({ ok: true, value: "WakaTime 5f0e2c1a" });
    expect(dumpMachineName({ machine_name_id: 42 })).toEqual({ ok: true, value: "WakaTime 42" });
    expect(dumpMachineName({})).toEqual({ ok: true, value: "WakaTime" });
    expect(dumpMachineName({ machine: "a\u0000b" }).ok).toBe(false);
  });

  it("is told apart from this service's JSON export by its first list", () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(detectFormat(enc(FILE))?.id).toBe("wakatime-dump");
    expect(detectFormat(enc('{"user":"days","exported_at":"x","pulses":[{"machine":"days"}]}'))?.id).toBe("pulse-edge-json");
    expect(detectFormat(enc(`{"user":{"bio":"${"x".repeat(20_000)}"},"days":[]}`))?.id).toBe("wakatime-dump");
  });
});

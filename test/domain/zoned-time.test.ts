// UTC offsets and zone names, against Intl's own offset names (the offset cache must never differ),
// across transitions on the hour, in the middle of a UTC hour (Lord Howe, St. John's) and at a
// quarter hour (Chatham).
import { describe, expect, it } from "vitest";
import { offsetMinutes, validZone } from "../../worker/domain/zoned-time";

/** Minutes east of UTC from Intl's "GMT+10:30" style name, independent of the code under test. */
const offsetNames = new Map<string, Intl.DateTimeFormat>();
function reference(zone: string, instantMs: number): number {
  const format = offsetNames.get(zone) ?? new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" });
  offsetNames.set(zone, format);
  const name = format.formatToParts(new Date(instantMs)).find((p) => p.type === "timeZoneName")!.value;
  const m = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
  if (!m) throw new Error(`unexpected offset name ${name}`);
  return m[1] ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

describe("offsetMinutes", () => {
  it("agrees with Intl minute by minute around every transition of a year (on the hour, mid-hour, at a quarter hour), in any order", () => {
    for (const zone of ["Europe/Berlin", "America/St_Johns", "Australia/Lord_Howe", "Pacific/Chatham"]) {
      // The year's transitions, found hour by hour with the reference.
      const year = Date.parse("2026-01-01T00:00:00Z");
      const changes: number[] = [];
      for (let h = 1; h < 365 * 24; h++)
        if (reference(zone, year + h * 3_600_000) !== reference(zone, year + (h - 1) * 3_600_000)) changes.push(h);
      expect(changes, zone).toHaveLength(2);
      for (const h of changes) {
        const start = year + (h - 2) * 3_600_000;
        const instants = Array.from({ length: 3 * 60 }, (_, i) => start + i * 60_000 + 17_000);
        // Backwards first, then forwards: the cached hours must serve either order.
        for (const t of [...instants].reverse())
          expect(offsetMinutes(zone, t), `${zone} ${new Date(t).toISOString()}`).toBe(reference(zone, t));
        for (const t of instants) expect(offsetMinutes(zone, t), `${zone} ${new Date(t).toISOString()}`).toBe(reference(zone, t));
      }
    }
  });

  it("names zones canonically and refuses unknown ones, the same way on every call", () => {
    for (let i = 0; i < 2; i++) {
      expect(validZone("Etc/GMT")).toBe("UTC");
      expect(validZone("europe/berlin")).toBe("Europe/Berlin");
      expect(validZone("Mars/Olympus")).toBeNull();
      expect(validZone("")).toBeNull();
      expect(validZone(42)).toBeNull();
    }
  });
});

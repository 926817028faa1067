import { describe, expect, it } from "vitest";
import { formatLocal, localDateAndHour, parseCodedAt } from "../../worker/domain/coded-at";

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0); // 2026-11-26T12:00:00Z
const at = (text: string) => parseCodedAt(text, NOW);
const instant = (iso: string) => Date.parse(iso);

describe("coded_at forms the plugins send", () => {
  it.each([
    ["colon offset (Python isoformat, .NET K)", "2026-11-26T13:30:00+01:00", "2026-11-26T12:30:00Z", 60, "clamped"],
    ["no-colon offset (Atom, zsh, Emacs, nvim)", "2026-11-25T13:30:00+0100", "2026-11-25T12:30:00Z", 60, "past"],
    ["Z (JetBrains at UTC+0)", "2026-11-25T12:30:00Z", "2026-11-25T12:30:00Z", 0, "past"],
    ["lower-case z", "2026-11-25T12:30:00z", "2026-11-25T12:30:00Z", 0, "past"],
    ["negative offset", "2026-11-25T07:30:00-05:00", "2026-11-25T12:30:00Z", -300, "past"],
    ["half-hour offset", "2026-11-25T18:00:00+05:30", "2026-11-25T12:30:00Z", 330, "past"],
    ["nanoseconds (Rust chrono)", "2026-11-25T15:30:00.123456789+03:00", "2026-11-25T12:30:00.123Z", 180, "past"],
    ["7 fraction digits (.NET)", "2026-11-25T14:30:00.1234567+02:00", "2026-11-25T12:30:00.123Z", 120, "past"],
    ["comma fraction", "2026-11-25T12:30:00,5Z", "2026-11-25T12:30:00.500Z", 0, "past"],
    ["compact basic format", "20261125T123000+0000", "2026-11-25T12:30:00Z", 0, "past"],
    ["surrounding spaces", "  2026-11-25T12:30:00Z  ", "2026-11-25T12:30:00Z", 0, "past"],
  ])("%s", (_name, text, utc, offset) => {
    const parsed = at(text);
    expect(parsed).not.toHaveProperty("error");
    if ("error" in parsed) return;
    expect(parsed.utcOffset).toBe(offset);
    expect(parsed.instantMs).toBe(Math.min(instant(utc), NOW));
  });

  it("keeps microseconds of the instant as sent (for retry detection)", () => {
    const parsed = at("2026-11-25T12:30:00.123456789Z");
    expect("error" in parsed ? null : parsed.sentMicros).toBe(instant("2026-11-25T12:30:00Z") * 1000 + 123456);
  });
});

describe("the 7-day window", () => {
  it("accepts exactly 7 days old and rejects one second more", () => {
    expect(at("2026-11-19T12:00:00Z")).not.toHaveProperty("error");
    expect(at("2026-11-19T11:59:59Z")).toEqual({ error: "Invalid date." });
  });

  it("replaces a future instant with now and keeps the sender's offset", () => {
    const parsed = at("2027-01-01T10:00:00+09:00");
    expect(parsed).toMatchObject({ instantMs: NOW, utcOffset: 540 });
  });

  it("checks the window before the offset", () => {
    expect(at("2016-04-24T01:43:56+1:00")).toEqual({ error: "Invalid date." });
  });
});

describe("rejected coded_at", () => {
  it.each([
    ["no offset", "2026-11-25T12:30:00", "Invalid coded_at format."],
    ["garbage", "yesterday", "Invalid coded_at format."],
    ["empty", "", "Invalid coded_at format."],
    ["month 13", "2026-13-01T12:00:00Z", "Invalid coded_at format."],
    ["February 30", "2026-02-30T12:00:00Z", "Invalid coded_at format."],
    ["hour 24", "2026-11-25T24:00:00Z", "Invalid coded_at format."],
    ["offset minutes 60", "2026-11-25T12:30:00+01:60", "Invalid coded_at format."],
    ["one-digit offset hour", "2026-11-25T12:30:00+1:00", "Invalid TZ offset!"],
    ["trailing garbage", "2026-11-25T12:30:00Zjunk", "Invalid TZ offset!"],
    ["offset beyond ±18:00", "2026-11-25T12:30:00+19:00", "Invalid TZ offset!"],
  ])("%s", (_name, text, error) => {
    expect(at(text)).toEqual({ error });
  });

  it.each([[null], [12345], [{}], [["2026-11-25T12:30:00Z"]], [true]])("non-string %j", (value) => {
    expect(parseCodedAt(value, NOW)).toEqual({ error: "Invalid coded_at format." });
  });
});

describe("local date and hour", () => {
  it("come from the sender's offset, not UTC", () => {
    const utc = instant("2026-11-25T22:30:00Z");
    expect(localDateAndHour(utc, 180)).toEqual({ date: "2026-11-26", hour: 1 });
    expect(localDateAndHour(utc, -600)).toEqual({ date: "2026-11-25", hour: 12 });
    expect(formatLocal(utc, -30)).toBe("2026-11-25T22:00:00-00:30");
  });
});

// The profile page's model: live deltas, the year table, the 14-day chart. The browser applies
// exactly these functions to WebSocket messages, and the server renders with them.
import { describe, expect, it } from "vitest";
import type { ProfileView, PulseEvent } from "../../worker/protocol";
import {
  applyPulses,
  calendar,
  CALENDAR_DAYS,
  chartData,
  dayExists,
  daysChart,
  heat,
  OTHERS,
  splitLanguages,
  yearTable,
} from "../../site/lib/profile-model";

const NOW = Date.parse("2026-11-26T12:00:00Z");

function view(overrides: Partial<ProfileView> = {}): ProfileView {
  return {
    username: "alice",
    registeredAt: NOW - 86_400_000 * 400,
    seq: 3,
    totalXp: 300,
    recentXp: 0,
    lastCodedDate: "2026-11-20",
    languages: [
      { name: "Go", xp: 200, recentXp: 0 },
      { name: "Rust", xp: 100, recentXp: 0 },
    ],
    machines: [{ name: "Laptop", xp: 300, recentXp: 0 }],
    yearDays: { "11-20": 300 },
    calendarDays: { "2026-11-20": 300 },
    hours: Array.from({ length: 24 }, (_, h) => (h === 9 ? 300 : 0)),
    recentDays: [
      { date: "2026-11-20", language: "Go", xp: 200 },
      { date: "2026-11-20", language: "Rust", xp: 100 },
    ],
    at: NOW,
    ...overrides,
  };
}

function event(seq: number, sentAt: string, sentAtLocal: string, xps: [string, number][], machine = "Laptop"): PulseEvent {
  return { seq, sentAt, sentAtLocal, machine, xps: xps.map(([language, amount]) => ({ language, amount })) };
}

describe("applyPulses", () => {
  it("adds a pulse that continues the sequence to every figure", () => {
    const v = view();
    const result = applyPulses(
      v,
      {
        fromSeq: 4,
        toSeq: 4,
        pulses: [
          event(
            4,
            "2026-11-26T11:00:00Z",
            "2026-11-26T13:00:00+02:00",
            [
              ["Rust", 150],
              ["TypeScript", 20],
            ],
            "Desktop",
          ),
        ],
      },
      NOW,
    );
    expect(result).toBe("applied");
    expect(v.seq).toBe(4);
    expect(v.totalXp).toBe(470);
    expect(v.recentXp).toBe(170);
    expect(v.languages).toEqual([
      { name: "Rust", xp: 250, recentXp: 150 },
      { name: "Go", xp: 200, recentXp: 0 },
      { name: "TypeScript", xp: 20, recentXp: 20 },
    ]);
    expect(v.machines).toEqual([
      { name: "Laptop", xp: 300, recentXp: 0 },
      { name: "Desktop", xp: 170, recentXp: 170 },
    ]);
    // Local date and hour come from the coder's own offset.
    expect(v.yearDays["11-26"]).toBe(170);
    expect(v.hours[13]).toBe(170);
    expect(v.lastCodedDate).toBe("2026-11-26");
    expect(v.recentDays).toContainEqual({ date: "2026-11-26", language: "TypeScript", xp: 20 });
  });

  it("does not count pulses older than 12 hours as recent", () => {
    const v = view();
    applyPulses(v, { fromSeq: 4, toSeq: 4, pulses: [event(4, "2026-11-25T23:59:59Z", "2026-11-25T23:59:59+00:00", [["Go", 10]])] }, NOW);
    expect(v.totalXp).toBe(310);
    expect(v.recentXp).toBe(0);
    expect(v.lastCodedDate).toBe("2026-11-25");
  });

  it("applies several coalesced pulses in one message", () => {
    const v = view();
    const pulses = [4, 5, 6].map((seq) => event(seq, "2026-11-26T11:59:00Z", "2026-11-26T11:59:00Z", [["Go", 1]]));
    expect(applyPulses(v, { fromSeq: 4, toSeq: 6, pulses }, NOW)).toBe("applied");
    expect(v.seq).toBe(6);
    expect(v.languages[0]).toEqual({ name: "Go", xp: 203, recentXp: 3 });
  });

  it("reports a gap (the page then asks for a snapshot) and ignores what it already has", () => {
    const v = view();
    const before = structuredClone(v);
    expect(
      applyPulses(v, { fromSeq: 5, toSeq: 5, pulses: [event(5, "2026-11-26T11:00:00Z", "2026-11-26T11:00:00+00:00", [["Go", 1]])] }, NOW),
    ).toBe("gap");
    expect(applyPulses(v, { fromSeq: 2, toSeq: 3, pulses: [] }, NOW)).toBe("duplicate");
    expect(v).toEqual(before);
  });
});

describe("year table", () => {
  it("sums every year per calendar day and finds the largest cell", () => {
    const t = yearTable({ "02-29": 5, "03-01": 15, "12-31": 1 });
    expect(t.cells[1]![28]).toBe(5);
    expect(t.cells[2]![0]).toBe(15);
    expect(t.cells[11]![30]).toBe(1);
    expect(t.max).toBe(15);
    expect(heat(15, 15)).toBe(1);
    expect(heat(5, 15)).toBe(0.333);
    expect(heat(0, 0)).toBe(0);
  });

  it("knows which days exist (February has 29 in the table)", () => {
    expect(dayExists(2, 29)).toBe(true);
    expect(dayExists(2, 30)).toBe(false);
    expect(dayExists(4, 31)).toBe(false);
    expect(dayExists(12, 31)).toBe(true);
  });
});

describe("the 14-day chart", () => {
  it("shows the 14 days ending today, the top 8 languages and Others", () => {
    const langs = Array.from({ length: 10 }, (_, i) => `L${i}`);
    const recentDays = langs.map((language, i) => ({ date: "2026-11-25", language, xp: 100 - i }));
    recentDays.push({ date: "2026-11-01", language: "Old", xp: 9999 }); // before the window
    const chart = daysChart(recentDays, "2026-11-26");
    expect(chart.dates).toHaveLength(14);
    expect(chart.dates[0]).toBe("2026-11-13");
    expect(chart.dates[13]).toBe("2026-11-26");
    expect(chart.labels[13]).toBe("Thu 26");
    expect(chart.series.map((s) => s.label)).toEqual([...langs.slice(0, 8), OTHERS]);
    expect(chart.series.at(-1)!.data[12]).toBe(91 + 92);
    expect(chart.series[0]!.data[12]).toBe(100);
  });

  it("has no Others series when 8 languages or fewer were used, and follows a coder ahead of the viewer's date", () => {
    const chart = daysChart([{ date: "2026-11-27", language: "Go", xp: 5 }], "2026-11-26");
    expect(chart.dates.at(-1)).toBe("2026-11-27");
    expect(chart.series).toEqual([{ label: "Go", data: [...Array(13).fill(0), 5] }]);
  });

  it("embeds the hours and the days in the page's chart data", () => {
    const data = chartData(view(), "2026-11-26");
    expect(data.hours[9]).toBe(300);
    expect(data.days.series.map((s) => s.label)).toEqual(["Go", "Rust"]);
  });
});

describe("language lists", () => {
  it("gives ten languages a bar each and lists the rest", () => {
    const languages = Array.from({ length: 23 }, (_, i) => ({ name: `L${i}`, xp: 100 - i, recentXp: 0 }));
    const { top, rest } = splitLanguages(languages);
    expect(top).toHaveLength(10);
    expect(rest).toHaveLength(13);
    expect(rest[0]!.name).toBe("L10");
  });
});

describe("calendar (the last 365 days in week columns)", () => {
  it("lays the 365 days ending today out Monday first, with nothing before or after", () => {
    const c = calendar({}, "2026-12-01"); // a Tuesday
    const cells = c.weeks.flat();
    const days = cells.filter((x) => x !== null);
    expect(days).toHaveLength(CALENDAR_DAYS);
    expect(days[0]!.date).toBe("2025-12-02");
    expect(days.at(-1)!.date).toBe("2026-12-01");
    expect(c.weeks.every((w) => w.length === 7)).toBe(true);
    // 2025-12-02 is a Tuesday: the first column starts with an empty Monday.
    expect(c.weeks[0]![0]).toBeNull();
    expect(c.weeks[0]![1]!.date).toBe("2025-12-02");
    // Today is the last column's Tuesday; the rest of that week is empty.
    expect(
      c.weeks
        .at(-1)!
        .slice(2)
        .every((x) => x === null),
    ).toBe(true);
    expect(c.weeks).toHaveLength(53);
  });

  it("labels each month above the first column that holds its first day", () => {
    const c = calendar({}, "2026-12-01");
    expect(c.months.map((m) => m.label)).toEqual([
      "Dec",
      "Jan",
      "Feb",
      "Mar",
      "Apr",
      "May",
      "Jun",
      "Jul",
      "Aug",
      "Sep",
      "Oct",
      "Nov",
      "Dec",
    ]);
    const jan = c.months.find((m) => m.label === "Jan")!;
    expect(c.weeks[jan.week]!.some((x) => x?.date === "2026-01-01")).toBe(true);
  });

  it("counts XP and active days in the window only, and grades days by the busiest", () => {
    const c = calendar({ "2025-12-01": 999, "2025-12-02": 100, "2026-06-15": 400, "2026-12-01": 1 }, "2026-12-01");
    expect(c.total).toBe(501);
    expect(c.activeDays).toBe(3);
    const cells = new Map(
      c.weeks
        .flat()
        .filter((x) => x !== null)
        .map((x) => [x!.date, x!]),
    );
    expect(cells.get("2026-06-15")!.level).toBe(4);
    expect(cells.get("2025-12-02")!.level).toBe(1);
    expect(cells.get("2026-12-01")!.level).toBe(1);
    expect(cells.get("2026-03-03")!.level).toBe(0);
  });

  it("follows live pulses through applyPulses", () => {
    const v = view();
    applyPulses(v, { fromSeq: 4, toSeq: 4, pulses: [event(4, "2026-11-26T11:00:00Z", "2026-11-26T13:00:00+02:00", [["Go", 70]])] }, NOW);
    expect(v.calendarDays["2026-11-26"]).toBe(70);
    expect(calendar(v.calendarDays, "2026-11-26").total).toBe(370);
  });
});

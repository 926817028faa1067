// Formatting shared by the pages and the browser scripts.
import { describe, expect, it } from "vitest";
import {
  addDays,
  compactXp,
  formatDate,
  formatInt,
  hourLabel,
  levelBar,
  levelText,
  localDate,
  shortDay,
  skillText,
  utcDate,
} from "../../site/lib/format";

describe("number formatting", () => {
  it("uses thousands separators", () => {
    expect(formatInt(0)).toBe("0");
    expect(formatInt(1234567)).toBe("1,234,567");
  });

  it("writes year-table cells as n, n.nk or n.nM", () => {
    expect(compactXp(0)).toBe("0");
    expect(compactXp(999)).toBe("999");
    expect(compactXp(1000)).toBe("1.0k");
    expect(compactXp(15_350)).toBe("15.3k");
    expect(compactXp(999_949)).toBe("999.9k");
    expect(compactXp(999_950)).toBe("1.0M");
    expect(compactXp(2_560_000)).toBe("2.6M");
  });

  it("writes levels as the original: Level N (X XP) (+new), the last part only with new XP", () => {
    expect(levelText(0, 0)).toBe("Level 0 (0 XP)");
    expect(levelText(6_400, 0)).toBe("Level 2 (6,400 XP)");
    expect(levelText(76_500, 1_250)).toBe("Level 6 (76,500 XP) (+1,250)");
    expect(skillText(1_600, 10)).toBe("level 1 (1,600 XP) (+10)");
  });

  it("splits the bar into old and recent parts and describes it", () => {
    // Level 1 runs from 1,600 to 6,400 XP: 4,000 XP is 50 %, the last 480 of it 10 %.
    expect(levelBar(4_000, 480)).toMatchObject({ level: 1, old: 40, recent: 10 });
    expect(levelBar(4_000, 480).label).toBe("50 % of the way to level 2, 10 % of it in the last 12 hours");
    // A level-up inside the recent window: the whole bar is recent.
    expect(levelBar(2_000, 1_000)).toMatchObject({ level: 1, old: 0, recent: 8 });
    expect(levelBar(0, 0).label).toBe("0 % of the way to level 1");
  });
});

describe("dates", () => {
  it("formats calendar dates without time zones", () => {
    expect(formatDate("2026-03-05")).toBe("Mar 5, 2026");
    expect(utcDate(Date.UTC(2026, 0, 31, 23, 59))).toBe("2026-01-31");
    expect(localDate(new Date(2026, 1, 3, 12))).toBe("2026-02-03");
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2026-01-01", -1)).toBe("2025-12-31");
    expect(shortDay("2026-11-26")).toBe("Thu 26");
    expect(hourLabel(7)).toBe("07:00");
  });
});

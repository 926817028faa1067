// The front page's model (minute window, bar caps, dots), the map projection and the reconnect backoff.
import { describe, expect, it } from "vitest";
import {
  barHeight,
  BAR_CAP,
  BINS,
  binTotals,
  binWindow,
  dotSize,
  hourlyTotals,
  MINUTE_BARS,
  minuteWindow,
  utcClock,
} from "../../site/lib/feed-model";
import { MAP_HEIGHT, MAP_WIDTH, mapPosition } from "../../site/lib/map-projection";
import { compactPath } from "../../site/lib/world-map";
import { backoffDelay, MAX_RETRY_MS } from "../../site/lib/backoff";

const NOW = Date.parse("2026-11-26T12:34:56Z");

describe("5-minute bars", () => {
  it("cover the last 4 hours in 48 bars ending with the bar of the current minute", () => {
    const w = binWindow(NOW);
    expect(w).toHaveLength(BINS);
    expect(BINS).toBe(48);
    expect(w.at(-1)).toBe(Date.parse("2026-11-26T12:30:00Z"));
    expect(w[0]).toBe(Date.parse("2026-11-26T08:35:00Z"));
    expect(w.map(utcClock).slice(0, 2)).toEqual(["08:35", "08:40"]);
  });

  it("sum each bar's minutes and ignore minutes outside the window", () => {
    const w = binWindow(NOW);
    const minutes = new Map([
      [Date.parse("2026-11-26T08:30:00Z"), 999],
      [Date.parse("2026-11-26T08:35:00Z"), 1],
      [Date.parse("2026-11-26T08:39:00Z"), 2],
      [Date.parse("2026-11-26T12:34:00Z"), 5],
    ]);
    const totals = binTotals(minutes, w);
    expect(totals[0]).toBe(3);
    expect(totals.at(-1)).toBe(5);
    expect(totals.reduce((a, b) => a + b, 0)).toBe(8);
  });
});

describe("minute chart", () => {
  it("has one bar per minute of the last 4 hours, ending with the current minute", () => {
    const w = minuteWindow(NOW);
    expect(w).toHaveLength(MINUTE_BARS);
    expect(MINUTE_BARS).toBe(240);
    expect(w.at(-1)).toBe(Date.parse("2026-11-26T12:34:00Z"));
    expect(w[0]).toBe(Date.parse("2026-11-26T08:35:00Z"));
  });

  it("caps bars at 20,000 for display", () => {
    expect(barHeight(19_999)).toBe(19_999);
    expect(barHeight(50_000)).toBe(BAR_CAP);
  });

  it("sums the window per hour for the table shown without JavaScript", () => {
    const minutes: [number, number][] = [
      [Date.parse("2026-11-26T08:00:00Z"), 999], // outside the window
      [Date.parse("2026-11-26T11:10:00Z"), 5],
      [Date.parse("2026-11-26T11:50:00Z"), 6],
      [Date.parse("2026-11-26T12:30:00Z"), 7],
    ];
    expect(hourlyTotals(minutes, NOW)).toEqual([
      { hour: Date.parse("2026-11-26T11:00:00Z"), xp: 11 },
      { hour: Date.parse("2026-11-26T12:00:00Z"), xp: 7 },
    ]);
  });

  it("sizes dots from 10 to 20 px by XP, capped at 100 XP", () => {
    expect(dotSize(0)).toBe(10);
    expect(dotSize(50)).toBe(15);
    expect(dotSize(5_000)).toBe(20);
  });
});

describe("map", () => {
  it("places coordinates on the equirectangular map in percent", () => {
    expect(mapPosition(0, 0)!.x).toBe(50);
    expect(mapPosition(84, -180)).toEqual({ x: 0, y: 0 });
    expect(mapPosition(-58, 180)!.y).toBeCloseTo(100, 0);
    expect(mapPosition(-70, 0)).toBeNull(); // Antarctica is cut off
    expect(mapPosition(Number.NaN, 0)).toBeNull();
    expect(MAP_WIDTH / MAP_HEIGHT).toBeCloseTo(360 / 142, 2);
  });

  it("rewrites paths with integer relative coordinates and drops repeated points", () => {
    expect(compactPath("M10.4,20.6L12,20.6L12.2,20.9L9,25Z")).toBe("M10 21l2 0-3 4z");
    expect(compactPath("M0,0L5,5L10,-2ZM1,1L1.2,1.1Z")).toBe("M0 0l5 5 5-7z");
  });
});

describe("reconnect backoff", () => {
  it("doubles from one second up to a minute, with jitter over the upper half", () => {
    expect(backoffDelay(0, () => 0)).toBe(500);
    expect(backoffDelay(0, () => 0.999)).toBe(1000);
    expect(backoffDelay(3, () => 0.5)).toBe(6000);
    expect(backoffDelay(50, () => 0.999)).toBeLessThanOrEqual(MAX_RETRY_MS);
    expect(backoffDelay(50, () => 0)).toBe(MAX_RETRY_MS / 2);
  });
});

import { describe, expect, it } from "vitest";
import { level, levelProgress, nextLevelXp, progressSplit } from "../../worker/domain/levels";

describe("levels", () => {
  it.each([
    [0, 0],
    [1, 0],
    [1599, 0],
    [1600, 1],
    [6399, 1],
    [6400, 2],
    [14_399, 2],
    [14_400, 3],
    [159_999, 9],
    [160_000, 10],
    [3_999_999, 49],
    [4_000_000, 50],
  ])("%i XP is level %i", (xp, expected) => {
    expect(level(xp)).toBe(expected);
  });

  it("starts level L at 1600·L² for every L up to 5000", () => {
    for (let l = 1; l <= 5000; l++) {
      expect(level(1600 * l * l)).toBe(l);
      expect(level(1600 * l * l - 1)).toBe(l - 1);
      expect(nextLevelXp(l - 1)).toBe(1600 * l * l);
    }
  });

  it("computes progress within the level", () => {
    expect(nextLevelXp(-1)).toBe(0);
    expect(levelProgress(0)).toBe(0);
    expect(levelProgress(800)).toBe(50);
    expect(levelProgress(1600)).toBe(0);
    expect(levelProgress(4000)).toBe(50); // halfway from 1600 to 6400
    expect(levelProgress(6399)).toBe(100);
  });

  it("splits the bar into old and recent parts like the original", () => {
    expect(progressSplit(4000, 800)).toEqual({ level: 1, old: 33, recent: 17 });
    // The level-up happened inside the recent window: the whole bar is recent.
    expect(progressSplit(2000, 1000)).toEqual({ level: 1, old: 0, recent: 8 });
    expect(progressSplit(0, 0)).toEqual({ level: 0, old: 0, recent: 0 });
  });
});

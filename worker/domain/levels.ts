// Levels, exactly as the original computes them: level L starts at 1600·L² XP.
const LEVEL_FACTOR = 0.025;

export function level(xp: number): number {
  return xp > 0 ? Math.floor(LEVEL_FACTOR * Math.sqrt(xp)) : 0;
}

/** XP at which the level after `lvl` starts. */
export function nextLevelXp(lvl: number): number {
  return Math.ceil((lvl + 1) / LEVEL_FACTOR) ** 2;
}

/** Percent (0-100, rounded) of the way from the current level to the next. */
export function levelProgress(xp: number): number {
  const lvl = level(xp);
  const start = nextLevelXp(lvl - 1);
  const end = nextLevelXp(lvl);
  return Math.round(((xp - start) / (end - start)) * 100);
}

export interface ProgressSplit {
  level: number;
  /** Percent of the bar earned before the recent window. */
  old: number;
  /** Percent of the bar earned within the recent window. */
  recent: number;
}

/** The progress bar with the recent part highlighted, as the original profile draws it. */
export function progressSplit(total: number, recent: number): ProgressSplit {
  const lvl = level(total);
  const have = total - nextLevelXp(lvl - 1);
  if (have > recent) {
    const old = levelProgress(total - recent);
    return { level: lvl, old, recent: levelProgress(total) - old };
  }
  return { level: lvl, old: 0, recent: levelProgress(total) };
}

// The front page's figures: pure functions over pulses, shared by the aggregator shards and the feed.

export const MINUTES_WINDOW_MS = 4 * 3_600_000;
export const LANGUAGES_WINDOW_MS = 24 * 3_600_000;
/** Each XP row counts at most this much on the per-minute chart, as in the original. */
export const XP_ROW_CAP = 400;
export const TOP_LANGUAGES = 10;

/** A pulse as the front page sees it: no user, and coordinates only for public profiles. */
export interface FeedPulse {
  pulseId: number;
  codedAt: number;
  xps: { language: string; amount: number }[];
  coords: { lat: number; lon: number } | null;
}

export const minuteOf = (ms: number) => Math.floor(ms / 60_000) * 60_000;
export const hourOf = (ms: number) => Math.floor(ms / 3_600_000) * 3_600_000;

export function cappedXp(xps: readonly { amount: number }[]): number {
  let sum = 0;
  for (const x of xps) sum += Math.min(x.amount, XP_ROW_CAP);
  return sum;
}

export function totalXp(xps: readonly { amount: number }[]): number {
  let sum = 0;
  for (const x of xps) sum += x.amount;
  return sum;
}

/** Coarse location of a request (0.1° ≈ 11 km), or null when the platform gives none. */
export function coarseCoords(lat: unknown, lon: unknown): { lat: number; lon: number } | null {
  const la = typeof lat === "number" ? lat : Number.parseFloat(String(lat));
  const lo = typeof lon === "number" ? lon : Number.parseFloat(String(lon));
  if (!Number.isFinite(la) || !Number.isFinite(lo) || Math.abs(la) > 90 || Math.abs(lo) > 180) return null;
  return { lat: Math.round(la * 10) / 10, lon: Math.round(lo * 10) / 10 };
}

/** Parses "lat,lon" (the FALLBACK_COORDS setting) into coarse coordinates. */
export function parseCoords(text: string | undefined): { lat: number; lon: number } | null {
  if (!text) return null;
  const [lat, lon] = text.split(",");
  return coarseCoords(lat, lon);
}

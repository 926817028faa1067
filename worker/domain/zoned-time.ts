// Local dates and UTC offsets in IANA time zones (through Intl, which carries the zone database).

const formatters = new Map<string, Intl.DateTimeFormat>();
const MAX_CACHED_ZONES = 500;

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    if (formatters.size >= MAX_CACHED_ZONES) formatters.clear();
    formatters.set(zone, f);
  }
  return f;
}

// Canonical names by the name asked for (null: not a zone), so a request's Timezone header costs no Intl call.
const canonicalZones = new Map<string, string | null>();

/** The zone's canonical name, or null when it is not a zone Intl knows (or not a string). */
export function validZone(name: unknown): string | null {
  if (typeof name !== "string" || name.length === 0 || name.length > 64) return null;
  const known = canonicalZones.get(name);
  if (known !== undefined) return known;
  let canonical: string | null;
  try {
    canonical = formatter(name).resolvedOptions().timeZone;
  } catch {
    canonical = null;
  }
  if (canonicalZones.size >= MAX_CACHED_ZONES) canonicalZones.clear();
  canonicalZones.set(name, canonical);
  return canonical;
}

const HOUR_MS = 3_600_000;
const MAX_CACHED_HOURS = 10_000;
// Per zone and UTC hour: the offset when it is the same at the hour's first and last millisecond (no
// zone changes its offset twice within an hour), or null when it changes within the hour.
const hourOffsets = new Map<string, number | null>();

/** Minutes east of UTC in `zone` at `instantMs` (the zone must be valid). */
export function offsetMinutes(zone: string, instantMs: number): number {
  const hour = Math.floor(instantMs / HOUR_MS);
  const key = `${zone}\u0000${hour}`;
  let steady = hourOffsets.get(key);
  if (steady === undefined) {
    const first = exactOffsetMinutes(zone, hour * HOUR_MS);
    steady = first === exactOffsetMinutes(zone, (hour + 1) * HOUR_MS - 1) ? first : null;
    if (hourOffsets.size >= MAX_CACHED_HOURS) hourOffsets.clear();
    hourOffsets.set(key, steady);
  }
  return steady ?? exactOffsetMinutes(zone, instantMs);
}

function exactOffsetMinutes(zone: string, instantMs: number): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(instantMs))) if (p.type !== "literal") parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return Math.round((asUtc - Math.floor(instantMs / 1000) * 1000) / 60_000);
}

/** YYYY-MM-DD of an instant shifted by an offset in minutes. */
export function dateAtOffset(instantMs: number, offset: number): string {
  return new Date(instantMs + offset * 60_000).toISOString().slice(0, 10);
}

export function localDate(zone: string, instantMs: number): string {
  return dateAtOffset(instantMs, offsetMinutes(zone, instantMs));
}

// The current local date per zone, for the minute it was computed in (offsets change on whole minutes).
const todayByZone = new Map<string, { minute: number; date: string }>();

/** `localDate` for an instant near now, remembered per zone for the minute (the status bar asks it on every read). */
export function localDateNow(zone: string, nowMs: number): string {
  const minute = Math.floor(nowMs / 60_000);
  const known = todayByZone.get(zone);
  if (known && known.minute === minute) return known.date;
  const date = localDate(zone, nowMs);
  if (todayByZone.size >= MAX_CACHED_ZONES) todayByZone.clear();
  todayByZone.set(zone, { minute, date });
  return date;
}

/** The first instant of a local date (YYYY-MM-DD) in `zone`. */
export function startOfLocalDay(zone: string, date: string): number {
  const midnightUtc = Date.parse(`${date}T00:00:00Z`);
  let guess = midnightUtc - offsetMinutes(zone, midnightUtc) * 60_000;
  guess = midnightUtc - offsetMinutes(zone, guess) * 60_000;
  return guess;
}

/** The date `days` after a YYYY-MM-DD date (negative: before). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export function isIsoDate(value: unknown): value is string {
  return (
    typeof value === "string" &&
    /^\d{4}-\d{2}-\d{2}$/.test(value) &&
    !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
    new Date(`${value}T00:00:00Z`).toISOString().startsWith(value)
  );
}

// XP from heartbeats: time slots claimed per machine and language, each worth a fixed amount.
//
// The rule: every heartbeat with a language claims the 2-minute slot (UTC, aligned to the epoch) it
// falls in, for its machine and language; each claimed (machine, language, slot) earns 60 XP once.
// - idempotent: a slot is a pulse whose fingerprint names it, so a retry or re-sync hits the
//   pulses' unique index and earns nothing;
// - independent of arrival order: the set of claimed slots depends only on the set of heartbeats;
// - bounded by real time: per machine and language at most 60 XP per 2 minutes (1,800 XP per hour),
//   however many heartbeats arrive;
// - calibrated on Code::Stats: its plugins give about 1 XP per typed character; a coder typing
//   ~150 characters per active minute for about a fifth of their coding time earns ~30 XP per minute
//   of coding, i.e. ~1,800 XP per hour. WakaTime plugins send a heartbeat at least every 2 minutes
//   while one works in a file (and on every file switch and save), so steady work claims about every
//   slot: ~1,800 XP per coding hour, the same range.
import { languageKey, normalizeLanguageName } from "./language";
import type { Heartbeat } from "./heartbeat";

export const XP_SLOT_MS = 120_000;
export const XP_PER_SLOT = 60;

export interface XpSlot {
  /** Start of the slot, UTC epoch ms. */
  slotStartMs: number;
  /** UTC offset (minutes) of the heartbeat that claimed it: the slot's local date and hour. */
  utcOffset: number;
  language: string;
  key: string;
  /** The pulse fingerprint that makes the claim idempotent (never a 32-hex pulse fingerprint). */
  fingerprint: string;
}

/** The distinct slots a request's heartbeats claim (offsets are the request's, one zone per request). */
export function xpSlots(heartbeats: readonly (Pick<Heartbeat, "timeMs" | "language"> & { utcOffset: number })[]): XpSlot[] {
  const slots = new Map<string, XpSlot>();
  for (const h of heartbeats) {
    if (h.language === null) continue;
    const language = normalizeLanguageName(h.language);
    if (language === null) continue;
    const key = languageKey(language);
    const slotStartMs = Math.floor(h.timeMs / XP_SLOT_MS) * XP_SLOT_MS;
    const fingerprint = `hb:${slotStartMs / XP_SLOT_MS}:${key}`;
    if (!slots.has(fingerprint)) slots.set(fingerprint, { slotStartMs, utcOffset: h.utcOffset, language, key, fingerprint });
  }
  return [...slots.values()];
}

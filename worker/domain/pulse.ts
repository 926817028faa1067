// Validation of a pulse body, in the order and with the messages of the original service,
// plus the limits it lacked (each documented in the API docs and answered with a 4xx).
import { parseCodedAt, type CodedAt } from "./coded-at";
import { languageKey, normalizeLanguageName } from "./language";

export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_ENTRIES = 100;
export const MAX_LANGUAGE_LENGTH = 255;
export const MAX_XP = 2_147_483_647; // a 32-bit signed integer, as in the original's column type

export const PULSE_ERRORS = {
  shape: "Invalid xps format.",
  xp: "Invalid XP format.",
  tooManyEntries: `Too many XP entries in one pulse (at most ${MAX_ENTRIES}).`,
  languageTooLong: `Language name too long (at most ${MAX_LANGUAGE_LENGTH} characters).`,
  languageInvalid: "Language name must be valid Unicode text without control characters.",
  xpTooLarge: `XP amount too large (at most ${MAX_XP}).`,
} as const;

export interface XpEntry {
  /** The name as it will be stored when the language is new (trimmed, "Plain text" when empty). */
  language: string;
  /** Case-insensitive identity of the language. */
  key: string;
  xp: number;
}

export interface ValidPulse extends CodedAt {
  entries: XpEntry[];
}

export type PulseValidation = { ok: true; pulse: ValidPulse } | { ok: false; message: string };

/** Marks a JSON number written with a fraction or exponent: the original only takes integer literals. */
const NOT_AN_INTEGER_LITERAL: unique symbol = Symbol("not an integer literal");

/**
 * JSON.parse that keeps the integer/float distinction of the source text (`15.0` is not an integer
 * for the original's JSON decoder). Throws SyntaxError on malformed JSON.
 */
export function parseJsonBody(text: string): unknown {
  return JSON.parse(text, function (this: unknown, _key: string, value: unknown, context?: { source?: string }) {
    if (typeof value === "number" && context?.source !== undefined && !/^-?\d+$/.test(context.source)) {
      return NOT_AN_INTEGER_LITERAL;
    }
    return value;
  } as (key: string, value: unknown) => unknown);
}

export function validatePulse(body: unknown, nowMs: number): PulseValidation {
  if (!isRecord(body) || !("coded_at" in body) || !Array.isArray(body.xps)) {
    return { ok: false, message: PULSE_ERRORS.shape };
  }
  const codedAt = parseCodedAt(body.coded_at, nowMs);
  if ("error" in codedAt) return { ok: false, message: codedAt.error };

  const xps: unknown[] = body.xps;
  if (xps.length > MAX_ENTRIES) return { ok: false, message: PULSE_ERRORS.tooManyEntries };

  const entries: XpEntry[] = [];
  for (const item of xps) {
    const entry = validateEntry(item);
    if (typeof entry === "string") return { ok: false, message: entry };
    entries.push(entry);
  }
  return { ok: true, pulse: { ...codedAt, entries } };
}

function validateEntry(item: unknown): XpEntry | string {
  if (!isRecord(item)) return PULSE_ERRORS.xp;
  const { language, xp } = item;
  if (typeof language !== "string" || typeof xp !== "number" || !Number.isInteger(xp) || xp < 0) {
    return PULSE_ERRORS.xp;
  }
  if (xp > MAX_XP) return PULSE_ERRORS.xpTooLarge;
  const name = normalizeLanguageName(language);
  if (name === null) return PULSE_ERRORS.languageInvalid;
  if ([...name].length > MAX_LANGUAGE_LENGTH) return PULSE_ERRORS.languageTooLong;
  return { language: name, key: languageKey(name), xp: xp === 0 ? 0 : xp };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Total XP of a pulse. */
export function pulseXp(entries: readonly { xp: number }[]): number {
  let total = 0;
  for (const e of entries) total += e.xp;
  return total;
}

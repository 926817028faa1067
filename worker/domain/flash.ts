// The flash message carried by a short-lived cookie across a Post/Redirect/Get. It holds only
// non-secret text (the message and re-fill values such as the username typed); a new machine token is
// never put here (see worker/db/reveals.ts). `reveal` tells the next page to fetch its one-time secret.
import { base64UrlDecode, base64UrlEncode } from "./secrets";

export type FlashKind = "success" | "error" | "info";

export interface Flash {
  kind: FlashKind;
  message: string;
  /** Values to put back into the form (never passwords). */
  fields?: Record<string, string>;
  reveal?: boolean;
}

const MAX_FIELD_LENGTH = 256;

export function encodeFlash(flash: Flash): string {
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(flash.fields ?? {})) fields[k] = v.slice(0, MAX_FIELD_LENGTH);
  const payload = {
    k: flash.kind,
    m: flash.message.slice(0, 500),
    ...(flash.fields ? { f: fields } : {}),
    ...(flash.reveal ? { r: 1 } : {}),
  };
  return base64UrlEncode(new TextEncoder().encode(JSON.stringify(payload)));
}

/** Null for anything that is not a well-formed flash. */
export function decodeFlash(value: string | undefined): Flash | null {
  if (!value || value.length > 3000) return null;
  const bytes = base64UrlDecode(value);
  if (!bytes) return null;
  try {
    const raw = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes)) as Record<string, unknown>;
    if (raw.k !== "success" && raw.k !== "error" && raw.k !== "info") return null;
    if (typeof raw.m !== "string") return null;
    const flash: Flash = { kind: raw.k, message: raw.m };
    if (raw.f && typeof raw.f === "object") {
      flash.fields = {};
      for (const [k, v] of Object.entries(raw.f)) if (typeof v === "string") flash.fields[k] = v;
    }
    if (raw.r === 1) flash.reveal = true;
    return flash;
  } catch {
    return null;
  }
}

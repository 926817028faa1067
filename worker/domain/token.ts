// Machine API tokens: a lowercase UUID v4 (122 random bits), shown once, stored only as a SHA-256 hash.
// The WakaTime CLI only sends keys of the shape `(waka_)?<uuid v4>`, so that prefix is accepted too.

const TOKEN = /^(?:waka_)?([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})$/;

/** The canonical token (the bare UUID) of a presented header value, or null when it cannot be one. */
export function canonicalToken(presented: string | null | undefined): string | null {
  if (!presented) return null;
  const m = TOKEN.exec(presented.trim().toLowerCase());
  return m ? m[1]! : null;
}

export function newToken(): string {
  return crypto.randomUUID();
}

/** Hex SHA-256 of the canonical token: the only form that is stored. */
export async function hashToken(token: string): Promise<string> {
  return sha256Hex(token);
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return toHex(new Uint8Array(digest));
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += HEX[b];
  return out;
}

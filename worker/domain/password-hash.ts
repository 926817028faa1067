// Password hashing: PBKDF2-SHA256 through Web Crypto, stored as a self-describing string
//   pbkdf2-sha256$<iterations>$<salt, base64url>$<hash, base64url>
// so the parameters can be raised later: `needsRehash` tells the login to store a fresh hash.
import { base64UrlDecode, base64UrlEncode, constantTimeEqual } from "./secrets";

/** The Workers runtime refuses PBKDF2 above 100,000 iterations, so this is also the maximum. */
export const PBKDF2_ITERATIONS = 100_000;
const ALGORITHM = "pbkdf2-sha256";
const SALT_BYTES = 16;
const HASH_BYTES = 32;

interface ParsedHash {
  iterations: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

export async function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, iterations, HASH_BYTES);
  return `${ALGORITHM}$${iterations}$${base64UrlEncode(salt)}$${base64UrlEncode(hash)}`;
}

/** Constant-time check of a password against a stored hash; false for an empty or malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) {
    await dummyVerify(password);
    return false;
  }
  const candidate = await derive(password, parsed.salt, parsed.iterations, parsed.hash.length);
  return constantTimeEqual(candidate, parsed.hash);
}

/** Spends the same work as a real verification, for log-in attempts on unknown accounts. */
export async function dummyVerify(password: string): Promise<void> {
  await derive(password, DUMMY_SALT, PBKDF2_ITERATIONS, HASH_BYTES);
}

export function needsRehash(stored: string): boolean {
  const parsed = parseHash(stored);
  return !parsed || parsed.iterations < PBKDF2_ITERATIONS || parsed.hash.length !== HASH_BYTES || parsed.salt.length < SALT_BYTES;
}

const DUMMY_SALT = new Uint8Array(SALT_BYTES);

function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split("$");
  if (parts.length !== 4 || parts[0] !== ALGORITHM) return null;
  const iterations = Number(parts[1]);
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > PBKDF2_ITERATIONS) return null;
  const salt = base64UrlDecode(parts[2]!);
  const hash = base64UrlDecode(parts[3]!);
  if (!salt || !hash || salt.length === 0 || hash.length === 0) return null;
  return { iterations, salt, hash };
}

async function derive(password: string, salt: Uint8Array, iterations: number, bytes: number): Promise<Uint8Array> {
  // NFKC, as NIST SP 800-63B suggests, so the same password typed on different systems matches.
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password.normalize("NFKC")), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, bytes * 8);
  return new Uint8Array(bits);
}

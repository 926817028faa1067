// The rules a new password must meet: length, not a well-known password, not the username.
import { COMMON_PASSWORDS } from "./common-passwords";

export const MIN_PASSWORD_LENGTH = 8;
/** PBKDF2 pre-hashes long keys, so this only bounds the request, not the work. */
export const MAX_PASSWORD_LENGTH = 1024;

/** An error message, or null when the password may be used. */
export function passwordProblem(password: string, username?: string): string | null {
  const length = [...password.normalize("NFKC")].length;
  if (length < MIN_PASSWORD_LENGTH) return `Password must be at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (length > MAX_PASSWORD_LENGTH) return `Password must be at most ${MAX_PASSWORD_LENGTH} characters.`;
  const lower = password.normalize("NFKC").toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) return "This password is too common; choose another one.";
  if (/^(.)\1*$/u.test(lower)) return "Password must not repeat a single character.";
  if (username !== undefined && lower === username.normalize("NFKC").toLowerCase()) return "Password must not be your username.";
  return null;
}

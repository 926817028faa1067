// Usernames: the original's character rules, and case-insensitive identity.

export const MAX_USERNAME_LENGTH = 64;
const FORBIDDEN = /[/#%?&=+]/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function usernameKey(name: string): string {
  return name.normalize("NFC").toLowerCase();
}

/** An error message, or null when the name may be registered. */
export function usernameProblem(name: string): string | null {
  if (name.length === 0) return "Username is required.";
  if (!name.isWellFormed() || CONTROL.test(name)) return "Username must be plain text.";
  if ([...name].length > MAX_USERNAME_LENGTH) return `Username must be at most ${MAX_USERNAME_LENGTH} characters.`;
  if (name !== name.trim()) return "Username must not start or end with a space.";
  if (FORBIDDEN.test(name)) return "Username must not contain any of / # % ? & = +";
  if (name === "." || name === "..") return "Username must not be . or ..";
  return null;
}

/** A username as it appears in a URL segment: `+` stands for a space, as in the original. */
export function usernameFromPath(segment: string): string {
  return segment.replaceAll("+", " ");
}

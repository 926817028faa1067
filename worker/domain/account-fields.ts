// Validation of the other fields a person types: e-mail address and machine name.

const MAX_EMAIL_LENGTH = 255;
export const MAX_MACHINE_NAME_LENGTH = 64;
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** The e-mail address as stored: trimmed, null when left empty. */
export function normalizeEmail(input: string): string | null {
  const trimmed = input.trim();
  return trimmed === "" ? null : trimmed;
}

/** An error message, or null. The original's rule (`.+@.+`, 3-255 characters) without spaces or control characters. */
export function emailProblem(email: string | null): string | null {
  if (email === null) return null;
  if (email.length < 3 || email.length > MAX_EMAIL_LENGTH) return `E-mail address must be 3-${MAX_EMAIL_LENGTH} characters.`;
  if (!email.isWellFormed() || CONTROL.test(email) || /\s/.test(email) || !/^[^@]+@[^@]+$/.test(email)) {
    return "E-mail address is not valid.";
  }
  return null;
}

/** The machine name as stored: trimmed and NFC-normalized. */
export function normalizeMachineName(input: string): string {
  return input.trim().normalize("NFC");
}

export function machineNameProblem(name: string): string | null {
  if (name.length === 0) return "Machine name is required.";
  if (!name.isWellFormed() || CONTROL.test(name)) return "Machine name must be plain text.";
  if ([...name].length > MAX_MACHINE_NAME_LENGTH) return `Machine name must be at most ${MAX_MACHINE_NAME_LENGTH} characters.`;
  return null;
}

/** A local path to go to after logging in, or null when `next` could lead elsewhere (open-redirect guard). */
export function safeNextPath(next: string | null | undefined): string | null {
  if (!next || next.length > 512) return null;
  if (!/^\/(?![/\\])/.test(next) || /[\u0000-\u001f\\]/.test(next)) return null;
  return next;
}

// Language names: what is stored, and how two spellings are recognised as the same language.

const DEFAULT_LANGUAGE = "Plain text";

// C0/C1 control characters (a tab or newline inside a name is a plugin bug, not a language).
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Trimmed name, "Plain text" when empty; null when it is not storable text. */
export function normalizeLanguageName(raw: string): string | null {
  if (!raw.isWellFormed()) return null;
  const name = raw.trim();
  if (name === "") return DEFAULT_LANGUAGE;
  return CONTROL.test(name) ? null : name;
}

/** Case-insensitive identity: the first spelling ever seen becomes the displayed name. */
export function languageKey(name: string): string {
  return name.normalize("NFC").toLowerCase();
}

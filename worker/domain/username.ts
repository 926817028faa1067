// Usernames: the original's character rules, lookalike protection (NFKC, no invisible characters, one script), case-insensitive identity.

export const MAX_USERNAME_LENGTH = 64;
const FORBIDDEN = /[/#%?&=+]/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

// Characters that render as nothing or reorder the text around them: a name holding one looks like another name.
const INVISIBLE = /[\p{Cf}\p{Bidi_Control}\p{Default_Ignorable_Code_Point}\p{Zl}\p{Zp}]|[^\P{Zs} ]/u;
const NEUTRAL = /[\p{Script=Common}\p{Script=Inherited}]/u;
// Scripts told apart for the mixed-script rule; a letter of any other script counts as "Other".
const SCRIPTS = [
  "Latin",
  "Greek",
  "Cyrillic",
  "Armenian",
  "Hebrew",
  "Arabic",
  "Syriac",
  "Thaana",
  "Nko",
  "Devanagari",
  "Bengali",
  "Gurmukhi",
  "Gujarati",
  "Oriya",
  "Tamil",
  "Telugu",
  "Kannada",
  "Malayalam",
  "Sinhala",
  "Thai",
  "Lao",
  "Tibetan",
  "Myanmar",
  "Georgian",
  "Hangul",
  "Ethiopic",
  "Cherokee",
  "Canadian_Aboriginal",
  "Khmer",
  "Mongolian",
  "Hiragana",
  "Katakana",
  "Bopomofo",
  "Han",
].map((name) => ({ name, pattern: new RegExp(`\\p{Script=${name}}`, "u") }));
// Scripts written together (Unicode TS #39, "highly restrictive"): any one of these sets may be mixed.
const WRITTEN_TOGETHER = [
  new Set(["Latin", "Han", "Hiragana", "Katakana"]),
  new Set(["Latin", "Han", "Bopomofo"]),
  new Set(["Latin", "Han", "Hangul"]),
];

/** The form a new username is stored in: NFKC, so compatibility variants (fullwidth letters, ligatures) are the plain name. */
export function normalizeUsername(name: string): string {
  return name.normalize("NFKC");
}

/** The scripts of a name's letters (digits, punctuation and combining marks belong to none). */
function scriptsOf(name: string): Set<string> {
  const scripts = new Set<string>();
  for (const ch of name) {
    if (NEUTRAL.test(ch)) continue;
    scripts.add(SCRIPTS.find((s) => s.pattern.test(ch))?.name ?? "Other");
  }
  return scripts;
}

function mixesScripts(name: string): boolean {
  const scripts = scriptsOf(name);
  return scripts.size > 1 && !WRITTEN_TOGETHER.some((set) => [...scripts].every((s) => set.has(s)));
}

export function usernameKey(name: string): string {
  return name.normalize("NFC").toLowerCase();
}

/** An error message, or null when the name (already normalised with `normalizeUsername`) may be registered. */
export function usernameProblem(name: string): string | null {
  if (name.length === 0) return "Username is required.";
  if (!name.isWellFormed() || CONTROL.test(name)) return "Username must be plain text.";
  if ([...name].length > MAX_USERNAME_LENGTH) return `Username must be at most ${MAX_USERNAME_LENGTH} characters.`;
  if (name !== name.trim()) return "Username must not start or end with a space.";
  if (INVISIBLE.test(name)) return "Username must not contain invisible or text-direction characters.";
  if (mixesScripts(name)) return "Username must not mix letters of different scripts (such as Latin and Cyrillic).";
  if (FORBIDDEN.test(name)) return "Username must not contain any of / # % ? & = +";
  if (name === "." || name === "..") return "Username must not be . or ..";
  return null;
}

/** A username as it appears in a URL segment: `+` stands for a space, as in the original. */
export function usernameFromPath(segment: string): string {
  return segment.replaceAll("+", " ");
}

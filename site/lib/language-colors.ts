// Stable language colours: a language keeps its colour whatever its rank, in every chart and list.
// Well-known languages get their customary hue; any other name is hashed into a palette. Every colour
// is a light/dark pair with at least 3:1 contrast against the card surface of its theme. Pure.

export interface ColorPair {
  light: string;
  dark: string;
}

/** The colour of the "Others" series: neutral, so it never looks like a language. */
export const OTHERS_COLOR: ColorPair = { light: "#6b7280", dark: "#8b95a7" };

/** Hashed names land on one of these (distinct hues, each readable on white and on #141822). */
export const PALETTE: readonly ColorPair[] = [
  { light: "#4f46e5", dark: "#8b86ff" },
  { light: "#0e7490", dark: "#22d3ee" },
  { light: "#b45309", dark: "#fbbf24" },
  { light: "#be123c", dark: "#fb7185" },
  { light: "#047857", dark: "#34d399" },
  { light: "#1d4ed8", dark: "#60a5fa" },
  { light: "#7e22ce", dark: "#c084fc" },
  { light: "#c2410c", dark: "#fb923c" },
  { light: "#4d7c0f", dark: "#a3e635" },
  { light: "#a21caf", dark: "#e879f9" },
  { light: "#0f766e", dark: "#2dd4bf" },
  { light: "#9f1239", dark: "#fda4af" },
];

/** Customary colours (as code hosts show them), darkened or lightened where a theme needs contrast. */
const KNOWN: Record<string, ColorPair> = {
  typescript: { light: "#3178c6", dark: "#5b9be0" },
  javascript: { light: "#a08a00", dark: "#f1e05a" },
  python: { light: "#3572a5", dark: "#6ca0d8" },
  rust: { light: "#a0522d", dark: "#dea584" },
  go: { light: "#00809d", dark: "#00add8" },
  java: { light: "#b07219", dark: "#d9963a" },
  c: { light: "#555555", dark: "#a8a8a8" },
  "c++": { light: "#c2185b", dark: "#f34b7d" },
  "c#": { light: "#178600", dark: "#4cc33a" },
  ruby: { light: "#a91401", dark: "#f06c5c" },
  php: { light: "#4f5d95", dark: "#8892bf" },
  html: { light: "#c9401f", dark: "#e96e4c" },
  css: { light: "#563d7c", dark: "#a489d4" },
  shell: { light: "#3f7f1e", dark: "#89e051" },
  kotlin: { light: "#7f52ff", dark: "#a98bff" },
  swift: { light: "#d9480f", dark: "#f05138" },
  elixir: { light: "#6e4a7e", dark: "#b78fd0" },
  haskell: { light: "#5e5086", dark: "#a091d3" },
  lua: { light: "#000080", dark: "#7c7cff" },
  markdown: { light: "#083fa1", dark: "#6b9bf0" },
};

/** FNV-1a, 32 bits: small, fast and well spread for short names. */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Languages are case-insensitive (the first spelling wins), so their colour is too. */
function keyOf(name: string): string {
  return name.normalize("NFC").toLowerCase();
}

export function languageColor(name: string): ColorPair {
  const key = keyOf(name);
  return KNOWN[key] ?? PALETTE[hashName(key) % PALETTE.length]!;
}

/** The colour as a CSS value that follows the theme (`light-dark()` of the pair). */
export function languageColorCss(name: string): string {
  const c = languageColor(name);
  return `light-dark(${c.light}, ${c.dark})`;
}

export function othersColorCss(): string {
  return `light-dark(${OTHERS_COLOR.light}, ${OTHERS_COLOR.dark})`;
}

/** WCAG relative luminance of a #rrggbb colour. */
export function luminance(hex: string): number {
  const channels = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const [r, g, b] = channels.map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two #rrggbb colours (1 to 21). */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Every colour this module can give, for tests and docs. */
export function allColors(): ColorPair[] {
  return [...PALETTE, ...Object.values(KNOWN), OTHERS_COLOR];
}

// Stable language colours: the same name always gets the same colour, whatever else is ranked.
import { describe, expect, it } from "vitest";
import { allColors, contrast, hashName, languageColor, languageColorCss, OTHERS_COLOR, PALETTE } from "../../site/lib/language-colors";

const LIGHT_SURFACE = "#ffffff";
const DARK_SURFACE = "#141822";

describe("language colours", () => {
  it("depend on the name only, not on rank or on the other languages", () => {
    const first = ["Go", "Python", "Zig", "Elm"].map(languageColor);
    const reordered = ["Elm", "Zig", "Python", "Go"].map(languageColor).reverse();
    expect(reordered).toEqual(first);
  });

  it("ignore the spelling's case, as languages do", () => {
    expect(languageColor("TYPESCRIPT")).toEqual(languageColor("TypeScript"));
    expect(languageColor("Nim")).toEqual(languageColor("nim"));
  });

  it("give well-known languages their customary hue and distinct colours", () => {
    expect(languageColor("Go")).not.toEqual(languageColor("Python"));
    expect(languageColor("TypeScript").light).toBe("#3178c6");
  });

  it("spread unknown names over the whole palette", () => {
    const used = new Set<string>();
    for (let i = 0; i < 400; i++) used.add(languageColor(`lang-${i}`).light);
    expect(used.size).toBe(PALETTE.length);
  });

  it("hash with FNV-1a (fixed values, so colours survive releases)", () => {
    expect(hashName("")).toBe(0x811c9dc5);
    expect(hashName("a")).toBe(0xe40c292c);
    expect(hashName("foobar")).toBe(0xbf9cf968);
  });

  it("keep at least 3:1 contrast with the card surface in both themes", () => {
    for (const c of allColors()) {
      expect(contrast(c.light, LIGHT_SURFACE), `${c.light} on white`).toBeGreaterThanOrEqual(3);
      expect(contrast(c.dark, DARK_SURFACE), `${c.dark} on ${DARK_SURFACE}`).toBeGreaterThanOrEqual(3);
    }
  });

  it("write a CSS value that follows the theme", () => {
    const c = languageColor("Rust");
    expect(languageColorCss("Rust")).toBe(`light-dark(${c.light}, ${c.dark})`);
    expect(OTHERS_COLOR.light).not.toBe(c.light);
  });
});

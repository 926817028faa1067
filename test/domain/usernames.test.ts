// Lookalike protection for new usernames (worker/domain/username.ts) and CSV formula neutralisation.
import { describe, expect, it } from "vitest";
import { normalizeUsername, usernameProblem } from "../../worker/domain/username";
import { csvTextField } from "../../worker/domain/export";

const problem = (name: string) => usernameProblem(normalizeUsername(name));

describe("lookalike usernames", () => {
  it("normalises compatibility forms with NFKC", () => {
    expect(normalizeUsername("\uFF50robe")).toBe("probe"); // fullwidth p
    expect(normalizeUsername("\uFB01le")).toBe("file"); // the fi ligature
    expect(normalizeUsername("a\u00A0b")).toBe("a b"); // no-break space
  });

  it("refuses invisible characters and text-direction controls", () => {
    for (const ch of [
      "\u200B",
      "\u200C",
      "\u200D",
      "\u2060",
      "\uFEFF",
      "\u202E",
      "\u202A",
      "\u2066",
      "\u200F",
      "\u061C",
      "\u00AD",
      "\u3164",
      "\u2028",
    ]) {
      expect(problem(`ab${ch}cd`), `U+${ch.codePointAt(0)!.toString(16)}`).toMatch(/invisible/);
    }
  });

  it("refuses mixed scripts, except the ones written together", () => {
    expect(problem("prob\u0435")).toMatch(/scripts/); // Latin + Cyrillic
    expect(problem("\u03B1lpha")).toMatch(/scripts/); // Greek alpha + Latin
    for (const ok of [
      "plain_name-1",
      "Иван2",
      "Ελένη",
      "שלום",
      "مرحبا",
      "山田たろう",
      "東京タワー",
      "kim김",
      "abc漢字",
      "Zoë",
      "Łukasz",
      "name.with.dots",
    ]) {
      expect(problem(ok), ok).toBeNull();
    }
  });
});

describe("CSV text fields", () => {
  it("neutralises what a spreadsheet would run, and nothing else", () => {
    expect(csvTextField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    for (const start of ["+", "-", "@", "\t", "\r"]) expect(csvTextField(`${start}1`)).toBe(`"'${start}1"`);
    expect(csvTextField("C++")).toBe("C++");
    expect(csvTextField("a;b")).toBe('"a;b"');
    expect(csvTextField("Go")).toBe("Go");
  });
});

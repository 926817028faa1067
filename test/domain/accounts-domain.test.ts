// Pure helpers of the accounts feature: cookies, flash, CSV, origins, CSP, redirects, rate windows.
import { describe, expect, it } from "vitest";
import { emailProblem, machineNameProblem, normalizeEmail, safeNextPath } from "../../worker/domain/account-fields";
import { parseCookies, serializeCookie } from "../../worker/domain/cookies";
import { csvField, csvRow, formatLocal, formatUtc, groupPulses } from "../../worker/domain/export";
import { formatLocal as formatCodedAt } from "../../worker/domain/coded-at";
import { decodeFlash, encodeFlash } from "../../worker/domain/flash";
import { retryAfterSeconds, windowStart } from "../../worker/domain/rate-limits";
import { base64UrlDecode, base64UrlEncode, constantTimeEqual, randomSecret } from "../../worker/domain/secrets";
import { completeCsp, DEFAULT_CSP } from "../../worker/http/security-headers";
import { isLocalRequest, sameOrigin } from "../../worker/http/origin";

describe("cookies", () => {
  it("parses a Cookie header; the first of a repeated name wins", () => {
    const c = parseCookies('a=1; b="quoted"; a=2; junk; =x; c=');
    expect([...c]).toEqual([
      ["a", "1"],
      ["b", "quoted"],
      ["c", ""],
    ]);
    expect(parseCookies(null).size).toBe(0);
  });

  it("always writes Path=/, Secure, HttpOnly and SameSite=Lax", () => {
    expect(serializeCookie("__Host-x", "v")).toBe("__Host-x=v; Path=/; Secure; HttpOnly; SameSite=Lax");
    expect(serializeCookie("__Host-x", "", { maxAge: 0 })).toBe("__Host-x=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax");
    expect(() => serializeCookie("bad name", "v")).toThrow();
    expect(() => serializeCookie("n", "v;injected=1")).toThrow();
  });
});

describe("secrets", () => {
  it("random secrets are 256-bit base64url", () => {
    const s = randomSecret();
    expect(s).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(base64UrlDecode(s)).toHaveLength(32);
    expect(randomSecret()).not.toBe(s);
  });

  it("base64url round-trips and rejects other text", () => {
    const bytes = new Uint8Array([0, 255, 62, 63, 128]);
    expect(base64UrlDecode(base64UrlEncode(bytes))).toEqual(bytes);
    expect(base64UrlDecode("a+b/")).toBeNull();
    expect(base64UrlDecode("abcde")).toBeNull();
  });

  it("compares in constant time per length", () => {
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
    expect(constantTimeEqual("abc", "abcd")).toBe(false);
    expect(constantTimeEqual("", "")).toBe(true);
  });
});

describe("flash", () => {
  it("round-trips and ignores tampered values", () => {
    const flash = { kind: "error" as const, message: "Nope <b>", fields: { username: "ä ö" }, reveal: true };
    expect(decodeFlash(encodeFlash(flash))).toEqual(flash);
    expect(decodeFlash(undefined)).toBeNull();
    expect(decodeFlash("%%%")).toBeNull();
    expect(decodeFlash(base64UrlEncode(new TextEncoder().encode('{"k":"evil","m":"x"}')))).toBeNull();
  });
});

describe("CSV export format", () => {
  const at = Date.UTC(2017, 10, 27, 23, 0, 0);

  it("formats the original's example row", () => {
    expect(csvRow({ seq: 1, codedAt: at, utcOffset: 60, machine: "test_machine", language: "elixir", sentAs: "elixir", amount: 1 })).toBe(
      "2017-11-27 23:00:00Z;2017-11-28 00:00:00;60;elixir;test_machine;1\n",
    );
  });

  it("truncates to whole seconds and handles negative offsets", () => {
    expect(formatUtc(at + 999)).toBe("2017-11-27 23:00:00Z");
    expect(formatLocal(at, -330)).toBe("2017-11-27 17:30:00");
    expect(formatCodedAt(at, -330)).toBe("2017-11-27T17:30:00-05:30");
    expect(formatCodedAt(at, 0)).toBe("2017-11-27T23:00:00+00:00");
  });

  it("quotes fields with the separator, quotes or line breaks", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a;b")).toBe('"a;b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
  });

  it("skips pulses without XP rows in CSV and keeps them in JSON", () => {
    const empty = { seq: 2, codedAt: at, utcOffset: 0, machine: "m", language: null, sentAs: null, amount: null };
    expect(csvRow(empty)).toBe("");
    expect(groupPulses([empty])).toEqual([
      { coded_at: "2017-11-27T23:00:00+00:00", sent_at: "2017-11-27 23:00:00Z", tz_offset: 0, machine: "m", xps: [] },
    ]);
  });
});

describe("fields", () => {
  it("validates e-mail addresses like the original, without whitespace", () => {
    expect(emailProblem(normalizeEmail("  a@b  "))).toBeNull();
    expect(normalizeEmail("   ")).toBeNull();
    expect(emailProblem("no-at-sign")).not.toBeNull();
    expect(emailProblem("two@@ats")).not.toBeNull();
    expect(emailProblem("a b@c")).not.toBeNull();
    expect(emailProblem("a@b\r\nBcc: x@y")).not.toBeNull();
    expect(emailProblem(`${"x".repeat(250)}@b.com`)).not.toBeNull();
  });

  it("machine names: 1-64 characters of plain text", () => {
    expect(machineNameProblem("")).not.toBeNull();
    expect(machineNameProblem("a".repeat(64))).toBeNull();
    expect(machineNameProblem("a".repeat(65))).not.toBeNull();
    expect(machineNameProblem("line\nbreak")).not.toBeNull();
  });

  it("only local paths are followed after log-in", () => {
    expect(safeNextPath("/my/machines")).toBe("/my/machines");
    for (const bad of ["//evil", "/\\evil", "https://evil", "evil", "", null, "/a\nb"]) expect(safeNextPath(bad)).toBeNull();
  });
});

describe("origins", () => {
  const post = (headers: Record<string, string>, url = "https://pulse.example/login") => new Request(url, { method: "POST", headers });

  it("same origin by Origin, else by Referer; neither is refused", () => {
    expect(sameOrigin(post({ origin: "https://pulse.example" }))).toBe(true);
    expect(sameOrigin(post({ origin: "https://evil.example" }))).toBe(false);
    expect(sameOrigin(post({ origin: "http://pulse.example" }))).toBe(false);
    expect(sameOrigin(post({ origin: "null" }))).toBe(false);
    expect(sameOrigin(post({ referer: "https://pulse.example/login?x" }))).toBe(true);
    expect(sameOrigin(post({ referer: "https://pulse.example.evil.example/" }))).toBe(false);
    expect(sameOrigin(post({ referer: "not a url" }))).toBe(false);
    expect(sameOrigin(post({}))).toBe(false);
    // The Origin decides when present, even if the Referer would pass.
    expect(sameOrigin(post({ origin: "https://evil.example", referer: "https://pulse.example/" }))).toBe(false);
  });

  it("dev pages are for requests from this machine to a local server only", () => {
    const get = (url: string, ip?: string) => new Request(url, { headers: ip ? { "cf-connecting-ip": ip } : {} });
    expect(isLocalRequest(get("http://127.0.0.1:8787/dev/outbox"))).toBe(true);
    expect(isLocalRequest(get("http://localhost:8787/dev/outbox", "127.0.0.1"))).toBe(true);
    expect(isLocalRequest(get("http://[::1]:8787/dev/outbox", "::1"))).toBe(true);
    expect(isLocalRequest(get("http://127.0.0.1:8787/dev/outbox", "203.0.113.5"))).toBe(false);
    expect(isLocalRequest(get("https://pulse.example/dev/outbox"))).toBe(false);
    expect(isLocalRequest(get("https://pulse.example/dev/outbox", "127.0.0.1"))).toBe(false);
  });
});

describe("content security policy", () => {
  it("completes Astro's policy with the directives every page needs, keeping its own", () => {
    const astro = "default-src 'self';img-src 'self' data:;frame-ancestors 'none'; script-src 'self' 'sha256-abc'; style-src 'self'";
    const csp = completeCsp(astro);
    expect(csp.startsWith(astro)).toBe(true);
    expect(csp).toContain("base-uri 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp.match(/frame-ancestors/g)).toHaveLength(1);
  });

  it("uses a strict default when a response has no policy", () => {
    expect(completeCsp(null)).toBe(DEFAULT_CSP);
    expect(DEFAULT_CSP).toContain("default-src 'none'");
  });
});

describe("rate-limit windows", () => {
  it("fixed windows and the seconds left in them", () => {
    const policy = { bucket: "b", limit: 1, windowMs: 60_000 };
    expect(windowStart(125_000, policy)).toBe(120_000);
    expect(retryAfterSeconds(125_000, policy)).toBe(55);
    expect(retryAfterSeconds(179_999, policy)).toBe(1);
  });
});

import { describe, expect, it } from "vitest";
import { hashPassword, needsRehash, PBKDF2_ITERATIONS, verifyPassword } from "../../worker/domain/password-hash";
import { passwordProblem } from "../../worker/domain/password-policy";

describe("password hashing (PBKDF2-SHA256)", () => {
  it("writes a self-describing string with the Workers maximum of 100,000 iterations", async () => {
    const hash = await hashPassword("open sesame 123");
    const [algorithm, iterations, salt, digest] = hash.split("$");
    expect(algorithm).toBe("pbkdf2-sha256");
    expect(Number(iterations)).toBe(PBKDF2_ITERATIONS);
    expect(PBKDF2_ITERATIONS).toBe(100_000);
    expect(salt).toMatch(/^[A-Za-z0-9_-]{22}$/); // 16 bytes
    expect(digest).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 bytes
  });

  it("verifies the right password only", async () => {
    const hash = await hashPassword("open sesame 123");
    expect(await verifyPassword("open sesame 123", hash)).toBe(true);
    expect(await verifyPassword("open sesame 124", hash)).toBe(false);
    expect(await verifyPassword("", hash)).toBe(false);
  });

  it("normalizes Unicode (NFKC) so the same password typed differently matches", async () => {
    const hash = await hashPassword("caf\u00e9 au lait");
    expect(await verifyPassword("cafe\u0301 au lait", hash)).toBe(true);
  });

  it("refuses empty or malformed stored hashes", async () => {
    for (const stored of [
      "",
      "plain",
      "pbkdf2-sha256$100000$$",
      "pbkdf2-sha256$999999$AAAA$AAAA",
      "bcrypt$12$x$y",
      "pbkdf2-sha256$abc$AAAA$AAAA",
    ]) {
      expect(await verifyPassword("anything", stored), stored).toBe(false);
    }
  });

  it("asks for a re-hash when the parameters are outdated", async () => {
    expect(needsRehash(await hashPassword("x y z w v u", 1_000))).toBe(true);
    expect(needsRehash(await hashPassword("x y z w v u"))).toBe(false);
    expect(needsRehash("")).toBe(true);
    expect(await verifyPassword("x y z w v u", await hashPassword("x y z w v u", 1_000))).toBe(true);
  });
});

describe("password policy", () => {
  it.each([
    ["short", "Password must be at least 8 characters."],
    ["password", "This password is too common; choose another one."],
    ["PassWord123", "This password is too common; choose another one."],
    ["aaaaaaaaaaa", "Password must not repeat a single character."],
    ["x".repeat(1025), "Password must be at most 1024 characters."],
  ])("%j: %s", (password, message) => {
    expect(passwordProblem(password)).toBe(message);
  });

  it("refuses the username, in any case", () => {
    expect(passwordProblem("MyLongName", "mylongname")).toBe("Password must not be your username.");
  });

  it("counts characters, not bytes or UTF-16 units", () => {
    expect(passwordProblem("😀😀😀😀😀😀😀")).toBe("Password must be at least 8 characters.");
    expect(passwordProblem("😀😀😀😀😀😀😀🎉")).toBeNull();
  });

  it("accepts a decent passphrase", () => {
    expect(passwordProblem("correct horse battery staple", "someone")).toBeNull();
  });
});

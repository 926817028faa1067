import { describe, expect, it } from "vitest";
import { signedUp } from "./browser";

describe("smoke", () => {
  it("signs up", async () => {
    const { browser, username } = await signedUp();
    expect(browser.signedIn).toBe(true);
    const res = await browser.get("/my/profile");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/users/${username}`);
  });
});

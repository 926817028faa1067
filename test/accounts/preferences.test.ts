// /my/preferences: e-mail, private profile (effective at once), password change.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createUser, postPulse, pulse } from "../helpers";
import { addMachine, Browser, PASSWORD, signedUp, userIdOf } from "./browser";

const NEW_PASSWORD = "another long passphrase";

async function email(username: string) {
  return env.DB.prepare("SELECT email FROM users WHERE username = ?").bind(username).first<string | null>("email");
}

describe("preferences", () => {
  it("sets, changes and removes the e-mail address", async () => {
    const { browser, username } = await signedUp();
    let res = await browser.post("/my/preferences", { email: " me@example.com ", current_password: PASSWORD });
    expect(res.headers.get("location")).toBe("/my/preferences");
    expect(browser.takeFlash()).toEqual({ kind: "success", message: "Preferences updated." });
    expect(await email(username)).toBe("me@example.com");

    res = await browser.post("/my/preferences", { email: "bad address", current_password: PASSWORD });
    expect(browser.takeFlash()).toEqual({ kind: "error", message: "E-mail address is not valid.", fields: { email: "bad address" } });
    expect(await email(username)).toBe("me@example.com");

    await browser.post("/my/preferences", { email: "", current_password: PASSWORD });
    expect(await email(username)).toBeNull();
  });

  it("a private profile is hidden from GET /api/users/:name at once, for everyone, and public again at once", async () => {
    const { browser, username } = await signedUp();
    const { token } = await addMachine(browser, "Box");
    await postPulse(token, pulse([{ language: "Go", xp: 3 }]));
    expect((await api(`/api/users/${encodeURIComponent(username)}`)).status).toBe(200);

    await browser.post("/my/preferences/privacy", { private: "on" });
    expect(browser.takeFlash()).toEqual({ kind: "success", message: "Your profile is now private: only you can see it." });
    for (const name of [username, username.toUpperCase()]) {
      const res = await api(`/api/users/${encodeURIComponent(name)}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: "User not found or private." });
    }
    // Pulses still count while private.
    expect((await postPulse(token, pulse([{ language: "Go", xp: 4 }]))).status).toBe(201);

    await browser.post("/my/preferences/privacy", {}); // unchecked box: the field is absent
    expect(browser.takeFlash()?.message).toBe("Your profile is now public.");
    const res = await api(`/api/users/${encodeURIComponent(username)}`);
    expect(res.status).toBe(200);
    expect((await res.json<{ total_xp: number }>()).total_xp).toBe(7);
  });

  it("changing the password needs the current one", async () => {
    const { browser, username } = await signedUp();
    const before = await env.DB.prepare("SELECT password_hash FROM users WHERE username = ?").bind(username).first("password_hash");
    await browser.post("/my/preferences/password", { current_password: "not my password", new_password: NEW_PASSWORD });
    expect(browser.takeFlash()).toEqual({ kind: "error", message: "The current password is not correct." });
    await browser.post("/my/preferences/password", { current_password: PASSWORD, new_password: "iloveyou" });
    expect(browser.takeFlash()).toMatchObject({ kind: "error", message: "This password is too common; choose another one." });
    expect(await env.DB.prepare("SELECT password_hash FROM users WHERE username = ?").bind(username).first("password_hash")).toBe(before);
  });

  it("a password change ends all other sessions and keeps this one", async () => {
    const { browser, username } = await signedUp();
    const other = new Browser();
    await other.logIn(username, PASSWORD, true);
    const res = await browser.post("/my/preferences/password", { current_password: PASSWORD, new_password: NEW_PASSWORD });
    expect(res.headers.get("location")).toBe("/my/preferences");
    expect(browser.takeFlash()).toEqual({ kind: "success", message: "Password changed. Every other session was logged out." });

    expect((await other.get("/my/profile")).headers.get("location")).toMatch(/^\/login/);
    expect((await browser.get("/my/profile")).headers.get("location")).toBe(`/users/${username}`);
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE user_id = ?")
        .bind(await userIdOf(username))
        .first("n"),
    ).toBe(1);
    expect((await new Browser().logIn(username, PASSWORD)).headers.get("location")).toBe("/login");
    expect((await new Browser().logIn(username, NEW_PASSWORD)).headers.get("location")).toBe("/my/profile");
  });

  it("signed out, preference forms lead to the log-in page and change nothing", async () => {
    const u = await createUser();
    const res = await new Browser().post("/my/preferences/privacy", { private: "on" });
    expect(res.headers.get("location")).toBe("/login");
    expect((await api(`/api/users/${u.username}`)).status).toBe(200);
  });

  it("/my/profile redirects to the owner's profile page, or to the log-in page", async () => {
    const { browser, username } = await signedUp({ username: `${Date.now().toString(36)} spaced name` });
    const res = await browser.get("/my/profile");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/users/${encodeURIComponent(username)}`);
    const anonymous = await new Browser().get("/my/profile");
    expect(anonymous.headers.get("location")).toBe("/login?next=%2Fmy%2Fprofile");
  });
});

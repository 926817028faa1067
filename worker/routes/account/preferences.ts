// POST /my/preferences (e-mail), /my/preferences/{privacy,streak,coding-time,password,delete-account}
// and the language aliases /my/preferences/aliases (add or change) and /my/preferences/aliases/delete.
import { Hono } from "hono";
import { field } from "../../http/form";
import { tooManyRequests } from "../../http/web-responses";
import { changeEmail, changePassword, changePrivacy, deleteAccount } from "../../services/accounts";
import { clearSessionCookie } from "../../services/sessions";
import { removeAlias, setAlias, type AliasResult } from "../../services/language-aliases";
import { changeStreakThreshold } from "../../services/streaks";
import { changeCodingTimeSettings } from "../../services/coding-time-settings";
import { formGuard, ip, redirect, requireSession, statusPage, type WebEnv } from "./context";
import { databaseOf } from "../../db/partitions";

const PAGE = "/my/preferences";
const account = formGuard("account");

function aliasAnswer(result: AliasResult, success: string): Response {
  return result.kind === "invalid"
    ? redirect(PAGE, { kind: "error", message: result.message })
    : redirect(PAGE, { kind: "success", message: success });
}

export const preferenceRoutes = new Hono<WebEnv>()
  .post(PAGE, account, async (c) => {
    const form = c.get("form");
    const email = field(form, "email");
    const input = { email, current: field(form, "current_password"), ip: ip(c) };
    const result = await changeEmail(c.env, requireSession(c), input, Date.now());
    switch (result.kind) {
      case "limited":
        return statusPage(c, tooManyRequests(result.retryAfter));
      case "invalid":
        return redirect(PAGE, { kind: "error", message: result.message, fields: { email } });
      case "ok":
        return redirect(PAGE, { kind: "success", message: "Preferences updated." });
    }
  })
  .post(`${PAGE}/privacy`, account, async (c) => {
    const isPrivate = ["on", "yes", "true", "1"].includes(field(c.get("form"), "private"));
    await changePrivacy(c.env, requireSession(c), isPrivate);
    return redirect(PAGE, {
      kind: "success",
      message: isPrivate ? "Your profile is now private: only you can see it." : "Your profile is now public.",
    });
  })
  .post(`${PAGE}/streak`, account, async (c) => {
    const result = await changeStreakThreshold(
      databaseOf(c.env, requireSession(c).userId),
      requireSession(c).userId,
      field(c.get("form"), "streak_min_xp"),
    );
    if (result.kind === "invalid") return redirect(PAGE, { kind: "error", message: result.message });
    return redirect(PAGE, { kind: "success", message: `A day now counts towards your streak with at least ${result.minXp} XP.` });
  })
  .post(`${PAGE}/coding-time`, account, async (c) => {
    const form = c.get("form");
    const result = await changeCodingTimeSettings(databaseOf(c.env, requireSession(c).userId), requireSession(c).userId, {
      timeout: field(form, "timeout"),
      timeZone: field(form, "time_zone"),
      showProjects: ["on", "yes", "true", "1"].includes(field(form, "show_projects")),
    });
    if (result.kind === "invalid") return redirect(PAGE, { kind: "error", message: result.message });
    return redirect(PAGE, { kind: "success", message: "Coding-time settings saved." });
  })
  .post(`${PAGE}/password`, account, async (c) => {
    const form = c.get("form");
    const result = await changePassword(
      c.env,
      requireSession(c),
      { current: field(form, "current_password"), next: field(form, "new_password"), ip: ip(c) },
      Date.now(),
    );
    switch (result.kind) {
      case "limited":
        return statusPage(c, tooManyRequests(result.retryAfter));
      case "invalid":
        return redirect(PAGE, { kind: "error", message: result.message });
      case "ok":
        return redirect(PAGE, { kind: "success", message: "Password changed. Every other session was logged out." });
    }
  })
  .post(`${PAGE}/aliases`, account, async (c) => {
    const form = c.get("form");
    const result = await setAlias(c.env, requireSession(c).userId, field(form, "language"), field(form, "target"));
    return aliasAnswer(result, result.kind === "ok" ? `${result.source} is now booked as ${result.target}, in your past XP too.` : "");
  })
  .post(`${PAGE}/aliases/delete`, account, async (c) => {
    const result = await removeAlias(c.env, requireSession(c).userId, field(c.get("form"), "language"));
    return aliasAnswer(result, result.kind === "ok" ? `${result.source} is booked as itself again.` : "");
  })
  .post(`${PAGE}/delete-account`, account, async (c) => {
    const result = await deleteAccount(c.env, requireSession(c), field(c.get("form"), "confirmation"));
    if (result.kind === "invalid") return redirect(PAGE, { kind: "error", message: result.message });
    // To a page that shows the flash (the front page does not).
    return redirect("/login", { kind: "success", message: "Your account and all its data were deleted." }, [clearSessionCookie()]);
  });

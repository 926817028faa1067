// POST /signup, /login, /logout, /logout-everywhere, /forgot-password, /reset-password/:token.
import { Hono } from "hono";
import { safeNextPath } from "../../domain/account-fields";
import { field } from "../../http/form";
import { RESET_UNAVAILABLE, tooManyRequests } from "../../http/web-responses";
import { LOGIN_FAILED, logIn, logOut, logOutEverywhere, signUp } from "../../services/accounts";
import { completePasswordReset, requestPasswordReset, RESET_REQUESTED } from "../../services/password-reset";
import { clearSessionCookie, startSession } from "../../services/sessions";
import { formGuard, ip, linkOrigin, redirect, requireSession, statusPage, type WebEnv } from "./context";

export const authRoutes = new Hono<WebEnv>()
  .post("/signup", formGuard("public"), async (c) => {
    const form = c.get("form");
    const input = { username: field(form, "username"), password: field(form, "password"), email: field(form, "email") };
    const result = await signUp(c.env, { ...input, ip: ip(c) }, Date.now());
    switch (result.kind) {
      case "limited":
        return statusPage(c, tooManyRequests(result.retryAfter));
      case "invalid":
        return redirect("/signup", { kind: "error", message: result.message, fields: { username: input.username, email: input.email } });
      case "created": {
        const cookie = await startSession(c.env, result.userId, false, Date.now(), c.req.header("cookie") ?? null);
        return redirect(
          "/my/machines",
          { kind: "success", message: "Welcome! Your account was created. Add a machine to get an API token for your editor." },
          [cookie],
        );
      }
    }
  })
  .post("/login", formGuard("public"), async (c) => {
    const form = c.get("form");
    const username = field(form, "username");
    const next = safeNextPath(form.get("next"));
    const result = await logIn(c.env, { username, password: field(form, "password"), ip: ip(c) }, Date.now());
    switch (result.kind) {
      case "limited":
        return statusPage(c, tooManyRequests(result.retryAfter));
      case "failed":
        return redirect(next ? `/login?next=${encodeURIComponent(next)}` : "/login", {
          kind: "error",
          message: LOGIN_FAILED,
          fields: { username },
        });
      case "ok": {
        const remember = form.get("remember") !== null;
        const cookie = await startSession(c.env, result.userId, remember, Date.now(), c.req.header("cookie") ?? null);
        return redirect(next ?? "/my/profile", null, [cookie]);
      }
    }
  })
  .post("/logout", formGuard("logout"), async (c) => {
    const session = c.get("session");
    if (session) await logOut(c.env, session);
    return redirect("/", { kind: "success", message: "You are logged out." }, [clearSessionCookie()]);
  })
  .post("/logout-everywhere", formGuard("account"), async (c) => {
    await logOutEverywhere(c.env, requireSession(c));
    return redirect("/login", { kind: "success", message: "You were logged out on every device." }, [clearSessionCookie()]);
  })
  .post("/forgot-password", formGuard("public"), async (c) => {
    const result = await requestPasswordReset(
      c.env,
      { login: field(c.get("form"), "login"), ip: ip(c), origin: linkOrigin(c) },
      Date.now(),
      (work) => c.executionCtx.waitUntil(work),
    );
    if (result.kind === "limited") return statusPage(c, tooManyRequests(result.retryAfter));
    if (result.kind === "unavailable") return statusPage(c, RESET_UNAVAILABLE);
    return redirect("/forgot-password", { kind: "info", message: RESET_REQUESTED });
  })
  .post("/reset-password/:token", formGuard("public"), async (c) => {
    const token = c.req.param("token");
    const result = await completePasswordReset(c.env, { token, password: field(c.get("form"), "password"), ip: ip(c) }, Date.now());
    switch (result.kind) {
      case "limited":
        return statusPage(c, tooManyRequests(result.retryAfter));
      case "invalid-link":
        return redirect("/forgot-password", { kind: "error", message: "This reset link is invalid or has expired. Ask for a new one." });
      case "invalid":
        return redirect(`/reset-password/${encodeURIComponent(token)}`, { kind: "error", message: result.message });
      case "done":
        return redirect("/login", {
          kind: "success",
          message: "Your password was changed and every session ended. Log in with the new password.",
        });
    }
  });

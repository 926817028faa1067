// The web app's dispatch is derived from the routes its modules declare: every form post, export and
// /my/profile goes to it, every page (GET) and anything undeclared to Astro.
import { describe, expect, it } from "vitest";
import { isWebRequest } from "../../worker/web";

describe("web app dispatch", () => {
  it("selects the declared form posts and downloads, and nothing else", () => {
    const web = [
      ["POST", "/signup"],
      ["POST", "/login"],
      ["POST", "/logout"],
      ["POST", "/logout-everywhere"],
      ["POST", "/forgot-password"],
      ["POST", "/reset-password/abc_DEF-123"],
      ["POST", "/my/machines"],
      ["POST", "/my/preferences"],
      ...["rename", "activate", "deactivate", "delete", "regenerate"].map((action) => ["POST", `/my/machines/12/${action}`]),
      ...["privacy", "password", "delete-account"].map((form) => ["POST", `/my/preferences/${form}`]),
      ["GET", "/my/export.csv"],
      ["HEAD", "/my/export.json"],
      ["GET", "/my/profile"],
    ];
    const astro = [
      ["GET", "/login"],
      ["GET", "/my/machines"],
      ["GET", "/my/preferences"],
      ["GET", "/reset-password/abc"],
      ["GET", "/users/demo"],
      ["GET", "/"],
      ["POST", "/my/export.csv"],
      ["POST", "/my/machines/12/explode"],
      ["POST", "/login/"],
      ["PUT", "/login"],
      ["POST", "/reset-password/a/b"],
    ];
    expect(web.filter(([method, path]) => !isWebRequest(method!, path!))).toEqual([]);
    expect(astro.filter(([method, path]) => isWebRequest(method!, path!))).toEqual([]);
  });
});

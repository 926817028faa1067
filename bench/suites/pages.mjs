// The site's pages: the profile page and the front page against the GET /api/health baseline in the
// same run, the profile page of a 100-pulse user against a 1,000,000-pulse user (its HTML is served
// from the user's live object, so it must not slow down with history), and what each page transfers.
import { compare } from "../load.mjs";
import { kb, pageWeight } from "../page-weight.mjs";
import { lightVersusHeavy, seedProfileUsers } from "./profile.mjs";

const HEALTH = [{ method: "GET", path: "/api/health" }];

async function warm(ctx, path) {
  const res = await fetch(`${ctx.url}${path}`);
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
  await res.arrayBuffer();
}

export async function pagesSuite(ctx) {
  const { light, heavy } = seedProfileUsers(ctx);
  const profilePath = `/users/${light.username}`;
  for (const path of ["/", profilePath, `/users/${heavy.username}`]) await warm(ctx, path);

  const options = { url: ctx.url, connections: 32, seconds: ctx.options.seconds, rounds: ctx.options.rounds };
  const profile = await compare({ ...options, baseline: HEALTH, subject: [{ method: "GET", path: profilePath }] });
  const front = await compare({ ...options, baseline: HEALTH, subject: [{ method: "GET", path: "/" }] });
  const history = await lightVersusHeavy(ctx, (name) => `/users/${name}`);

  const weights = {};
  for (const [name, path] of [
    ["front page", "/"],
    [`profile, 100 pulses`, profilePath],
    [`profile, ${ctx.options.heavyPulses.toLocaleString("en")} pulses`, `/users/${heavy.username}`],
    ["API docs", "/api-docs"],
    ["log in", "/login"],
  ]) {
    const w = await pageWeight(ctx.url, path);
    weights[name] = {
      path,
      html: kb(w.html.wire),
      js: kb(w.js.wire),
      css: kb(w.css.wire),
      total: kb(w.total.wire),
      raw: kb(w.total.raw),
      jsFiles: w.js.files.length,
    };
  }

  return {
    profile: { health: profile.baseline, page: profile.subject, ratio: profile.ratio, rounds: profile.rounds },
    front: { health: front.baseline, page: front.subject, ratio: front.ratio, rounds: front.rounds },
    history,
    weights,
    jsBudgetKB: 100,
  };
}

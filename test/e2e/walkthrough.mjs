// Browser checks of a newcomer's walk-through (issue 12, items 2-8): stable language colours, level
// bars, first setup, layout, hierarchy and accessibility, the rolling calendar. Started by
// test/e2e/run.mjs with the same `ctx` as test/e2e/site.mjs.
import { addMachine, DESKTOP, goto, newContext, PHONE, postPulse, screenshot, settleCharts, signUp, unique, waitLive } from "./site.mjs";

/** The days chart's colour per language, as drawn. */
function seriesColors(page) {
  return page.evaluate(() => Object.fromEntries(globalThis.pulseEdge.charts.days.data.datasets.map((d) => [d.label, d.backgroundColor])));
}

/** The computed colour of each listed language's swatch. */
function swatchColors(page) {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('[data-list="top-languages"] .skill')].map((li) => [li.querySelector(".skill-name").textContent, getComputedStyle(li.querySelector(".swatch")).backgroundColor]),
    ),
  );
}

async function stableColors(check, ctx) {
  const context = await newContext(ctx, { viewport: DESKTOP });
  const page = await check.openPage(context);
  const username = unique("colors");
  await signUp(page, ctx.base, username);
  const token = await addMachine(page, ctx.base, "laptop");
  await postPulse(ctx.base, token, [["Go", 300], ["Python", 100], ["Elm", 50]]);
  await goto(page, `${ctx.base}/users/${username}`);
  await waitLive(page);
  await settleCharts(page);
  const before = await seriesColors(page);
  const beforeSwatches = await swatchColors(page);
  check.expect(new Set(Object.values(before)).size === 3, `three languages, three colours (${JSON.stringify(before)})`);
  check.expect(["Go", "Python", "Elm"].every((l) => before[l] === beforeSwatches[l]), "the chart and the language list give a language the same colour");
  // Python overtakes Go: the ranking swaps, the colours must not.
  await postPulse(ctx.base, token, [["Python", 500]]);
  await page.waitForFunction(() => document.querySelector('[data-list="top-languages"] .skill-name')?.textContent === "Python", null, { timeout: 5_000 });
  await page.waitForTimeout(500);
  const after = await seriesColors(page);
  const afterSwatches = await swatchColors(page);
  check.expect(["Go", "Python", "Elm"].every((l) => after[l] === before[l]), `colours stay with their language after the ranking changes (${JSON.stringify(after)})`);
  check.expect(["Go", "Python", "Elm"].every((l) => afterSwatches[l] === beforeSwatches[l]), "so do the list's swatches");
  // A reload (server render) gives the same colours.
  await page.reload();
  await settleCharts(page);
  check.expect(JSON.stringify(await seriesColors(page)) === JSON.stringify(after), "the server-rendered page gives the same colours");
  await context.close();
}

async function levelBars(check, ctx) {
  const context = await newContext(ctx, { viewport: DESKTOP });
  const page = await check.openPage(context);
  const username = unique("levels");
  await signUp(page, ctx.base, username);
  const token = await addMachine(page, ctx.base, "laptop");
  // Level 1 starts at 1,600 XP: Rust is level 1 with a short bar, Lua level 0 with a long one.
  await postPulse(ctx.base, token, [["Rust", 1_700], ["Lua", 1_400]]);
  await goto(page, `${ctx.base}/users/${username}`);
  await waitLive(page);
  const items = await page.locator('[data-list="top-languages"] .skill').evaluateAll((lis) =>
    lis.map((li) => ({
      name: li.querySelector(".skill-name").textContent,
      pill: li.querySelector(".level-pill")?.textContent,
      pillSize: parseFloat(getComputedStyle(li.querySelector(".level-pill")).fontWeight),
      note: li.querySelector(".bar-note")?.textContent,
      label: li.querySelector('[role="progressbar"]').getAttribute("aria-label"),
    })),
  );
  const rust = items.find((i) => i.name === "Rust");
  const lua = items.find((i) => i.name === "Lua");
  check.expect(rust?.pill === "level 1" && lua?.pill === "level 0", `each language shows its level prominently (${rust?.pill}, ${lua?.pill})`);
  check.expect(rust.pillSize >= 700, "the level is bold");
  check.expect(/^\d+ % to level 2$/.test(rust.note ?? "") && /^\d+ % to level 1$/.test(lua.note ?? ""), `each bar is captioned as progress to the next level (${rust.note}; ${lua.note})`);
  check.expect(rust.label === "Rust: progress to the next level", "the bar's accessible name says so too");
  const caption = (await page.locator(".bar-caption").textContent()) ?? "";
  check.expect(/progress within this level: \d+ % to level \d+/.test(caption), `the total bar is explained (${caption.trim()})`);
  // Live: the caption follows.
  await postPulse(ctx.base, token, [["Lua", 300]]);
  await page.waitForFunction(() => [...document.querySelectorAll('[data-list="top-languages"] .skill')].some((li) => li.querySelector(".skill-name").textContent === "Lua" && li.querySelector(".level-pill").textContent === "level 1"), null, { timeout: 5_000 });
  const luaNote = await page.locator('[data-list="top-languages"] .skill', { hasText: "Lua" }).locator(".bar-note").textContent();
  check.expect(/to level 2$/.test(luaNote ?? ""), `a live update moves the caption on (${luaNote})`);
  await screenshot(ctx, page, "level-bars");
  await context.close();
}

export const walkthroughChecks = [
  ["language colours: stable per name across a ranking change, the same in the chart and the list", stableColors],
  ["level bars: the level prominent, each bar captioned as progress to the next level, live", levelBars],
];

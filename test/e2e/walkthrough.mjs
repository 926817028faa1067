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

async function calendarAndLayout(check, ctx) {
  const { history } = ctx.seeded;
  const url = `${ctx.base}/users/${history.username}`;
  for (const [label, options] of [
    ["desktop", { viewport: { width: 1440, height: 900 } }],
    ["phone", { viewport: PHONE, isMobile: true, hasTouch: true }],
  ]) {
    const context = await newContext(ctx, options);
    const page = await check.openPage(context);
    await goto(page, url);
    await waitLive(page);
    await settleCharts(page);
    const cal = await page.evaluate(() => {
      const cells = [...document.querySelectorAll("[data-calendar-grid] i:not(.void)")];
      const wrap = document.querySelector(".calendar-wrap").getBoundingClientRect();
      const last = cells.at(-1).getBoundingClientRect();
      return {
        cells: cells.length,
        active: cells.filter((c) => !c.classList.contains("l0")).length,
        lastTitle: cells.at(-1).title,
        lastVisible: last.right <= wrap.right + 1 && last.left >= wrap.left - 1,
        months: document.querySelectorAll(".cal-months span").length,
        summary: document.querySelector("[data-calendar-summary]").textContent,
      };
    });
    check.expect(cal.cells === 365, `${label}: the calendar has the last 365 days (${cal.cells})`);
    check.expect(cal.active > 10 && cal.months >= 12, `${label}: it is filled (${cal.active} active days) with month labels (${cal.months}); ${cal.summary}`);
    check.expect(cal.lastVisible, `${label}: the calendar opens on the newest days (${cal.lastTitle})`);
    if (label === "desktop") {
      // The Machines card and the hour chart share the second column: no gap below either.
      const gaps = await page.evaluate(() => {
        const box = (s) => document.querySelector(s).getBoundingClientRect();
        const [languages, machines, hours] = [box(".profile-stats > .languages"), box(".card.machines"), box(".card.hours")];
        return { betweenCards: hours.top - machines.bottom, bottoms: Math.abs(hours.bottom - languages.bottom) };
      });
      check.expect(gaps.betweenCards <= 17 && gaps.bottoms <= 1, `no empty space under the Machines card (gap ${gaps.betweenCards.toFixed(0)} px, column bottoms ${gaps.bottoms.toFixed(0)} px apart)`);
      // Hovering a day tells its XP.
      check.expect(/^[A-Z][a-z]{2} \d+, \d{4}: [\d,]+ XP$/.test(cal.lastTitle), `each day is labelled (${cal.lastTitle})`);
    }
    if (label === "phone") {
      const year = await page.evaluate(() => {
        const wrap = document.querySelector("[data-year]").closest(".table-wrap");
        const w = wrap.getBoundingClientRect();
        const todayCell = document.querySelector("[data-year] td.today");
        const today = todayCell.getBoundingClientRect();
        const monthCell = document.querySelector("[data-year] tbody tr:first-child th");
        const opened = { scrolled: wrap.scrollLeft, todayVisible: today.left >= monthCell.getBoundingClientRect().right - 1 && today.right <= w.right, day: todayCell.cellIndex };
        // Scrolled to the end of the month, the month names are still at the left edge.
        wrap.scrollLeft = wrap.scrollWidth;
        const month = monthCell.getBoundingClientRect();
        return { ...opened, overflowing: wrap.scrollWidth > wrap.clientWidth, endScrolled: wrap.scrollLeft, monthAtLeft: month.left >= w.left - 1 && month.left - w.left < 4 };
      });
      check.expect(year.overflowing && year.todayVisible && (year.day <= 10 || year.scrolled > 0), `phone: the year table opens with today's column in view, right of the month names (day ${year.day}, scrolled ${year.scrolled} px)`);
      check.expect(year.endScrolled > 0 && year.monthAtLeft, "phone: month labels stay visible at the left edge while the days scroll");
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check.expect(overflow <= 0, `phone: no horizontal scrolling of the page (${overflow} px)`);
    }
    await screenshot(ctx, page, `walkthrough-profile-${label}`);
    await context.close();
  }
  // Without JavaScript the calendar is in the HTML.
  const plain = await newContext(ctx, { javaScriptEnabled: false });
  const nojs = await check.openPage(plain);
  await goto(nojs, url);
  check.expect((await nojs.locator("[data-calendar-grid] i:not(.void)").count()) === 365, "without JavaScript: the calendar is rendered");
  await plain.close();
}

async function goesPrivate(check, ctx) {
  const ownerContext = await newContext(ctx);
  const owner = await check.openPage(ownerContext);
  const username = unique("vanish");
  await signUp(owner, ctx.base, username);
  const token = await addMachine(owner, ctx.base, "laptop");
  await postPulse(ctx.base, token, [["Haskell", 321]]);
  const url = `${ctx.base}/users/${username}`;
  // A signed-out visitor: the second view may come from the page cache.
  const first = await fetch(url);
  const again = await fetch(url);
  check.expect(first.status === 200 && again.status === 200 && (await again.text()).includes("321 XP"), "a public profile is served to visitors");
  const viewerContext = await newContext(ctx);
  const viewer = await check.openPage(viewerContext);
  check.expectedConsole.push(/WebSocket/);
  await goto(viewer, url);
  await waitLive(viewer);
  await goto(owner, `${ctx.base}/my/preferences`);
  await owner.getByLabel(/Private profile/).check();
  await owner.getByRole("button", { name: "Save privacy setting" }).click();
  await owner.waitForURL(`${ctx.base}/my/preferences`);
  await viewer.locator("[data-gone]").waitFor({ state: "visible", timeout: 5_000 });
  const text = await viewer.locator("main").innerText();
  check.expect(/no longer public/.test(text), "the open page says the profile is no longer public");
  check.expect(!text.includes("321") && !text.includes("Haskell"), "and shows none of its numbers any more");
  await screenshot(ctx, viewer, "walkthrough-profile-gone-private");
  // Right after the change, within the page cache's lifetime: no copy is served.
  check.expected404.add(url);
  const after = await fetch(url);
  const body = await after.text();
  check.expect(after.status === 404 && !body.includes("321"), `a private profile is never served from the page cache (${after.status})`);
  await viewerContext.close();
  await ownerContext.close();
}

export const walkthroughChecks = [
  ["profile layout: rolling 365-day calendar opening on recent days, no gap under Machines, year table opens on today (desktop, phone)", calendarAndLayout],
  ["a profile that goes private while open says so and hides its numbers; the page cache never serves it", goesPrivate],
  ["language colours: stable per name across a ranking change, the same in the chart and the list", stableColors],
  ["level bars: the level prominent, each bar captioned as progress to the next level, live", levelBars],
];

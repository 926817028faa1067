// Browser checks of a newcomer's walk-through: stable language colours, level
// bars, first setup, layout, hierarchy and accessibility, the rolling calendar. Started by
// test/e2e/run.mjs with the same `ctx` as test/e2e/site.mjs.
import { createRequire } from "node:module";
import {
  addMachine,
  DESKTOP,
  goto,
  newContext,
  PASSWORD,
  PHONE,
  postPulse,
  screenshot,
  settleCharts,
  signUp,
  unique,
  waitLive,
} from "./site.mjs";

const AXE_PATH = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const WIDE = { width: 1440, height: 900 };

/** Parses "rgb(r, g, b)" into numbers. */
const rgb = (css) => (css.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
const luminance = ([r, g, b]) => {
  const f = (c) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
};
const contrast = (a, b) => {
  const [hi, lo] = [luminance(rgb(a)), luminance(rgb(b))].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};

/** The days chart's colour per language, as drawn. */
function seriesColors(page) {
  return page.evaluate(() => Object.fromEntries(globalThis.pulseEdge.charts.days.data.datasets.map((d) => [d.label, d.backgroundColor])));
}

/** The computed colour of each listed language's swatch. */
function swatchColors(page) {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('[data-list="top-languages"] .skill')].map((li) => [
        li.querySelector(".skill-name").textContent,
        getComputedStyle(li.querySelector(".swatch")).backgroundColor,
      ]),
    ),
  );
}

async function stableColors(check, ctx) {
  const context = await newContext(ctx, { viewport: DESKTOP });
  const page = await check.openPage(context);
  const username = unique("colors");
  await signUp(page, ctx.base, username);
  const token = await addMachine(page, ctx.base, "laptop");
  await postPulse(ctx.base, token, [
    ["Go", 300],
    ["Python", 100],
    ["Elm", 50],
  ]);
  await goto(page, `${ctx.base}/users/${username}`);
  await waitLive(page);
  await settleCharts(page);
  const before = await seriesColors(page);
  const beforeSwatches = await swatchColors(page);
  check.expect(new Set(Object.values(before)).size === 3, `three languages, three colours (${JSON.stringify(before)})`);
  check.expect(
    ["Go", "Python", "Elm"].every((l) => before[l] === beforeSwatches[l]),
    "the chart and the language list give a language the same colour",
  );
  // Python overtakes Go: the ranking swaps, the colours must not.
  await postPulse(ctx.base, token, [["Python", 500]]);
  await page.waitForFunction(() => document.querySelector('[data-list="top-languages"] .skill-name')?.textContent === "Python", null, {
    timeout: 5_000,
  });
  await page.waitForTimeout(500);
  const after = await seriesColors(page);
  const afterSwatches = await swatchColors(page);
  check.expect(
    ["Go", "Python", "Elm"].every((l) => after[l] === before[l]),
    `colours stay with their language after the ranking changes (${JSON.stringify(after)})`,
  );
  check.expect(
    ["Go", "Python", "Elm"].every((l) => afterSwatches[l] === beforeSwatches[l]),
    "so do the list's swatches",
  );
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
  await postPulse(ctx.base, token, [
    ["Rust", 1_700],
    ["Lua", 1_400],
  ]);
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
  check.expect(
    rust?.pill === "level 1" && lua?.pill === "level 0",
    `each language shows its level prominently (${rust?.pill}, ${lua?.pill})`,
  );
  check.expect(rust.pillSize >= 700, "the level is bold");
  check.expect(
    /^\d+ % to level 2$/.test(rust.note ?? "") && /^\d+ % to level 1$/.test(lua.note ?? ""),
    `each bar is captioned as progress to the next level (${rust.note}; ${lua.note})`,
  );
  check.expect(rust.label === "Rust: progress to the next level", "the bar's accessible name says so too");
  const caption = (await page.locator(".bar-caption").textContent()) ?? "";
  check.expect(/progress within this level: \d+ % to level \d+/.test(caption), `the total bar is explained (${caption.trim()})`);
  // Live: the caption follows.
  await postPulse(ctx.base, token, [["Lua", 300]]);
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll('[data-list="top-languages"] .skill')].some(
        (li) => li.querySelector(".skill-name").textContent === "Lua" && li.querySelector(".level-pill").textContent === "level 1",
      ),
    null,
    { timeout: 5_000 },
  );
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
    check.expect(
      cal.active > 10 && cal.months >= 12,
      `${label}: it is filled (${cal.active} active days) with month labels (${cal.months}); ${cal.summary}`,
    );
    check.expect(cal.lastVisible, `${label}: the calendar opens on the newest days (${cal.lastTitle})`);
    if (label === "desktop") {
      // The Machines card and the hour chart share the second column: no gap below either.
      const gaps = await page.evaluate(() => {
        const box = (s) => document.querySelector(s).getBoundingClientRect();
        const [languages, machines, hours] = [box(".profile-stats > .languages"), box(".card.machines"), box(".card.hours")];
        return { betweenCards: hours.top - machines.bottom, bottoms: Math.abs(hours.bottom - languages.bottom) };
      });
      check.expect(
        gaps.betweenCards <= 17 && gaps.bottoms <= 1,
        `no empty space under the Machines card (gap ${gaps.betweenCards.toFixed(0)} px, column bottoms ${gaps.bottoms.toFixed(0)} px apart)`,
      );
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
        const opened = {
          scrolled: wrap.scrollLeft,
          todayVisible: today.left >= monthCell.getBoundingClientRect().right - 1 && today.right <= w.right,
          day: todayCell.cellIndex,
        };
        // Scrolled to the end of the month, the month names are still at the left edge.
        wrap.scrollLeft = wrap.scrollWidth;
        const month = monthCell.getBoundingClientRect();
        return {
          ...opened,
          overflowing: wrap.scrollWidth > wrap.clientWidth,
          endScrolled: wrap.scrollLeft,
          monthAtLeft: month.left >= w.left - 1 && month.left - w.left < 4,
        };
      });
      check.expect(
        year.overflowing && year.todayVisible && (year.day <= 10 || year.scrolled > 0),
        `phone: the year table opens with today's column in view, right of the month names (day ${year.day}, scrolled ${year.scrolled} px)`,
      );
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
  check.expect(
    first.status === 200 && again.status === 200 && (await again.text()).includes("321 XP"),
    "a public profile is served to visitors",
  );
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

async function firstSetup(check, ctx) {
  const context = await newContext(ctx, { viewport: WIDE });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: ctx.base });
  const page = await check.openPage(context);
  const username = unique("setup");
  await signUp(page, ctx.base, username);
  check.expect((await page.locator('.site-nav a[href="/plugins"]').count()) === 1, "the signed-in header links to the plugins page");

  // The plugins page: links and copy buttons per plugin, each plugin's own address form.
  await goto(page, `${ctx.base}/plugins`);
  const cards = await page.locator("[data-plugin]").evaluateAll((nodes) =>
    nodes.map((n) => ({
      id: n.dataset.plugin,
      links: [...n.querySelectorAll(".plugin-links a")].map((a) => a.href),
      copies: n.querySelectorAll("button[data-copy]:not([hidden])").length,
      url: n.querySelector(".url-form code").textContent,
    })),
  );
  check.expect(
    cards.length >= 10 && cards.every((c) => c.links.length >= 1 && c.links.every((h) => h.startsWith("https://"))),
    `every plugin links to its marketplace or repository (${cards.length} plugins)`,
  );
  check.expect(
    cards.every((c) => c.copies === 2),
    "every plugin has copy buttons for its address and its settings",
  );
  const urls = Object.fromEntries(cards.map((c) => [c.id, c.url]));
  check.expect(
    urls.vscode === `${ctx.base}/api/` && urls.jetbrains === `${ctx.base}/api/my/pulses` && urls.vim === `${ctx.base}/`,
    `each plugin shows the address form it wants (${urls.vscode}, ${urls.jetbrains}, ${urls.vim})`,
  );
  await page.locator('[data-plugin="jetbrains"] button[data-copy$="-url"]').click();
  await page.locator('[data-plugin="jetbrains"] .url-form [role="status"]', { hasText: "Copied." }).waitFor({ timeout: 5_000 });
  check.expect(
    (await page.evaluate(() => navigator.clipboard.readText())) === `${ctx.base}/api/my/pulses`,
    "the copy button puts JetBrains' address on the clipboard",
  );
  await screenshot(ctx, page, "walkthrough-plugins");

  // A new machine: ready settings per editor, with the token, copy buttons and install links.
  await goto(page, `${ctx.base}/my/machines`);
  const token = await addMachine(page, ctx.base, "workstation");
  const reveal = page.locator(".card.reveal");
  check.expect((await reveal.locator('a[href="/plugins"]').count()) >= 1, "the new-token box links to the plugins page");
  const setups = await reveal.locator("details.editor-setup").count();
  check.expect(setups >= 10, `the new-token box has settings for each editor (${setups})`);
  for (const id of ["vscode", "jetbrains"]) {
    const guide = reveal.locator(`[data-plugin="${id}"]`);
    if (!(await guide.isVisible())) await guide.locator("xpath=ancestor::details").locator("summary").click();
    const settings = (await guide.locator("pre").textContent()) ?? "";
    check.expect(settings.includes(token), `${id}: the settings carry the new token`);
    const cut = await guide.locator("pre").evaluate((pre) => pre.scrollWidth - pre.clientWidth);
    check.expect(cut <= 0, `${id}: the settings are not cut off (${cut} px hidden)`);
    check.expect((await guide.locator(".plugin-links a").count()) >= 1, `${id}: install links`);
  }
  check.expect(
    ((await reveal.locator('[data-plugin="vscode"] pre').textContent()) ?? "").includes(`${ctx.base}/api/`) &&
      ((await reveal.locator('[data-plugin="jetbrains"] pre').textContent()) ?? "").includes(`${ctx.base}/api/my/pulses`),
    "VS Code and JetBrains get their own address forms",
  );
  await reveal.locator('[data-plugin="vscode"] button[data-copy$="-settings"]').click();
  await reveal.locator('[data-plugin="vscode"] .copy-row [role="status"]', { hasText: "Copied." }).waitFor({ timeout: 5_000 });
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  check.expect(copied.includes(`"codestats.apikey": "${token}"`), "copying the VS Code settings copies them with the token");
  const status = page.locator('[data-machine="workstation"] [data-pulse-status]');
  check.expect(((await status.textContent()) ?? "").includes("Waiting for the first pulse"), "the new machine waits for its first pulse");
  await screenshot(ctx, page, "walkthrough-machine-created");
  // The first pulse arrives while the page is open.
  await page.waitForTimeout(1_000); // the page's socket connects
  await postPulse(ctx.base, token, [["Kotlin", 9]]);
  await page.waitForFunction(
    () => /Last pulse: just now/.test(document.querySelector('[data-machine="workstation"] [data-pulse-status]')?.textContent ?? ""),
    null,
    { timeout: 5_000 },
  );
  check.notes.push("the first pulse shows on the open machines page at once");
  await page.reload();
  const after = (await status.textContent()) ?? "";
  check.expect(
    /Last pulse: \d{4}-\d\d-\d\d \d\d:\d\d UTC/.test(after.trim()),
    `after a reload the machine says when it last sent (${after.trim()})`,
  );
  await context.close();
}

async function hierarchy(check, ctx) {
  // Front page, first screen: the headline and the figures above the fold, a map that is not plain grey, readable bars.
  for (const [label, options] of [
    ["desktop", { viewport: WIDE }],
    ["laptop", { viewport: DESKTOP }],
    ["phone", { viewport: PHONE, isMobile: true, hasTouch: true }],
  ]) {
    const context = await newContext(ctx, options);
    const page = await check.openPage(context);
    await goto(page, `${ctx.base}/`);
    await waitLive(page);
    await settleCharts(page);
    const fold = await page.evaluate(() => ({
      h1: document.querySelector("h1").getBoundingClientRect().bottom,
      figures: document.querySelector(".figures").getBoundingClientRect().top,
      height: window.innerHeight,
      land: getComputedStyle(document.querySelector(".map-land")).backgroundColor,
    }));
    check.expect(
      fold.h1 < fold.height * 0.5,
      `${label}: the headline is in the top half of the first screen (${Math.round(fold.h1)} of ${fold.height} px)`,
    );
    if (label !== "phone")
      check.expect(fold.figures < fold.height, `${label}: the figures start in the first screen (${Math.round(fold.figures)} px)`);
    const [r, g, b] = rgb(fold.land);
    check.expect(Math.max(r, g, b) - Math.min(r, g, b) >= 25, `${label}: the map's land is tinted, not grey (${fold.land})`);
    if (label === "desktop") {
      const chart = await page.evaluate(() => {
        const c = globalThis.pulseEdge.charts.minutes;
        const meta = c.getDatasetMeta(0);
        return {
          bars: c.data.labels.length,
          width: meta.data[0].width,
          labels: c.data.labels,
          subtitle: document.querySelector("#global-heading").parentElement.textContent,
        };
      });
      check.expect(
        chart.bars === 48 && chart.width >= 8,
        `the XP chart has 48 readable bars (${chart.bars} bars, ${chart.width.toFixed(1)} px wide)`,
      );
      check.expect(
        !/20,000/.test(chart.subtitle) && /UTC/.test(chart.subtitle),
        `its subtitle matches the axis and says the time zone (${chart.subtitle.trim().replace(/\s+/g, " ")})`,
      );
      const now = new Date(Date.now() - (Date.now() % 300_000)).toISOString().slice(11, 16);
      check.expect(
        chart.labels.at(-1) === now && (await page.locator("table.hourly th").first().textContent()) === "Hour (UTC)",
        `axis and table are both in UTC (last bar ${chart.labels.at(-1)}, now ${now})`,
      );
    }
    await screenshot(ctx, page, `walkthrough-front-${label}`);
    await context.close();
  }

  // Signed in on a phone: the header is one row.
  const phone = await newContext(ctx, { viewport: PHONE, isMobile: true, hasTouch: true });
  const p = await check.openPage(phone);
  const phoneUser = unique("phone");
  await signUp(p, ctx.base, phoneUser);
  const header = await p.evaluate(() => {
    const items = [...document.querySelectorAll(".site-header .brand, .site-nav > *, .theme-toggle")].filter((e) => !e.hidden);
    return {
      tops: [...new Set(items.map((e) => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2)))],
      height: document.querySelector(".site-header").getBoundingClientRect().height,
      items: items.length,
    };
  });
  check.expect(
    header.tops.length === 1 && header.height <= 64,
    `phone, signed in: the menu is one row (${header.items} items, ${header.height} px high)`,
  );
  await goto(p, `${ctx.base}/my/preferences`);
  const shown = await p.evaluate(() => {
    const nav = document.querySelector(".site-nav").getBoundingClientRect();
    const link = document.querySelector('.site-nav [aria-current="page"]').getBoundingClientRect();
    return link.left >= nav.left - 1 && link.right <= nav.right + 1;
  });
  check.expect(shown, "phone: the current page's link is scrolled into view in the header");
  await screenshot(ctx, p, "walkthrough-phone-signed-in");
  await phone.close();

  // Machines page on a wide screen: a wider column, code not cut off, destructive buttons red, distinct messages, strong focus.
  const context = await newContext(ctx, { viewport: WIDE });
  const page = await check.openPage(context);
  const username = unique("hier");
  await signUp(page, ctx.base, username);
  await addMachine(page, ctx.base, "desk");
  const width = await page.evaluate(() => document.querySelector("main").getBoundingClientRect().width);
  check.expect(width >= 900, `the content column is wide on desktop (${Math.round(width)} px)`);
  const cut = await page
    .locator("main pre")
    .evaluateAll((pres) => pres.filter((p) => p.offsetParent !== null).map((p) => p.scrollWidth - p.clientWidth));
  check.expect(
    cut.every((c) => c <= 0),
    `no visible code block is cut off (${cut.join(", ")})`,
  );
  const look = (name) =>
    page
      .getByRole("button", { name, exact: true })
      .first()
      .evaluate((b) => getComputedStyle(b).backgroundColor);
  const [deactivate, rename] = [await look("Deactivate"), await look("Rename")];
  const [dr, dg] = rgb(deactivate);
  check.expect(dr > dg + 80 && deactivate !== rename, `Deactivate looks destructive (${deactivate}) unlike Rename (${rename})`);
  // Done vs Error.
  await page.getByRole("button", { name: "Rename", exact: true }).click();
  await page.waitForURL(`${ctx.base}/my/machines`);
  const done = await page.locator(".flash").evaluate((f) => ({
    text: f.textContent,
    bg: getComputedStyle(f).backgroundColor,
    border: getComputedStyle(f).borderLeftColor,
    icon: f.querySelector(".flash-icon")?.textContent,
  }));
  await page.getByLabel("Name", { exact: true }).fill("desk");
  await page.getByRole("button", { name: "Add machine" }).click();
  await page.waitForURL(`${ctx.base}/my/machines`);
  const error = await page.locator(".flash").evaluate((f) => ({
    text: f.textContent,
    bg: getComputedStyle(f).backgroundColor,
    border: getComputedStyle(f).borderLeftColor,
    icon: f.querySelector(".flash-icon")?.textContent,
    role: f.getAttribute("role"),
  }));
  check.expect(
    /Done:/.test(done.text) && /Error:/.test(error.text),
    `both messages are shown (${done.text.trim()} / ${error.text.trim()})`,
  );
  check.expect(
    done.bg !== error.bg && done.border !== error.border && done.icon !== error.icon && error.role === "alert",
    `"Done" and "Error" differ in colour, border and icon (${done.bg} vs ${error.bg})`,
  );
  await screenshot(ctx, page, "walkthrough-error-flash");
  // Focus ring on the indigo "Add machine" button.
  await page.getByLabel("Name", { exact: true }).focus();
  await page.keyboard.press("Tab");
  const ring = await page.evaluate(() => {
    const b = document.activeElement;
    const s = getComputedStyle(b);
    return {
      name: b.textContent,
      width: parseFloat(s.outlineWidth),
      offset: parseFloat(s.outlineOffset),
      style: s.outlineStyle,
      color: s.outlineColor,
      bg: getComputedStyle(document.body).backgroundColor,
      button: s.backgroundColor,
    };
  });
  check.expect(
    ring.name === "Add machine" && ring.style === "solid" && ring.width >= 3 && ring.offset >= 2,
    `the focused indigo button has a solid ${ring.width} px ring, ${ring.offset} px away from it`,
  );
  // The ring against the page, and the gap between ring and button (page colour) against the button.
  check.expect(
    contrast(ring.color, ring.bg) >= 3 && contrast(ring.bg, ring.button) >= 3,
    `the ring contrasts with the page (${contrast(ring.color, ring.bg).toFixed(1)}:1), its gap with the button (${contrast(ring.bg, ring.button).toFixed(1)}:1)`,
  );
  // Logging out says so; deleting the account says so.
  await page.getByRole("button", { name: "Log out", exact: true }).click();
  await page.waitForURL(`${ctx.base}/`);
  check.expect(
    ((await page.locator(".flash").textContent()) ?? "").includes("You are logged out."),
    "logging out is confirmed on the front page",
  );
  await goto(page, `${ctx.base}/login`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
  await goto(page, `${ctx.base}/my/preferences`);
  const del = page.getByRole("button", { name: "Delete my account" });
  const [delR, delG] = rgb(await del.evaluate((b) => getComputedStyle(b).backgroundColor));
  check.expect(delR > delG + 80, "Delete my account looks destructive");
  const [outR, outG] = rgb(
    await page.getByRole("button", { name: "Log out everywhere" }).evaluate((b) => getComputedStyle(b).backgroundColor),
  );
  check.expect(outR > outG + 80, "Log out everywhere looks destructive");
  await page.getByLabel(/DELETE/).fill("DELETE");
  await del.click();
  await page.waitForURL(`${ctx.base}/login`);
  check.expect(
    ((await page.locator(".flash").textContent()) ?? "").includes("deleted"),
    "after deleting the account the log-in page says it was deleted",
  );
  await context.close();
}

/** axe-core's WCAG 2.x A/AA rules on the page as it is; the violations, summarised. */
async function axeViolations(page) {
  await page.addScriptTag({ path: AXE_PATH });
  const result = await page.evaluate(() =>
    globalThis.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } }),
  );
  return result.violations.map(
    (v) =>
      `${v.id} (${v.nodes.length}): ${v.nodes
        .slice(0, 3)
        .map((n) => `${n.target.join(" ")} ${n.failureSummary?.split("\n")[1]?.trim() ?? ""}`)
        .join(" | ")}`,
  );
}

async function accessibility(check, ctx) {
  const setupContext = await newContext(ctx, { viewport: DESKTOP });
  const setup = await check.openPage(setupContext);
  const username = unique("axe");
  await signUp(setup, ctx.base, username);
  const storage = await setupContext.storageState();
  await setupContext.close();
  for (const colorScheme of ["light", "dark"]) {
    // axe is injected as a script tag, which the site's CSP (rightly) refuses; this context bypasses it.
    const context = await newContext(ctx, { viewport: DESKTOP, colorScheme, bypassCSP: true });
    const anonymous = await check.openPage(context);
    const signedIn = await browserWith(ctx, storage, colorScheme, check);
    const pages = [
      ["front page", anonymous, "/"],
      ["profile", anonymous, `/users/${ctx.seeded.history.username}`],
      ["plugins", anonymous, "/plugins"],
      ["API docs", anonymous, "/api-docs"],
      ["machines", signedIn.page, "/my/machines"],
    ];
    for (const [name, page, path] of pages) {
      await goto(page, `${ctx.base}${path}`);
      if (path === "/" || path.startsWith("/users/")) {
        await waitLive(page);
        await settleCharts(page);
      }
      if (path === "/my/machines" && (await page.locator(".card.reveal").count()) === 0)
        await addMachine(page, ctx.base, `axe-${colorScheme}`);
      const violations = await axeViolations(page);
      check.expect(
        violations.length === 0,
        `${colorScheme}: no WCAG 2 A/AA violation on the ${name}${violations.length ? `: ${violations.join("; ")}` : ""}`,
      );
    }
    // The API docs' scrolling code blocks are reachable by keyboard and named.
    await goto(anonymous, `${ctx.base}/api-docs`);
    const pres = await anonymous
      .locator("main pre")
      .evaluateAll((all) => all.map((p) => ({ tab: p.tabIndex, label: p.getAttribute("aria-label") })));
    check.expect(
      pres.length > 0 && pres.every((p) => p.tab === 0 && p.label),
      `${colorScheme}: every code block of the API docs can be focused and has a name (${pres.length})`,
    );
    let reached = 0;
    for (let i = 0; i < 80 && reached === 0; i++) {
      await anonymous.keyboard.press("Tab");
      reached = await anonymous.evaluate(() => (document.activeElement?.tagName === "PRE" ? 1 : 0));
    }
    check.expect(reached === 1, `${colorScheme}: Tab reaches a code block of the API docs`);
    await signedIn.context.close();
    await context.close();
  }
}

async function browserWith(ctx, storageState, colorScheme, check) {
  const context = await newContext(ctx, { viewport: DESKTOP, colorScheme, bypassCSP: true, storageState });
  return { context, page: await check.openPage(context) };
}

export const walkthroughChecks = [
  [
    "first setup: plugins page links and copy buttons, Plugins in the header, ready settings per editor after a new machine, waiting for the first pulse (live)",
    firstSetup,
  ],
  [
    "layout and hierarchy: front page first screen and chart, phone header on one row, wide column, destructive buttons, Done vs Error, focus ring, log-out and deletion messages",
    hierarchy,
  ],
  [
    "accessibility: axe-core finds no WCAG 2 A/AA violation on the front page, a profile, machines, plugins and API docs, light and dark; code blocks reachable by keyboard",
    accessibility,
  ],
  [
    "profile layout: rolling 365-day calendar opening on recent days, no gap under Machines, year table opens on today (desktop, phone)",
    calendarAndLayout,
  ],
  ["a profile that goes private while open says so and hides its numbers; the page cache never serves it", goesPrivate],
  ["language colours: stable per name across a ranking change, the same in the chart and the list", stableColors],
  ["level bars: the level prominent, each bar captioned as progress to the next level, live", levelBars],
];

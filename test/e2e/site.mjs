// Browser checks of the site against the production build (started by test/e2e/run.mjs).
// `ctx`: { base, browser, seeded: { history, feeder, live }, resultsDir }.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { clientAddress } from "./harness.mjs";
import { kb, pageWeight } from "../../bench/page-weight.mjs";

export const PASSWORD = "plum orchard 77 lantern";
const JS_BUDGET_BYTES = 100 * 1024;
const LIVE_DEADLINE_MS = 2_000;
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

// ---- helpers ----

export function newContext(ctx, options = {}) {
  const { viewport = DESKTOP, ...rest } = options;
  return ctx.browser.newContext({ viewport, extraHTTPHeaders: { "cf-connecting-ip": clientAddress() }, ...rest });
}

export async function goto(page, url, status = 200) {
  const res = await page.goto(url, { waitUntil: "load" });
  if (res?.status() !== status) throw new Error(`${url} answered ${res?.status()}, expected ${status}`);
  return res;
}

export async function waitLive(page) {
  await page.waitForSelector('[data-live-status][data-status="live"]', { timeout: 10_000 });
}

export async function postPulse(base, token, xps, codedAt = new Date()) {
  const res = await fetch(`${base}/api/my/pulses`, {
    method: "POST",
    headers: { "x-api-token": token, "content-type": "application/json" },
    body: JSON.stringify({ coded_at: codedAt.toISOString(), xps: xps.map(([language, xp]) => ({ language, xp })) }),
  });
  if (res.status !== 201) throw new Error(`pulse answered ${res.status}: ${await res.text()}`);
}

/** Pixels of a chart's canvas drawn in colour (bars and slices; grid lines and text are grey). */
function colourfulPixels(page, chart) {
  return page.evaluate((name) => {
    const instance = globalThis.pulseEdge?.charts?.[name];
    if (!instance) return -1;
    const canvas = instance.canvas;
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
      if (a > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 60) n++;
    }
    return n;
  }, chart);
}

/**
 * Where a chart's drawn elements disagree with its data: every bar's drawn height (every clock
 * segment's radius) against what the chart's own scale gives for the value in its data. A chart
 * whose animations broke keeps drawing old values while its data moves on.
 */
function chartDrift(page, name) {
  return page.evaluate((name) => {
    const chart = globalThis.pulseEdge?.charts?.[name];
    if (!chart) return [`no chart ${name}`];
    const drift = [];
    const radial = chart.config.type === "polarArea";
    chart.data.datasets.forEach((dataset, i) => {
      const meta = chart.getDatasetMeta(i);
      if (meta.hidden) return;
      dataset.data.forEach((value, j) => {
        const el = meta.data[j];
        if (!el) {
          drift.push(`${dataset.label}[${j}]: no element`);
          return;
        }
        const drawn = radial ? el.outerRadius - el.innerRadius : Math.abs(el.base - el.y);
        const expected = radial
          ? chart.scales.r.getDistanceFromCenterForValue(value)
          : Math.abs(chart.scales.y.getPixelForValue(value) - chart.scales.y.getPixelForValue(0));
        if (Math.abs(drawn - expected) > 1.5)
          drift.push(`${dataset.label}[${j}] = ${value} drawn ${drawn.toFixed(1)} px, expected ${expected.toFixed(1)} px`);
      });
    });
    return drift;
  }, name);
}

/** Hovers a chart's largest element like a mouse would; returns the tooltip's lines (empty if none). */
async function hoverChart(page, name) {
  const canvas = page.locator(`canvas[data-chart="${name}"]`);
  await canvas.scrollIntoViewIfNeeded();
  const point = await page.evaluate((name) => {
    const chart = globalThis.pulseEdge.charts[name];
    let best = null;
    chart.data.datasets.forEach((dataset, i) => {
      dataset.data.forEach((value, j) => {
        if (value > 0 && (!best || value > best.value)) best = { value, el: chart.getDatasetMeta(i).data[j] };
      });
    });
    if (!best) return null;
    const { x, y } = best.el.getCenterPoint();
    return { x, y };
  }, name);
  if (!point) return [];
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + point.x - 3, box.y + point.y - 3);
  await page.mouse.move(box.x + point.x, box.y + point.y, { steps: 4 });
  await page.waitForFunction((name) => globalThis.pulseEdge.charts[name].tooltip?.opacity > 0.99, name, { timeout: 3_000 }).catch(() => {});
  return page.evaluate((name) => {
    const tooltip = globalThis.pulseEdge.charts[name].tooltip;
    if (!(tooltip?.opacity > 0)) return [];
    return [...(tooltip.title ?? []), ...(tooltip.body ?? []).flatMap((b) => b.lines), ...(tooltip.footer ?? [])];
  }, name);
}

export async function settleCharts(page) {
  await page.waitForFunction(() => globalThis.pulseEdge?.charts && Object.keys(globalThis.pulseEdge.charts).length > 0);
  await page.waitForTimeout(700); // the first draw animates for 400 ms
}

export async function signUp(page, base, username) {
  await goto(page, `${base}/signup`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(`${base}/my/machines`);
}

export async function addMachine(page, base, name) {
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Add machine" }).click();
  await page.waitForURL(`${base}/my/machines`);
  return page.getByRole("textbox", { name: "API token", exact: true }).inputValue();
}

export async function screenshot(ctx, page, name) {
  mkdirSync(ctx.resultsDir, { recursive: true });
  // Grow the viewport to the whole page first: a full-page capture resizes it, and the charts would
  // be caught in their resize animation.
  const viewport = page.viewportSize();
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: viewport.width, height });
  await page.waitForTimeout(900);
  await page.screenshot({ path: join(ctx.resultsDir, `${name}.png`), fullPage: true });
  await page.setViewportSize(viewport);
}

export const unique = (prefix) => `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;

// ---- checks ----

async function frontPage(check, ctx) {
  for (const [label, options] of [
    ["desktop", { viewport: DESKTOP }],
    ["phone", { viewport: PHONE, isMobile: true, hasTouch: true }],
    ["desktop-dark", { viewport: DESKTOP, colorScheme: "dark" }],
  ]) {
    const context = await newContext(ctx, options);
    const page = await check.openPage(context);
    const mapResponse = page.waitForResponse((r) => r.url().endsWith("/map/world.svg"));
    await goto(page, `${ctx.base}/`);
    const map = await mapResponse;
    await waitLive(page);
    await settleCharts(page);
    if (label === "desktop") {
      check.expect(
        map.status() === 200 && (map.headers()["content-type"] ?? "").startsWith("image/svg+xml"),
        "the world map is a self-hosted SVG",
      );
      const total = await page.locator("[data-total-xp]").textContent();
      check.expect(/^[1-9][\d,]*$/.test(total ?? ""), `total XP is shown (${total})`);
      check.expect((await page.locator("[data-top-languages] li").count()) > 0, "top languages are listed");
      check.expect(/^[1-9]\d*$/.test((await page.locator("[data-viewers]").textContent()) ?? ""), "the live viewer count is shown");
      const bars = await page.evaluate(() => globalThis.pulseEdge.charts.minutes.data.datasets[0].data.filter((v) => v > 0).length);
      check.expect(bars >= 10, `the minute chart has bars (${bars} minutes with XP)`);
      check.expect(
        (await page.locator('a[href="/plugins"]').count()) > 0 && (await page.locator('a[href="/signup"]').count()) > 0,
        "the pitch links to /plugins and /signup",
      );
      check.expect((await page.locator('a[href^="/users/"]').count()) > 0, "the pitch links to an example profile");
    }
    const pixels = await colourfulPixels(page, "minutes");
    check.expect(pixels > 150, `${label}: the minute chart is painted (${pixels} coloured pixels)`);
    if (label === "phone") {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check.expect(overflow <= 0, `phone: no horizontal scrolling (${overflow} px)`);
    }
    await screenshot(ctx, page, `front-${label}`);
    await context.close();
  }
}

async function profilePage(check, ctx) {
  const { history } = ctx.seeded;
  const url = `${ctx.base}/users/${history.username}`;

  // Without JavaScript: every number is in the HTML.
  const plain = await newContext(ctx, { javaScriptEnabled: false });
  const nojs = await check.openPage(plain);
  await goto(nojs, url);
  const level = (await nojs.locator("[data-level-text]").textContent()) ?? "";
  check.expect(/^Level \d+ \([\d,]+ XP\)( \(\+[\d,]+\))?$/.test(level), `without JavaScript: the level text is there (${level})`);
  check.expect((await nojs.locator('[data-list="top-languages"] li').count()) === 10, "without JavaScript: ten languages with bars");
  check.expect((await nojs.locator('[data-list="machines"] li').count()) === 2, "without JavaScript: both machines");
  const cells = await nojs.locator("[data-year] td").evaluateAll((tds) => tds.filter((td) => /\d/.test(td.textContent ?? "")).length);
  check.expect(cells > 100, `without JavaScript: the year table is filled (${cells} cells)`);
  check.expect(await nojs.locator('[data-table="hours"]').isVisible(), "without JavaScript: the hour table is shown instead of the chart");
  check.expect(/User since/.test((await nojs.locator(".profile-meta").textContent()) ?? ""), "user since and last programmed are shown");
  await plain.close();

  for (const [label, options] of [
    ["desktop", { viewport: DESKTOP }],
    ["phone", { viewport: PHONE, isMobile: true, hasTouch: true }],
    ["desktop-dark", { viewport: DESKTOP, colorScheme: "dark" }],
  ]) {
    const context = await newContext(ctx, options);
    const page = await check.openPage(context);
    await goto(page, url);
    await waitLive(page);
    await settleCharts(page);
    const days = await colourfulPixels(page, "days");
    const hours = await colourfulPixels(page, "hours");
    check.expect(days > 300 && hours > 300, `${label}: the 14-day and hour charts are painted (${days}, ${hours} coloured pixels)`);
    if (label === "desktop") {
      const series = await page.evaluate(() => globalThis.pulseEdge.charts.days.data.datasets.map((d) => d.label));
      check.expect(
        series.length === 9 && series.at(-1) === "Others",
        `the 14-day chart has the top 8 languages and Others (${series.join(", ")})`,
      );
      check.expect((await page.locator("[data-year] td.today").count()) === 1, "today's cell is highlighted");
      // The hour chart's clock variant, remembered across reloads.
      await page.getByRole("button", { name: "Clock" }).click();
      await page.waitForFunction(() => globalThis.pulseEdge.charts.hours.config.type === "polarArea");
      await page.reload();
      await settleCharts(page);
      check.expect(
        await page.evaluate(() => globalThis.pulseEdge.charts.hours.config.type === "polarArea"),
        "the clock variant is remembered",
      );
      check.expect((await colourfulPixels(page, "hours")) > 300, "the clock is painted");
      await page.getByRole("button", { name: "Bars" }).click();
      await page.waitForFunction(() => globalThis.pulseEdge.charts.hours.config.type === "bar");
    }
    if (label === "phone") {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check.expect(overflow <= 0, `phone: no horizontal scrolling (${overflow} px)`);
    }
    await screenshot(ctx, page, `profile-${label}`);
    await context.close();
  }
}

async function chartsFollowData(check, ctx) {
  const { feeder } = ctx.seeded;
  for (const motion of ["no-preference", "reduce"]) {
    const context = await newContext(ctx, { reducedMotion: motion });
    const profile = await check.openPage(context);
    await goto(profile, `${ctx.base}/users/${feeder.username}`);
    const front = await check.openPage(context);
    await goto(front, `${ctx.base}/`);
    await Promise.all([waitLive(profile), waitLive(front), settleCharts(profile), settleCharts(front)]);

    // Every chart answers a hover with a tooltip (the clock too).
    const hovered = {
      days: await hoverChart(profile, "days"),
      hours: await hoverChart(profile, "hours"),
      minutes: await hoverChart(front, "minutes"),
    };
    await profile.getByRole("button", { name: "Clock" }).click();
    await profile.waitForFunction(() => globalThis.pulseEdge.charts.hours.config.type === "polarArea");
    hovered.clock = await hoverChart(profile, "hours");
    await profile.getByRole("button", { name: "Bars" }).click();
    await profile.waitForFunction(() => globalThis.pulseEdge.charts.hours.config.type === "bar");
    for (const [name, lines] of Object.entries(hovered)) {
      check.expect(
        lines.some((l) => /\d XP/.test(l)),
        `${motion}: hovering the ${name} chart shows a tooltip (${JSON.stringify(lines)})`,
      );
    }

    // 20 live pulses while the mouse rests on the 14-day chart: each reaches the page, the
    // charts keep redrawing, and what they draw is what their data says.
    await hoverChart(profile, "days");
    const todayXp = () =>
      profile.evaluate(() => {
        const chart = globalThis.pulseEdge.charts.days;
        const last = chart.data.labels.length - 1;
        return chart.data.datasets.reduce((sum, d) => sum + (d.data[last] ?? 0), 0);
      });
    const before = await todayXp();
    const levelText = () => profile.locator("[data-level-text]").textContent();
    let sent = 0;
    for (let i = 0; i < 20; i++) {
      const text = await levelText();
      const xps = [["TypeScript", 7 + i], ["Go", 3 + (i % 4)], ...(i % 3 === 0 ? [["Rust", 11]] : [])];
      sent += xps.reduce((sum, [, xp]) => sum + xp, 0);
      await postPulse(ctx.base, feeder.token, xps);
      await profile.waitForFunction((t) => document.querySelector("[data-level-text]")?.textContent !== t, text, { timeout: 5_000 });
    }
    await profile
      .waitForFunction(
        (xp) => {
          const chart = globalThis.pulseEdge.charts.days;
          const last = chart.data.labels.length - 1;
          return chart.data.datasets.reduce((sum, d) => sum + (d.data[last] ?? 0), 0) === xp;
        },
        before + sent,
        { timeout: 5_000 },
      )
      .catch(() => {});
    check.expect(
      (await todayXp()) === before + sent,
      `${motion}: the 14-day chart's data holds today's XP after 20 live updates (+${sent})`,
    );
    await profile.waitForTimeout(900); // let the last transition finish
    await front.waitForTimeout(900);
    for (const [page, name] of [
      [profile, "days"],
      [profile, "hours"],
      [front, "minutes"],
    ]) {
      const drift = await chartDrift(page, name);
      check.expect(
        drift.length === 0,
        `${motion}: after 20 live updates the ${name} chart draws what its data says${drift.length ? `: ${drift.slice(0, 3).join("; ")}` : ""}`,
      );
    }
    const tableTotal = await profile.locator('[data-table="days"] tbody tr:last-child td:last-child').textContent();
    const chartTotal = (await todayXp()).toLocaleString("en-US");
    check.expect(tableTotal === chartTotal, `${motion}: the chart's table says the same for today (${tableTotal} XP, chart ${chartTotal})`);
    const again = { days: await hoverChart(profile, "days"), minutes: await hoverChart(front, "minutes") };
    for (const [name, lines] of Object.entries(again)) {
      check.expect(
        lines.some((l) => /\d XP/.test(l)),
        `${motion}: after the updates, hovering the ${name} chart still shows a tooltip`,
      );
    }
    await context.close();
  }
}

async function livePulse(check, ctx) {
  const { live } = ctx.seeded;
  const context = await newContext(ctx);
  const profile = await check.openPage(context);
  await goto(profile, `${ctx.base}/users/${live.username}`);
  check.expect(
    (await profile.getByText("hasn't written anything yet").count()) === 1,
    "an empty profile says the user hasn't written anything yet",
  );
  const front = await check.openPage(context);
  await goto(front, `${ctx.base}/`);
  await Promise.all([waitLive(profile), waitLive(front)]);
  const totalBefore = await front.locator("[data-total-xp]").textContent();

  const started = Date.now();
  const seen = {
    profile: profile
      .waitForFunction(() => /\(37 XP\)/.test(document.querySelector("[data-level-text]")?.textContent ?? ""), null, { timeout: 5_000 })
      .then(() => Date.now() - started),
    flash: profile.waitForSelector(".xp-gain", { timeout: 5_000 }).then(async (el) => el.textContent()),
    front: front
      .waitForFunction((before) => document.querySelector("[data-total-xp]")?.textContent !== before, totalBefore, { timeout: 5_000 })
      .then(() => Date.now() - started),
    dot: front.waitForSelector(".dot", { state: "attached", timeout: 5_000 }).then(() => Date.now() - started),
  };
  await postPulse(ctx.base, live.token, [
    ["Elixir", 30],
    ["Erlang", 7],
  ]);
  const [profileMs, flash, frontMs, dotMs] = await Promise.all([seen.profile, seen.flash, seen.front, seen.dot]);
  check.expect(profileMs <= LIVE_DEADLINE_MS, `the profile page shows the pulse without a reload in ${profileMs} ms`);
  check.expect(flash === "+37 XP", `the profile flashes the new XP (${flash})`);
  check.expect(frontMs <= LIVE_DEADLINE_MS, `the front page's total moves in ${frontMs} ms`);
  check.expect(dotMs <= LIVE_DEADLINE_MS, `a dot lights up on the map in ${dotMs} ms`);
  check.expect(await profile.locator("[data-stats]").isVisible(), "the statistics replace the empty-profile text");
  check.expect(
    (await profile.locator('[data-list="top-languages"] .skill-name').allTextContents()).join() === "Elixir,Erlang",
    "the languages are listed",
  );
  const labels = await profile.evaluate(() => globalThis.pulseEdge.charts.days.data.datasets.map((d) => d.label));
  check.expect(labels.includes("Elixir") && labels.includes("Erlang"), "the 14-day chart has the new languages");
  const lastBar = await front.evaluate(() => globalThis.pulseEdge.charts.minutes.data.datasets[0].data.at(-1));
  check.expect(lastBar >= 37, `the newest minute bar includes the pulse (${lastBar})`);
  await front.waitForFunction(
    () => [...document.querySelectorAll("[data-top-languages] .name")].some((n) => n.textContent === "Elixir"),
    null,
    { timeout: 3_000 },
  );
  await context.close();
}

async function notFoundAndPrivate(check, ctx) {
  const anonymous = await newContext(ctx);
  const page = await check.openPage(anonymous);
  const mainText = () => page.locator("main").innerText();
  for (const path of ["/no/such/page", "/users/nobody-at-all"]) check.expected404.add(`${ctx.base}${path}`);
  await goto(page, `${ctx.base}/no/such/page`, 404);
  const unknownRoute = await mainText();
  await goto(page, `${ctx.base}/users/nobody-at-all`, 404);
  check.expect((await mainText()) === unknownRoute, "an unknown profile gets the same page as an unknown route");
  check.expect((await page.title()).startsWith("Not found"), "the 404 page is titled Not found");

  const redirect = await fetch(`${ctx.base}/users/${ctx.seeded.history.username.toUpperCase()}`, { redirect: "manual" });
  check.expect(
    redirect.status === 302 && redirect.headers.get("location") === `/users/${ctx.seeded.history.username}`,
    "another spelling redirects (302) to the canonical name",
  );

  // A private profile, made private through the preferences form.
  const username = unique("private");
  const ownerContext = await newContext(ctx);
  const owner = await check.openPage(ownerContext);
  await signUp(owner, ctx.base, username);
  await goto(owner, `${ctx.base}/my/preferences`);
  await owner.getByLabel(/Private profile/).check();
  await owner.getByRole("button", { name: "Save privacy setting" }).click();
  await owner.waitForURL(`${ctx.base}/my/preferences`);
  await owner.getByRole("button", { name: "Log out", exact: true }).click();
  await owner.waitForURL(`${ctx.base}/`);

  for (const path of [`/users/${username}`, `/users/${username.toUpperCase()}`]) {
    check.expected404.add(`${ctx.base}${path}`);
    await goto(page, `${ctx.base}${path}`, 404);
    check.expect((await mainText()) === unknownRoute, `${path}: a private profile is the same 404 page for others`);
  }
  const api = await fetch(`${ctx.base}/api/users/${username}`);
  check.expect(api.status === 404, "the profile API hides it too");

  // The owner logs in through the real form and sees it.
  await goto(owner, `${ctx.base}/login`);
  await owner.getByLabel("Username").fill(username);
  await owner.getByLabel("Password").fill(PASSWORD);
  await owner.getByRole("button", { name: "Log in" }).click();
  await owner.waitForURL(`${ctx.base}/users/${username}`);
  check.expect((await owner.locator("h1").textContent()) === username, "after logging in, the owner sees the private profile");
  check.expect((await owner.getByText("Your profile is private").count()) === 1, "the owner is told the profile is private");
  check.expect(
    (await owner.getByText("Start collecting XP in four steps").count()) === 1,
    "an empty profile shows the owner the four set-up steps",
  );
  check.expect((await owner.locator('[data-empty] a[href="/my/machines"]').count()) === 1, "the steps link to /my/machines");
  await waitLive(owner);
  check.notes.push("the owner's live socket connects to the private profile");
  await anonymous.close();
  await ownerContext.close();
}

const EVIL = {
  script: "<script>window.__pwned='script'</script>",
  img: "<img src=x onerror=\"window.__pwned='img';alert(1)\">",
  attr: "\"><svg onload=window.__pwned='svg'>",
  machine: "<img src=x onerror=\"window.__pwned='machine';alert(2)\">",
};

async function noInjection(check, page, where) {
  const found = await page.evaluate(() => ({
    pwned: globalThis.__pwned ?? null,
    images: document.querySelectorAll('img[src="x"]').length,
    handlers: document.querySelectorAll("[onerror], [onload]").length,
    svgs: [...document.querySelectorAll("svg")].filter((s) => s.getAttribute("onload") !== null).length,
  }));
  check.expect(
    found.pwned === null && found.images === 0 && found.handlers === 0 && found.svgs === 0,
    `${where}: no injected element or script ran (${JSON.stringify(found)})`,
  );
}

async function userStringsAreText(check, ctx) {
  const username = unique("xss");
  const context = await newContext(ctx);
  const page = await check.openPage(context);
  await signUp(page, ctx.base, username);
  const token = await addMachine(page, ctx.base, EVIL.machine);
  check.expect(/^[0-9a-f-]{36}$/.test(token), "the machine's token is read from the page");
  await noInjection(check, page, "machines page");
  check.expect(
    (await page.locator(".item-list h3").allTextContents()).includes(EVIL.machine),
    "machines page: the machine name is shown as text",
  );

  const profile = await check.openPage(context);
  await goto(profile, `${ctx.base}/users/${username}`);
  const front = await check.openPage(context);
  await goto(front, `${ctx.base}/`);
  await Promise.all([waitLive(profile), waitLive(front)]);
  await postPulse(ctx.base, token, [
    [EVIL.script, 50],
    [EVIL.img, 40],
    [EVIL.attr, 30],
  ]);
  await profile.waitForFunction((name) => [...document.querySelectorAll(".skill-name")].some((n) => n.textContent === name), EVIL.script, {
    timeout: 5_000,
  });

  const checkProfile = async (how) => {
    const names = await profile.locator('[data-list="top-languages"] .skill-name').allTextContents();
    check.expect(
      [EVIL.script, EVIL.img, EVIL.attr].every((n) => names.includes(n)),
      `profile (${how}): language names are text`,
    );
    const machines = await profile.locator('[data-list="machines"] .skill-name').allTextContents();
    check.expect(machines.includes(EVIL.machine), `profile (${how}): the machine name is text`);
    const labels = await profile.evaluate(() => globalThis.pulseEdge.charts.days.data.datasets.map((d) => d.label));
    check.expect(
      [EVIL.script, EVIL.img, EVIL.attr].every((n) => labels.includes(n)),
      `profile (${how}): chart labels hold the names verbatim`,
    );
    const headers = await profile.locator('[data-table="days"] thead th').allTextContents();
    check.expect(headers.includes(EVIL.img), `profile (${how}): the chart's table shows the names as text`);
    await noInjection(check, profile, `profile (${how})`);
  };
  await checkProfile("live update");
  await profile.reload();
  await settleCharts(profile);
  await checkProfile("server-rendered");

  await front.waitForFunction(
    (name) => [...document.querySelectorAll("[data-top-languages] .name")].some((n) => n.textContent === name),
    EVIL.img,
    { timeout: 5_000 },
  );
  await noInjection(check, front, "front page (live update)");
  await front.reload();
  check.expect(
    (await front.locator("[data-top-languages] .name").allTextContents()).includes(EVIL.script),
    "front page (server-rendered): top languages are text",
  );
  await noInjection(check, front, "front page (server-rendered)");

  const aliases = await check.openPage(context);
  await goto(aliases, `${ctx.base}/aliases`);
  check.expect((await aliases.locator("tbody th").allTextContents()).includes(EVIL.attr), "aliases page: language names are text");
  await noInjection(check, aliases, "aliases page");
  await context.close();
}

async function signUpToProfile(check, ctx) {
  const username = unique("flow");
  const context = await newContext(ctx);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: ctx.base });
  const page = await check.openPage(context);
  await signUp(page, ctx.base, username);
  await addMachine(page, ctx.base, "E2E laptop");
  await page.getByRole("button", { name: "Copy", exact: true }).click();
  await page.locator('[data-copy-status="new-token"]', { hasText: "Copied." }).waitFor({ timeout: 5_000 });
  const token = await page.evaluate(() => navigator.clipboard.readText());
  check.expect(/^[0-9a-f-]{36}$/.test(token), "the copy button puts the token on the clipboard");
  await postPulse(ctx.base, token, [["TypeScript", 25]]);
  await page.getByRole("link", { name: "Profile" }).click();
  await page.waitForURL(`${ctx.base}/users/${username}`);
  const level = await page.locator("[data-level-text]").textContent();
  check.expect(level === "Level 0 (25 XP) (+25)", `the profile shows the pulse (${level})`);
  const typescript = page.locator('[data-list="top-languages"] li').filter({ hasText: "TypeScript" });
  check.expect((await typescript.locator(".skill-level").textContent()) === "level 0 (25 XP) (+25)", "the language is listed with its XP");
  check.expect(
    (await page.locator('[data-list="machines"] .skill-name').allTextContents()).includes("E2E laptop"),
    "the machine is listed",
  );
  await context.close();
}

async function publicPages(check, ctx) {
  const context = await newContext(ctx);
  const page = await check.openPage(context);
  const pages = [
    "/",
    "/api-docs",
    "/plugins",
    "/aliases",
    "/tos",
    "/changes",
    "/login",
    "/signup",
    "/forgot-password",
    `/users/${ctx.seeded.history.username}`,
  ];
  for (const path of pages) {
    await goto(page, `${ctx.base}${path}`);
    const h1 = await page.locator("h1").count();
    const footer = await page.locator("footer a").allTextContents();
    check.expect(
      h1 === 1 && ["API docs", "Plugins", "Aliases", "Terms & privacy", "Changes"].every((l) => footer.includes(l)),
      `${path}: one h1 and the footer links`,
    );
  }
  await goto(page, `${ctx.base}/plugins`);
  check.expect(
    (await page.locator("pre").allTextContents()).some((t) => t.includes(ctx.base)),
    "the plugin snippets use this server's address",
  );
  await goto(page, `${ctx.base}/api-docs`);
  check.expect(
    (await page.locator("pre").allTextContents()).some((t) => t.includes(`${ctx.base}/api/my/pulses`)),
    "the API docs use this server's address",
  );
  await goto(page, `${ctx.base}/changes`);
  check.expect((await page.locator("article h2").count()) > 0, "the changelog is rendered");

  // The theme toggle: flips the theme, is remembered, and is applied before the first paint.
  await goto(page, `${ctx.base}/tos`);
  const toggle = page.locator("[data-theme-toggle]");
  await toggle.waitFor({ state: "visible" });
  check.expect((await toggle.getAttribute("aria-label")) === "Switch to dark theme", "the toggle says what it does");
  await toggle.click();
  check.expect((await page.evaluate(() => document.documentElement.dataset.theme)) === "dark", "the toggle switches to dark");
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  check.expect(background === "rgb(11, 13, 19)", `the dark palette is applied (${background})`);
  check.expect((await page.evaluate(() => localStorage.getItem("pe-theme"))) === "dark", "the choice is stored in localStorage");
  await page.reload();
  check.expect(
    (await page.evaluate(() => document.documentElement.dataset.theme)) === "dark",
    "the stored theme is applied on the next page",
  );
  await page.locator("[data-theme-toggle]").click();
  check.expect(
    (await page.evaluate(() => localStorage.getItem("pe-theme"))) === null,
    "going back to the system's theme forgets the choice",
  );
  // Keyboard: the skip link is the first stop and leads to the content.
  await page.reload();
  await page.keyboard.press("Tab");
  check.expect(
    (await page.evaluate(() => document.activeElement?.textContent)) === "Skip to content",
    "the first Tab reaches the skip link",
  );
  await page.keyboard.press("Enter");
  check.expect((await page.evaluate(() => document.activeElement?.id)) === "content", "the skip link moves the focus to the content");
  await context.close();
}

async function javascriptBudget(check, ctx) {
  const weights = {};
  for (const path of ["/", `/users/${ctx.seeded.history.username}`, "/api-docs", "/plugins", "/login"]) {
    const w = await pageWeight(ctx.base, path);
    weights[path] = {
      htmlKB: kb(w.html.wire),
      jsKB: kb(w.js.wire),
      cssKB: kb(w.css.wire),
      totalKB: kb(w.total.wire),
      jsRawKB: kb(w.js.raw),
      jsFiles: w.js.files,
    };
    check.expect(
      w.js.wire <= JS_BUDGET_BYTES,
      `${path}: ${kb(w.js.wire)} KB of JavaScript gzipped (${kb(w.js.raw)} KB raw), HTML ${kb(w.html.wire)} KB, CSS ${kb(w.css.wire)} KB`,
    );
  }
  mkdirSync(ctx.resultsDir, { recursive: true });
  writeFileSync(join(ctx.resultsDir, "page-weight.json"), JSON.stringify(weights, null, 2));
}

async function reconnects(check, ctx) {
  const { live } = ctx.seeded;
  const context = await newContext(ctx);
  const profile = await check.openPage(context);
  await goto(profile, `${ctx.base}/users/${live.username}`);
  const front = await check.openPage(context);
  await goto(front, `${ctx.base}/`);
  await Promise.all([waitLive(profile), waitLive(front)]);
  const before = (await profile.locator("[data-level-text]").textContent()) ?? "";
  const xpBefore = Number(/\(([\d,]+) XP\)/.exec(before)?.[1].replaceAll(",", ""));

  // Reconnect attempts fail while the server is down; the browser logs them, and any load still in
  // flight when it goes down (the favicon, fetched lazily) fails with a connection error. HTTP errors
  // still count.
  check.expectedConsole.push(/WebSocket connection to .* failed/, /^Failed to load resource: net::ERR_CONNECTION_(RESET|REFUSED|CLOSED)/);
  await ctx.restartServer();
  const status = await profile.locator("[data-live-status]").getAttribute("data-status");
  check.expect(status === "reconnecting" || status === "live", `the profile noticed the lost connection (status ${status})`);

  // A pulse sent while the pages are still reconnecting arrives with the fresh snapshot.
  await postPulse(ctx.base, live.token, [["Elixir", 11]]);
  const started = Date.now();
  await Promise.all([waitLive(profile), waitLive(front)]);
  await profile.waitForFunction(
    (xp) => document.querySelector("[data-level-text]")?.textContent?.includes(`(${xp.toLocaleString("en-US")} XP)`),
    xpBefore + 11,
    { timeout: 30_000 },
  );
  check.expect(
    true,
    `both pages reconnected and the profile caught up from the snapshot ${Date.now() - started} ms after the server was back`,
  );

  // And live updates flow again.
  const t0 = Date.now();
  await postPulse(ctx.base, live.token, [["Elixir", 5]]);
  await profile.waitForFunction(
    (xp) => document.querySelector("[data-level-text]")?.textContent?.includes(`(${xp.toLocaleString("en-US")} XP)`),
    xpBefore + 16,
    { timeout: 5_000 },
  );
  const ms = Date.now() - t0;
  check.expect(ms <= LIVE_DEADLINE_MS, `after reconnecting, a new pulse shows up live in ${ms} ms`);
  await context.close();
}

export const siteChecks = [
  ["front page: map, figures and a painted minute chart (desktop, phone, dark)", frontPage],
  ["profile: every number in the HTML, painted charts, clock variant (desktop, phone, dark)", profilePage],
  [
    "charts: every chart shows tooltips on hover, keeps redrawing through 20 live updates and draws its data (with and without reduced motion)",
    chartsFollowData,
  ],
  ["a pulse appears on an open profile and on the front page within 2 s", livePulse],
  ["unknown routes, unknown and private profiles: the same 404; the owner sees a private profile after logging in", notFoundAndPrivate],
  ["user-supplied names render as text in the DOM, chart labels and live updates (XSS)", userStringsAreText],
  ["sign-up, new machine, copied token, pulse, profile", signUpToProfile],
  ["public pages, footer, theme toggle and skip link", publicPages],
  ["JavaScript per page at most 100 KB gzipped", javascriptBudget],
  ["after a server restart the pages reconnect (backoff) and resume from a fresh snapshot", reconnects],
];

// Browser checks of what people share and compare (started by test/e2e/run.mjs): the leaderboard page,
// the profile's badge snippet and its copy button, user search from the header, the paged aliases page.
// `ctx`: { base, browser, seeded: { history, feeder, live, burst } }.
import { clientAddress } from "./harness.mjs";
import { postPulse } from "./site.mjs";

const newContext = (ctx) =>
  ctx.browser.newContext({ viewport: { width: 1280, height: 800 }, extraHTTPHeaders: { "cf-connecting-ip": clientAddress() } });

async function goto(page, url, status = 200) {
  const res = await page.goto(url, { waitUntil: "load" });
  if (res?.status() !== status) throw new Error(`${url} answered ${res?.status()}, expected ${status}`);
}

async function leaderboardPage(check, ctx) {
  const language = `Board${Date.now().toString(36)}`;
  const [a, b, c] = ctx.seeded.burst;
  await postPulse(ctx.base, a.token, [[language, 300]]);
  await postPulse(ctx.base, b.token, [[language, 500]]);
  await postPulse(ctx.base, c.token, [[language, 300]]);
  const context = await newContext(ctx);
  const page = await check.openPage(context);
  await goto(page, `${ctx.base}/`);
  await page.getByRole("link", { name: "Leaderboards" }).click();
  await page.waitForURL(`${ctx.base}/leaderboards`);
  check.expect(
    (await page.locator('.range-tabs [data-range="week"]').getAttribute("aria-current")) === "page",
    "the header links to the board of the last 7 days",
  );
  // The board takes in new pulses at most 2 s late: type the language and look until the three show up.
  const deadline = Date.now() + 10_000;
  let rows = [];
  do {
    await page.getByLabel("Language").fill(language.toLowerCase());
    await page.getByRole("button", { name: "Show" }).click();
    await page.waitForLoadState("load");
    rows = await page
      .locator("[data-board] tbody tr")
      .evaluateAll((trs) =>
        trs.map((tr) => [tr.querySelector("[data-rank]")?.textContent, tr.dataset.user, tr.querySelector("[data-xp]")?.textContent]),
      );
  } while (rows.length < 3 && Date.now() < deadline && (await page.waitForTimeout(500), true));
  const tied = [a.username, c.username].sort();
  check.expect(
    JSON.stringify(rows) ===
      JSON.stringify([
        ["1", b.username, "500"],
        ["2", tied[0], "300"],
        ["2", tied[1], "300"],
      ]),
    `ranks with a tie, booked spelling from any case (${JSON.stringify(rows)})`,
  );
  check.expect((await page.locator("[data-board] caption").textContent())?.includes(language), "the caption names the booked language");
  await page.getByRole("link", { name: "All time" }).click();
  await page.waitForLoadState("load");
  check.expect(
    page.url().includes("range=all") && (await page.locator('.range-tabs [data-range="all"]').getAttribute("aria-current")) === "page",
    "the range tabs keep the language and switch the range",
  );
  check.expect((await page.locator("[data-board] tbody tr").count()) === 3, "all time shows the same three coders");
  await page.locator(`[data-board] a:text-is("${b.username}")`).click();
  await page.waitForURL(`${ctx.base}/users/${b.username}`);
  check.expect(true, "a name on the board links to the profile");
  await goto(page, `${ctx.base}/leaderboards`);
  check.expect((await page.locator("[data-board] tbody tr").count()) > 0, "the overall board lists coders");
  await context.close();
}

async function badgeSnippet(check, ctx) {
  const { username } = ctx.seeded.history;
  const context = await newContext(ctx);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: ctx.base });
  const page = await check.openPage(context);
  await goto(page, `${ctx.base}/users/${username}`);
  // The seeded history has XP on every local day of three years, up to today.
  const current = Number((await page.locator("[data-current-streak]").textContent())?.replace(/,/g, ""));
  const longest = Number((await page.locator("[data-longest-streak]").textContent())?.replace(/,/g, ""));
  check.expect(current >= 1000 && longest >= current, `the profile shows the streaks (current ${current}, longest ${longest} days)`);
  const section = page.locator("[data-badge-snippet]");
  await section.scrollIntoViewIfNeeded();
  const img = section.locator("img");
  await img.evaluate((el) => (el.complete ? null : new Promise((r) => el.addEventListener("load", r, { once: true }))));
  check.expect((await img.evaluate((el) => el.naturalWidth)) > 50, "the badge image loads and has a width");
  const expected = `[![${username} on Pulse Edge](${ctx.base}/users/${username}/badge.svg)](${ctx.base}/users/${username})`;
  check.expect(
    (await page.getByLabel("Markdown for a README").inputValue()) === expected,
    "the snippet is the Markdown with this server's address",
  );
  await section.getByRole("button", { name: "Copy" }).click();
  await section.getByText("Copied to the clipboard.").waitFor({ timeout: 5000 });
  check.expect(
    (await page.evaluate(() => navigator.clipboard.readText())) === expected,
    "the copy button puts the snippet on the clipboard",
  );
  check.expect((await section.locator("[data-copy-button]").getAttribute("data-copied")) === "true", "the button shows the copied state");
  // The SVG is well-formed XML with a title, as a browser's XML parser reads it.
  const parsed = await page.evaluate(async (path) => {
    const text = await (await fetch(path)).text();
    const doc = new DOMParser().parseFromString(text, "image/svg+xml");
    return { error: doc.querySelector("parsererror") !== null, title: doc.querySelector("title")?.textContent ?? null, bytes: text.length };
  }, `/users/${username}/badge.svg`);
  check.expect(
    !parsed.error && parsed.title?.startsWith(`${username}: level`),
    `the badge parses as SVG with its title (${parsed.title}, ${parsed.bytes} bytes)`,
  );
  await context.close();
}

async function userSearch(check, ctx) {
  const context = await newContext(ctx);
  const page = await check.openPage(context);
  await goto(page, `${ctx.base}/`);
  await page.getByRole("link", { name: "Users", exact: true }).click();
  await page.waitForURL(`${ctx.base}/users`);
  await page.getByLabel("Username starts with").fill("BURST1");
  await page.getByRole("button", { name: "Search" }).click();
  await page.waitForLoadState("load");
  const names = await page.locator("[data-search-results] a").allTextContents();
  check.expect(
    JSON.stringify(names) === JSON.stringify(["burst1", "burst10", "burst11"]),
    `case-insensitive prefix search (${names.join(", ")})`,
  );
  await page.getByRole("link", { name: "burst10" }).click();
  await page.waitForURL(`${ctx.base}/users/burst10`);
  check.expect(true, "a result opens the profile");
  await goto(page, `${ctx.base}/users?q=nobody-by-this-name`);
  check.expect((await page.locator("[data-search-empty]").count()) === 1, "no match says so");
  await context.close();
}

async function aliasesPage(check, ctx) {
  const context = await newContext(ctx);
  const page = await check.openPage(context);
  await goto(page, `${ctx.base}/aliases`);
  const names = await page.locator("table.aliases tbody th").allTextContents();
  check.expect(names.includes("TypeScript") && names.length <= 50, `languages of public profiles, one page at most (${names.length})`);
  check.expected404.add(`${ctx.base}/aliases?page=0`); // answered 400 on purpose
  await goto(page, `${ctx.base}/aliases?page=0`, 400);
  await context.close();
}

export const showcaseChecks = [
  ["leaderboard page: header link, language board with ties, range tabs, links to profiles", leaderboardPage],
  ["profile badge: image, Markdown snippet, copy button puts it on the clipboard, well-formed SVG", badgeSnippet],
  ["user search from the header: case-insensitive prefix, results link to profiles", userSearch],
  ["aliases page: languages of public profiles, paged", aliasesPage],
];

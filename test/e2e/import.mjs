// Browser check of the import page: a person chooses a pulses.csv (or a WakaTime heartbeats dump),
// presses Import and watches the progress bar move to the end, then reads the summary (with a skipped
// line or heartbeat) and sees the XP on the profile.
import { goto, newContext, signUp } from "./site.mjs";

const ROWS = 60_000; // about 3.5 MB: four upload chunks and several processing steps, so the bar is seen moving
const unique = (prefix) => `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;

function pulsesCsv() {
  const start = Date.UTC(2019, 5, 1);
  let xp = 0;
  const lines = ["sent_at;sent_at_local;tz_offset;language;machine;amount"];
  for (let i = 0; i < ROWS; i++) {
    const at = start + Math.floor(i / 3) * 60_000;
    const utc = new Date(at).toISOString().slice(0, 19).replace("T", " ");
    const local = new Date(at + 7_200_000).toISOString().slice(0, 19).replace("T", " ");
    const amount = 1 + (i % 7);
    xp += amount;
    lines.push(`${utc}Z;${local};120;${["Elixir", "Rust", "Markdown"][i % 3]};imported box;${amount}`);
  }
  lines.splice(3, 0, "2019-06-01 00:00:00Z;2019-06-01 02:00:00;120;Elixir;imported box;many"); // line 4: malformed
  return { text: lines.join("\n") + "\n", xp: xp - 1 - 2 - 3, pulses: ROWS / 3 - 1 }; // its pulse (lines 2, 3 and 5) is skipped whole
}

const HEARTBEATS = 20_000; // about 4.5 MB: five upload chunks and twenty write steps

/** A WakaTime dump: one heartbeat every 30 s, Rust and Elixir alternating, on one machine (by id); heartbeat 3 has no entity. */
function heartbeatsDump() {
  const start = Date.UTC(2021, 2, 1) / 1000;
  const days = new Map();
  for (let i = 0; i < HEARTBEATS; i++) {
    const time = start + i * 30;
    const date = new Date(time * 1000).toISOString().slice(0, 10);
    if (!days.has(date)) days.set(date, []);
    days.get(date).push({
      id: `hb-${i}`,
      entity: i === 2 ? "" : `/home/me/app/src/file${i % 40}`,
      type: "file",
      category: "coding",
      time: time + 0.5,
      project: "app",
      language: i % 2 ? "Elixir" : "Rust",
      is_write: false,
      machine_name_id: "5f0e2c1a-77b4-4c3e-9d8e-0a1b2c3d4e5f",
      user_agent_id: "ua-1",
    });
  }
  const text = JSON.stringify({
    user: { id: "u-1", username: "someone" },
    range: { start, end: start + HEARTBEATS * 30 },
    days: [...days].map(([date, heartbeats]) => ({ date, heartbeats })),
  });
  // Every 2-minute slot holds four heartbeats, two of each language: two slots of 60 XP each.
  return { text, heartbeats: HEARTBEATS - 1, xp: (HEARTBEATS / 4) * 2 * 60 };
}

/**
 * Records every value the progress bar takes, with the phase the page names beside it, as someone
 * watching would see them (a fast server may pass a phase within one poll, so the test reads the
 * record afterwards instead of waiting for a phase to be on screen).
 */
async function sampleBar(page) {
  await page.evaluate(() => {
    const bar = document.getElementById("import-progress");
    const phase = document.getElementById("import-phase");
    window.__seen = [];
    const note = () => window.__seen.push({ text: phase.textContent ?? "", value: bar.value });
    new MutationObserver(note).observe(bar, { attributes: true });
    new MutationObserver(note).observe(phase, { childList: true, characterData: true, subtree: true });
    const record = () => {
      note();
      if (bar.value < 100) requestAnimationFrame(record);
    };
    requestAnimationFrame(record);
  });
}

/** The bar's first part-way value while the page named a processing phase (after the upload), and the phases named. */
async function processingSeen(page) {
  const seen = (await page.evaluate(() => window.__seen)).filter((s) => s.text && !s.text.startsWith("Uploading"));
  const midway = seen.find((s) => s.value > 0 && s.value < 100)?.value ?? null;
  return { midway, phases: [...new Set(seen.map((s) => s.text))] };
}

/** The bar moved forward only, stood part-way several times and ended at 100. */
async function checkBar(check, page, midway) {
  const values = (await page.evaluate(() => window.__seen)).map((s) => s.value);
  const during = [...new Set(values)].filter((v) => v > 0 && v < 100);
  check.expect(midway > 0 && midway < 100, `the bar stood part-way while the import ran (${midway}%)`);
  check.expect(during.length >= 3, `the bar showed ${during.length} values between 0 and 100 on its way`);
  check.expect(
    values.every((v, i) => i === 0 || v >= values[i - 1] || values[i - 1] === 100),
    "upload and processing each moved forward only",
  );
  check.expect((await page.locator("#import-progress").evaluate((bar) => bar.value)) === 100, "the bar ends at 100");
  check.expect((await page.locator("#import-percent").textContent()) === "100", "the percentage reads 100");
}

/** A new account that follows the preferences page's link to the import page, as a person would. */
async function openImportPage(check, ctx, prefix, link) {
  const context = await newContext(ctx);
  const page = await check.openPage(context);
  const username = unique(prefix);
  await signUp(page, ctx.base, username);
  await goto(page, `${ctx.base}/my/preferences`);
  await page.getByRole("link", { name: link }).click();
  await page.waitForURL(`${ctx.base}/my/import`);
  return { context, page, username };
}

async function importWakatimeDump(check, ctx) {
  const { context, page, username } = await openImportPage(check, ctx, "wak", /WakaTime heartbeats dump/);
  check.expect(await page.getByText(/From WakaTime, choose the heartbeats data dump/).isVisible(), "the page explains the WakaTime dump");

  const file = heartbeatsDump();
  await page
    .getByLabel("Export file")
    .setInputFiles({ name: "wakatime-heartbeats.json", mimeType: "application/json", buffer: Buffer.from(file.text) });
  await sampleBar(page);
  await page.getByRole("button", { name: "Import" }).click();
  await page.getByRole("heading", { name: "Summary" }).waitFor({ timeout: 180_000 });
  const { midway, phases } = await processingSeen(page);
  check.expect(
    phases.length >= 2 && phases.at(-1) === "Import finished",
    `the page named its processing, then the end: ${phases.join(", ")}`,
  );
  await checkBar(check, page, midway);
  const n = file.heartbeats.toLocaleString("en-US");
  const rowsText = await page.locator("#import-rows").textContent();
  check.expect(rowsText === `${n} of ${n} heartbeats done`, `heartbeats done: ${rowsText}`);
  const totals = await page.locator("#import-totals li").allTextContents();
  check.expect(totals[0] === `${n} heartbeats added (${n} read)`, `summary: ${totals[0]}`);
  check.expect(totals[2]?.startsWith(`${file.xp.toLocaleString("en-US")} XP from`), `summary: ${totals[2]}`);
  const problems = await page.locator("#import-problems li").allTextContents();
  check.expect(
    problems.length === 1 && problems[0] === "Heartbeat 3: entity is required",
    `the skipped heartbeat is listed with its number: ${problems.join(" | ")}`,
  );

  await goto(page, `${ctx.base}/users/${username}`);
  const html = await page.content();
  check.expect(html.includes(file.xp.toLocaleString("en-US")), `the profile shows the imported ${file.xp.toLocaleString("en-US")} XP`);
  check.expect(html.includes("WakaTime 5f0e2c1a"), "the profile lists the machine named after the dump's machine id");
  await context.close();
}

async function importWithProgress(check, ctx) {
  const { context, page, username } = await openImportPage(check, ctx, "imp", /import a Code::Stats/);

  const file = pulsesCsv();
  await page.getByLabel("Export file").setInputFiles({ name: "pulses.csv", mimeType: "text/csv", buffer: Buffer.from(file.text) });
  await sampleBar(page);
  await page.getByRole("button", { name: "Import" }).click();
  await page.getByRole("heading", { name: "Summary" }).waitFor({ timeout: 120_000 });
  const { midway, phases } = await processingSeen(page);
  check.expect(
    phases.length >= 2 && phases.at(-1) === "Import finished",
    `the page named its processing, then the end: ${phases.join(", ")}`,
  );

  await checkBar(check, page, midway);
  const rowsText = await page.locator("#import-rows").textContent();
  check.expect(
    /^[\d,]+ of [\d,]+ rows done$/.test(rowsText ?? "") &&
      rowsText.split(" of ")[0] === rowsText.split(" of ")[1].replace(" rows done", ""),
    `rows done: ${rowsText}`,
  );
  const totals = await page.locator("#import-totals li").allTextContents();
  check.expect(totals[0]?.startsWith(`${file.pulses.toLocaleString("en-US")} pulses added`), `summary: ${totals[0]}`);
  const problems = await page.locator("#import-problems li").allTextContents();
  check.expect(
    problems.length === 1 && problems[0] === 'Line 4: amount "many" is not a whole number of XP',
    `the skipped line is listed with its number: ${problems.join(" | ")}`,
  );
  check.expect(
    (await page.locator("#import-skipped-note").textContent())?.includes("3 more rows were skipped with them"),
    "the rows skipped with it are explained",
  );

  await goto(page, `${ctx.base}/users/${username}`);
  const html = await page.content();
  check.expect(html.includes(file.xp.toLocaleString("en-US")), `the profile shows the imported ${file.xp.toLocaleString("en-US")} XP`);
  check.expect(html.includes("imported box"), "the profile lists the imported machine");
  await context.close();
}

export const importChecks = [
  ["import: a pulses.csv uploaded with a live progress bar to the end, its summary, then the profile", importWithProgress],
  ["import: a WakaTime heartbeats dump with a live progress bar to the end, its summary, then the profile", importWakatimeDump],
];

// Browser check of the import page: a person chooses a pulses.csv, presses Import and watches the
// progress bar move to the end, then reads the summary (with a skipped line) and sees the XP on the profile.
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

async function importWithProgress(check, ctx) {
  const context = await newContext(ctx);
  const page = await check.openPage(context);
  const username = unique("imp");
  await signUp(page, ctx.base, username);
  await goto(page, `${ctx.base}/my/preferences`);
  await page.getByRole("link", { name: /import a Code::Stats/ }).click();
  await page.waitForURL(`${ctx.base}/my/import`);

  const file = pulsesCsv();
  await page.getByLabel("Export file").setInputFiles({ name: "pulses.csv", mimeType: "text/csv", buffer: Buffer.from(file.text) });
  // Sample the bar while the import runs, as someone watching it would see it.
  await page.evaluate(() => {
    const bar = document.getElementById("import-progress");
    window.__barValues = [];
    new MutationObserver(() => window.__barValues.push(bar.value)).observe(bar, { attributes: true });
    const record = () => {
      window.__barValues.push(bar.value);
      if (bar.value < 100) requestAnimationFrame(record);
    };
    requestAnimationFrame(record);
  });
  await page.getByRole("button", { name: "Import" }).click();
  await page.getByText("Adding pulses").waitFor({ timeout: 60_000 });
  const midway = await page.locator("#import-progress").evaluate((bar) => bar.value);
  await page.getByRole("heading", { name: "Summary" }).waitFor({ timeout: 120_000 });

  const values = await page.evaluate(() => window.__barValues);
  const during = [...new Set(values)].filter((v) => v > 0 && v < 100);
  check.expect(midway > 0 && midway < 100, `the bar stood part-way while pulses were added (${midway}%)`);
  check.expect(during.length >= 3, `the bar showed ${during.length} values between 0 and 100 on its way`);
  check.expect(
    values.every((v, i) => i === 0 || v >= values[i - 1] || values[i - 1] === 100),
    "upload and processing each moved forward only",
  );
  check.expect((await page.locator("#import-progress").evaluate((bar) => bar.value)) === 100, "the bar ends at 100");
  check.expect((await page.locator("#import-percent").textContent()) === "100", "the percentage reads 100");
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
];

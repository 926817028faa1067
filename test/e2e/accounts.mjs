// Browser check of the account flow against a running server (the production build under `wrangler dev`):
//   sign up -> add a machine -> the token is shown once, with a working copy button -> the token posts a pulse
//   -> reloading the page does not show the token again -> log out -> log in.
// Usage: node test/e2e/accounts.mjs http://127.0.0.1:8790   (Chromium at /usr/bin/chromium, or CHROMIUM=path)
import { launchBrowser } from "./harness.mjs";

const base = (process.argv[2] ?? "http://127.0.0.1:8787").replace(/\/$/, "");
const username = `e2e${Date.now().toString(36)}`;
const password = "plum orchard 77 lantern";

const browser = await launchBrowser();
const problems = [];
try {
  // Sign-up is rate-limited per client address; a local server takes the address from this header,
  // so repeated runs against one server do not use up the limit of 127.0.0.1.
  const address = `198.18.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`;
  const context = await browser.newContext({ extraHTTPHeaders: { "cf-connecting-ip": address } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    // Failed loads are reported through the response handler below (with their address).
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(`console: ${m.text()}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });

  await page.goto(`${base}/signup`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(`${base}/my/machines`);
  expect((await page.locator(".flash").textContent())?.includes("Welcome"), "welcome flash after sign-up");

  await page.getByLabel("Name").fill("E2E laptop");
  await page.getByRole("button", { name: "Add machine" }).click();
  await page.waitForURL(`${base}/my/machines`);
  const token = await page.getByRole("textbox", { name: "API token", exact: true }).inputValue();
  expect(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(token), `token shown (${token})`);
  await page.getByRole("button", { name: "Copy", exact: true }).click();
  await page.locator('[data-copy-status="new-token"]', { hasText: "Copied." }).waitFor({ timeout: 5000 });
  expect((await page.evaluate(() => navigator.clipboard.readText())) === token, "copy button puts the token on the clipboard");

  const pulse = await fetch(`${base}/api/my/pulses`, {
    method: "POST",
    headers: { "x-api-token": token, "content-type": "application/json" },
    body: JSON.stringify({ coded_at: new Date().toISOString(), xps: [{ language: "TypeScript", xp: 12 }] }),
  });
  expect(pulse.status === 201, `the new token posts a pulse (${pulse.status})`);

  await page.reload();
  expect(
    (await page.getByRole("textbox", { name: "API token", exact: true }).count()) === 0,
    "the token is not shown again after a reload",
  );
  expect((await page.content()).includes("12 XP"), "the machine shows its XP");

  await page.getByRole("button", { name: "Log out" }).click();
  await page.waitForURL(`${base}/`);
  await page.goto(`${base}/my/machines`);
  expect(page.url().startsWith(`${base}/login`), "signed out: /my/machines redirects to the log-in page");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(`${base}/my/machines`);
  expect((await page.getByRole("heading", { name: "E2E laptop" }).count()) === 1, "logged in again, back on the machines page");
} finally {
  await browser.close();
}

function expect(ok, what) {
  if (!ok) problems.push(`failed: ${what}`);
  else console.log(`ok: ${what}`);
}

if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log("account flow in the browser: all checks passed");

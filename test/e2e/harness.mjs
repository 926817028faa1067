// A small harness for the browser tests: named checks run one after another, each page opened
// through `openPage` records console errors (CSP violations included), page errors, dialogs and
// failed responses, and a check fails when any page it opened had one.
import { chromium } from "playwright-core";
import { existsSync } from "node:fs";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

export function chromiumPath() {
  const path = process.env.CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(path)) {
    throw new Error(
      `Chromium not found at ${path}: the browser tests need it (apt-get install chromium, or set CHROMIUM=/path/to/chromium)`,
    );
  }
  return path;
}

export function launchBrowser() {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
}

let addressCounter = 0;
/** A client address of its own per browser context: sign-up and log-in are rate-limited per address. */
export function clientAddress() {
  addressCounter++;
  return `198.18.${(process.pid + addressCounter) % 256}.${(addressCounter * 7 + Math.floor(Math.random() * 200)) % 256}`;
}

export class Check {
  constructor(name) {
    this.name = name;
    this.problems = [];
    this.notes = [];
    /** URLs that are meant to answer 404 (their console message about it is expected). */
    this.expected404 = new Set();
    /** Console errors this check provokes on purpose (e.g. failed reconnects while the server is down). */
    this.expectedConsole = [];
  }

  /** A new page in `context` whose errors count against this check. */
  async openPage(context) {
    const page = await context.newPage();
    page.on("pageerror", (e) => this.problems.push(`page error on ${page.url()}: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() !== "error") return;
      const at = m.location()?.url ?? "";
      if (m.text().startsWith("Failed to load resource") && this.expected404.has(at)) return;
      if (this.expectedConsole.some((pattern) => pattern.test(m.text()))) return;
      this.problems.push(`console error on ${page.url()}: ${m.text()}${at ? ` (${at})` : ""}`);
    });
    page.on("dialog", async (d) => {
      this.problems.push(`unexpected dialog on ${page.url()}: ${d.type()} ${d.message()}`);
      await d.dismiss();
    });
    page.on("response", (r) => {
      if (r.status() >= 400 && !this.expected404.has(r.url())) this.problems.push(`HTTP ${r.status()} for ${r.url()}`);
    });
    return page;
  }

  expect(ok, what) {
    if (ok) this.notes.push(what);
    else this.problems.push(`expected: ${what}`);
    return ok;
  }
}

/** Runs the checks in order; returns { passed, failed }. */
export async function runChecks(checks, context) {
  let passed = 0;
  let failed = 0;
  for (const [name, fn] of checks) {
    const check = new Check(name);
    const started = Date.now();
    try {
      await fn(check, context);
    } catch (error) {
      check.problems.push(`threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
    const ms = Date.now() - started;
    if (check.problems.length === 0) {
      passed++;
      console.log(`ok   ${name} (${ms} ms)`);
      for (const note of check.notes) console.log(`       ${note}`);
    } else {
      failed++;
      console.log(`FAIL ${name} (${ms} ms)`);
      for (const p of check.problems) console.log(`       ${p}`);
    }
  }
  return { passed, failed };
}

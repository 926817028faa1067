// Driving an import the way the page does: begin, upload chunks, start, poll until it ends.
import { expect } from "vitest";
import { IMPORT_CHUNK_BYTES, type ImportStatus } from "../../worker/domain/import/progress";
import { BASE } from "../helpers";
import type { Browser } from "../accounts/browser";

export async function importCall(
  browser: Browser,
  method: string,
  path: string,
  body?: BodyInit,
  headers: Record<string, string> = {},
): Promise<Response> {
  return browser.fetch(path, {
    method,
    headers: { origin: BASE, "x-csrf-token": await browser.csrfToken(), ...headers },
    ...(body === undefined ? {} : { body }),
  });
}

export async function beginUpload(browser: Browser, size: number, name = "pulses.csv"): Promise<ImportStatus> {
  const res = await importCall(browser, "POST", "/my/imports", JSON.stringify({ name, size }), { "content-type": "application/json" });
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json();
}

export async function putChunk(browser: Browser, id: string, n: number, bytes: Uint8Array): Promise<Response> {
  return importCall(browser, "PUT", `/my/imports/${id}/chunks/${n}`, bytes, { "content-type": "application/octet-stream" });
}

export async function startJob(browser: Browser, id: string): Promise<Response> {
  return importCall(browser, "POST", `/my/imports/${id}/start`);
}

export async function currentStatus(browser: Browser): Promise<ImportStatus> {
  const res = await browser.get("/my/imports/current");
  expect(res.status).toBe(200);
  const body = await res.json<{ import: ImportStatus | null }>();
  if (!body.import) throw new Error("no import");
  return body.import;
}

/** Waits (the object's alarm does the work) until the import is done or failed; returns every status seen. */
export async function waitForEnd(browser: Browser, timeoutMs = 120_000): Promise<ImportStatus[]> {
  const seen: ImportStatus[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await currentStatus(browser);
    seen.push(s);
    if (s.phase === "done" || s.phase === "failed") return seen;
    if (Date.now() > deadline) throw new Error(`import did not finish: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the running import reports a step being retried (a failure injected by the test); returns that status. */
export async function waitForRetry(browser: Browser): Promise<ImportStatus> {
  let status = await currentStatus(browser);
  for (let i = 0; i < 400 && !status.retrying; i++) {
    await new Promise((r) => setTimeout(r, 25));
    status = await currentStatus(browser);
  }
  return status;
}

/** Uploads `file` in chunks and starts the import (without waiting for it). */
export async function uploadAndStart(browser: Browser, file: Uint8Array | string, name = "pulses.csv"): Promise<void> {
  const bytes = typeof file === "string" ? new TextEncoder().encode(file) : file;
  const job = await beginUpload(browser, bytes.byteLength, name);
  for (let n = 0; n * IMPORT_CHUNK_BYTES < bytes.byteLength; n++) {
    const res = await putChunk(browser, job.id, n, bytes.subarray(n * IMPORT_CHUNK_BYTES, (n + 1) * IMPORT_CHUNK_BYTES));
    expect(res.status, await res.clone().text()).toBe(200);
  }
  expect((await startJob(browser, job.id)).status).toBe(202);
}

/** Uploads `file` in chunks, starts the import and waits for its end. */
export async function importFile(browser: Browser, file: Uint8Array | string, name = "pulses.csv"): Promise<ImportStatus> {
  await uploadAndStart(browser, file, name);
  return (await waitForEnd(browser)).at(-1)!;
}

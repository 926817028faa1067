// The import page: sends the chosen file in chunks (slices of the File, never read whole), resumes an
// upload the server already has part of, starts processing and polls the status until the summary.
import { XP_PER_SLOT } from "#worker/domain/heartbeat-xp";
import type { ImportStatus } from "#worker/domain/import/progress";
import { formatInt } from "../lib/format";

const POLL_MS = 400;

const form = document.getElementById("import-form") as HTMLFormElement;
const input = document.getElementById("import-file") as HTMLInputElement;
const button = document.getElementById("import-start") as HTMLButtonElement;
const card = document.getElementById("import-progress-card") as HTMLElement;
const bar = document.getElementById("import-progress") as HTMLProgressElement;
const csrf = form.dataset.csrf ?? "";

const PHASES: Record<ImportStatus["phase"], string> = {
  uploading: "Uploading",
  reading: "Reading the file",
  preparing: "Reading the file",
  writing: "Adding pulses",
  finishing: "Updating your profile",
  done: "Import finished",
  failed: "Import failed",
};

const UNITS: Record<ImportStatus["unit"], string> = { line: "Line", pulse: "Pulse", heartbeat: "Heartbeat" };

function text(id: string, value: string): void {
  document.getElementById(id)!.textContent = value;
}

async function call(method: string, path: string, body?: BodyInit, type?: string): Promise<Response> {
  const headers: Record<string, string> = { "x-csrf-token": csrf, accept: "application/json" };
  if (type) headers["content-type"] = type;
  return fetch(path, { method, headers, body, credentials: "same-origin" });
}

async function errorOf(res: Response): Promise<string> {
  try {
    return ((await res.json()) as { error?: string }).error ?? `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

function show(s: ImportStatus, uploadedBytes?: number): void {
  card.hidden = false;
  const uploading = s.phase === "uploading";
  const percent = uploading && uploadedBytes !== undefined ? Math.floor((100 * uploadedBytes) / s.size) : s.percent;
  bar.value = percent;
  text("import-percent", String(percent));
  const phase = s.phase === "writing" && s.kind === "heartbeats" ? "Adding heartbeats" : PHASES[s.phase];
  text("import-phase", s.retrying ? `${phase} (a step failed and is being retried: ${s.retrying})` : phase);
  if (uploading) text("import-rows", `${formatInt(uploadedBytes ?? s.bytesReceived)} of ${formatInt(s.size)} bytes sent`);
  else if (s.phase === "reading" || s.phase === "preparing") text("import-rows", `${formatInt(s.rowsRead)} ${rowsNoun(s)} read`);
  else text("import-rows", `${formatInt(s.rowsDone)} of ${formatInt(s.rowsToWrite)} ${rowsNoun(s)} done`);
  if (s.phase === "done" || s.phase === "failed") summarize(s);
}

function rowsNoun(s: ImportStatus): string {
  return s.kind === "heartbeats" ? "heartbeats" : "rows";
}

function item(list: HTMLElement, value: string): void {
  const li = document.createElement("li");
  li.textContent = value;
  list.append(li);
}

function summarize(s: ImportStatus): void {
  const totals = document.getElementById("import-totals")!;
  const problems = document.getElementById("import-problems")!;
  totals.replaceChildren();
  problems.replaceChildren();
  if (s.phase === "failed") {
    item(totals, `Nothing was imported: ${s.error ?? "the file could not be read."}`);
  } else if (s.kind === "heartbeats") {
    item(totals, `${formatInt(s.heartbeatsAdded)} heartbeats added (${formatInt(s.rowsRead)} read)`);
    item(totals, `${formatInt(s.heartbeatsPresent)} heartbeats you already had were skipped`);
    item(totals, `${formatInt(s.pulsesAdded * XP_PER_SLOT)} XP from ${formatInt(s.pulsesAdded)} two-minute slots`);
    item(totals, `${formatInt(s.machinesCreated)} machines created`);
  } else {
    item(totals, `${formatInt(s.pulsesAdded)} pulses added (${formatInt(s.rowsRead)} rows read)`);
    item(totals, `${formatInt(s.pulsesPresent)} pulses you already had were skipped`);
    item(totals, `${formatInt(s.machinesCreated)} machines created`);
  }
  const skipped = document.getElementById("import-skipped")!;
  skipped.hidden = s.problemCount === 0;
  const unit = UNITS[s.unit];
  const noun = s.kind === "heartbeats" ? "heartbeat" : "row";
  let note = `${formatInt(s.problemCount)} ${noun}${s.problemCount === 1 ? "" : "s"} could not be read`;
  if (s.rowsInBadPulses > 0)
    note += `; ${formatInt(s.rowsInBadPulses)} more rows were skipped with them because they belong to the same pulse`;
  if (s.problems.length < s.problemCount) note += ` (the first ${s.problems.length} are listed)`;
  text("import-skipped-note", `${note}.`);
  for (const p of s.problems) item(problems, `${unit} ${p.at}: ${p.message}`);
  document.getElementById("import-summary")!.hidden = false;
  button.disabled = false;
}

async function poll(): Promise<void> {
  for (;;) {
    const res = await fetch("/my/imports/current", { headers: { accept: "application/json" }, credentials: "same-origin" });
    if (!res.ok) throw new Error(await errorOf(res));
    const s = ((await res.json()) as { import: ImportStatus | null }).import;
    if (!s) throw new Error("the import is gone");
    show(s);
    if (s.phase === "done" || s.phase === "failed") return;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** The upload to continue: the server's unfinished one for this very file, or a new one. */
async function uploadFor(file: File): Promise<ImportStatus> {
  const current = await fetch("/my/imports/current", { headers: { accept: "application/json" }, credentials: "same-origin" });
  if (current.ok) {
    const s = ((await current.json()) as { import: ImportStatus | null }).import;
    if (s?.phase === "uploading" && s.fileName === file.name && s.size === file.size) return s;
  }
  const res = await call("POST", "/my/imports", JSON.stringify({ name: file.name, size: file.size }), "application/json");
  if (!res.ok) throw new Error(await errorOf(res));
  return (await res.json()) as ImportStatus;
}

async function run(file: File): Promise<void> {
  const job = await uploadFor(file);
  document.getElementById("import-summary")!.hidden = true;
  const todo =
    job.missingChunks.length > 0 && job.chunksTotal - job.chunksReceived === job.missingChunks.length
      ? job.missingChunks
      : Array.from({ length: job.chunksTotal }, (_, n) => n);
  let sent = job.chunksReceived > 0 ? job.bytesReceived : 0;
  show(job, sent);
  for (const n of todo) {
    const part = file.slice(n * job.chunkBytes, (n + 1) * job.chunkBytes);
    const res = await call("PUT", `/my/imports/${job.id}/chunks/${n}`, part, "application/octet-stream");
    if (!res.ok) throw new Error(await errorOf(res));
    sent += part.size;
    show(job, sent);
  }
  const started = await call("POST", `/my/imports/${job.id}/start`);
  if (!started.ok) throw new Error(await errorOf(started));
  await poll();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const file = input.files?.[0];
  if (!file) return;
  button.disabled = true;
  run(file).catch((error: unknown) => {
    card.hidden = false;
    text("import-phase", `Import stopped: ${error instanceof Error ? error.message : String(error)}. Choose the file again to resume.`);
    button.disabled = false;
  });
});

// A page opened while an import runs (or after one) shows it.
const initial = card.dataset.status ? (JSON.parse(card.dataset.status) as ImportStatus) : null;
if (initial) {
  show(initial);
  if (initial.phase !== "done" && initial.phase !== "failed" && initial.phase !== "uploading") {
    button.disabled = true;
    poll().catch(() => (button.disabled = false));
  }
}

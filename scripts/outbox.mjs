// `npm run outbox [-- --limit N] [-- --persist-to DIR]`: prints the mail captured in the local D1 outbox
// (the dev server keeps mail there when no `send_email` binding is configured), newest first.
import { wrangler } from "./lib.mjs";

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const limit = Math.max(1, Math.min(100, Number(option("--limit") ?? 5) || 5));
const persistTo = option("--persist-to");

const out = wrangler(
  [
    "d1",
    "execute",
    "DB",
    "--local",
    "--json",
    ...(persistTo ? ["--persist-to", persistTo] : []),
    "--command",
    `SELECT id, created_at, to_address, subject, text FROM outbox ORDER BY id DESC LIMIT ${limit}`,
  ],
  { capture: true },
);
const rows = JSON.parse(out).at(-1)?.results ?? [];
if (rows.length === 0) console.log("The outbox is empty.");
for (const row of rows) {
  console.log(`#${row.id}  ${new Date(row.created_at).toISOString()}  to ${row.to_address}`);
  console.log(`Subject: ${row.subject}\n`);
  console.log(row.text);
  console.log("-".repeat(72));
}

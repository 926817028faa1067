// `npm run db:migrate` / the deploy scripts: applies the D1 migrations to every partition's database
// bound in wrangler.toml (DB, DB_1, DB_2, ...; with `--env NAME`, that environment's bindings), passing
// the other arguments (`--local`, `--remote`, `--persist-to DIR`) on to `wrangler d1 migrations apply`.
import { readFileSync } from "node:fs";
import { wrangler } from "./lib.mjs";

const args = process.argv.slice(2);
const envName = args.includes("--env") ? args[args.indexOf("--env") + 1] : null;
const configIndex = args.findIndex((a) => a === "--config" || a === "-c");
const config = configIndex >= 0 ? args[configIndex + 1] : "wrangler.toml";

/** Binding names of the D1 tables `[[d1_databases]]` (or `[[env.NAME.d1_databases]]`) of a wrangler.toml. */
export function partitionBindings(toml, env) {
  const wanted = env ? `[[env.${env}.d1_databases]]` : "[[d1_databases]]";
  const out = [];
  let inside = false;
  for (const line of toml.split("\n").map((l) => l.trim())) {
    if (line.startsWith("[")) inside = line === wanted;
    const m = inside ? /^binding\s*=\s*"([^"]+)"/.exec(line) : null;
    if (m && /^DB(?:_\d+)?$/.test(m[1])) out.push(m[1]);
  }
  return out;
}

const bindings = partitionBindings(readFileSync(config, "utf8"), envName);
if (bindings.length === 0) throw new Error(`no D1 binding DB in ${config}${envName ? ` [env.${envName}]` : ""}`);
for (const binding of bindings) {
  console.log(`migrations for ${binding}:`);
  wrangler(["d1", "migrations", "apply", binding, ...args]);
}

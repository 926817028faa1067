// Seeds a demo user and machine when the local database has no users, and prints its API token.
// `npm run seed -- --force [--persist-to DIR]` issues a fresh token for the demo machine (tokens are
// stored hashed, so a lost one cannot be shown again).
import { d1, hashToken, newToken, sqlString } from "./lib.mjs";

const USERNAME = "demo";
const MACHINE = "demo-machine";

/**
 * Returns the lines to show: the new token with a curl and the plugin settings, or, on a database that
 * already has users, how to get a token.
 */
export function seedDemo({ force = false, url = "http://127.0.0.1:8787", persistTo } = {}) {
  const [{ n }] = d1("SELECT count(*) AS n FROM users", persistTo);
  const token = newToken();
  if (n === 0) {
    const now = Date.now();
    d1(
      `INSERT INTO users (username, username_key, created_at) VALUES (${sqlString(USERNAME)}, ${sqlString(USERNAME)}, ${now});
       INSERT INTO machines (user_id, name, token_hash, created_at)
         VALUES ((SELECT id FROM users WHERE username_key = ${sqlString(USERNAME)}), ${sqlString(MACHINE)}, ${sqlString(hashToken(token))}, ${now});`,
      persistTo,
    );
  } else if (force) {
    const rows = d1(
      `UPDATE machines SET token_hash = ${sqlString(hashToken(token))}, active = 1
       WHERE name = ${sqlString(MACHINE)} AND user_id = (SELECT id FROM users WHERE username_key = ${sqlString(USERNAME)}) RETURNING id`,
      persistTo,
    );
    if (rows.length === 0) return [`No "${USERNAME}" user with a "${MACHINE}" machine in this database; nothing to do.`];
  } else {
    const seed = `npm run seed -- --force${persistTo ? ` --persist-to ${persistTo}` : ""}`;
    return [
      `The local database already has ${n} user(s), so no demo user was created now; its token was shown`,
      `when it was created. \`${seed}\` issues a new demo token and prints it`,
      `(or sign up at ${url}/signup and add a machine).`,
    ];
  }
  return instructions(token, url);
}

function instructions(token, url) {
  const codedAt = new Date().toISOString().slice(0, 19) + "Z";
  return [
    `Demo user "${USERNAME}", machine "${MACHINE}"; its API token (shown only now):`,
    `  ${token}`,
    `Post a pulse:`,
    `  curl -i -X POST ${url}/api/my/pulses -H 'Content-Type: application/json' -H 'X-API-Token: ${token}' \\`,
    `    -d '{"coded_at":"${codedAt}","xps":[{"language":"TypeScript","xp":42}]}'`,
    `Profile: ${url}/users/${USERNAME} (API: curl ${url}/api/users/${USERNAME})`,
    `Editor plugins: API key = the token; API URL = ${url}/ (vim: let g:codestats_api_url = '${url}/'),`,
    `  ${url}/api/ (VS Code "codestats.apiurl"), ${url}/api/my/pulses/ (JetBrains, Atom, Sublime).`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf("--persist-to");
  console.log(seedDemo({ force: process.argv.includes("--force"), persistTo: at > 0 ? process.argv[at + 1] : undefined }).join("\n"));
}

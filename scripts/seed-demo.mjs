// Seeds a demo user and machine when the local database has no users, and prints its API token.
// `npm run seed -- --force` issues a fresh token for the demo machine (tokens are stored hashed,
// so a lost one cannot be shown again).
import { d1, hashToken, newToken, sqlString } from "./lib.mjs";

const USERNAME = "demo";
const MACHINE = "demo-machine";

export function seedDemo({ force = false, port = 8787 } = {}) {
  const [{ n }] = d1("SELECT count(*) AS n FROM users");
  const token = newToken();
  if (n === 0) {
    const now = Date.now();
    d1(
      `INSERT INTO users (username, username_key, created_at) VALUES (${sqlString(USERNAME)}, ${sqlString(USERNAME)}, ${now});
       INSERT INTO machines (user_id, name, token_hash, created_at)
         VALUES ((SELECT id FROM users WHERE username_key = ${sqlString(USERNAME)}), ${sqlString(MACHINE)}, ${sqlString(hashToken(token))}, ${now});`,
    );
  } else if (force) {
    const rows = d1(
      `UPDATE machines SET token_hash = ${sqlString(hashToken(token))}, active = 1
       WHERE name = ${sqlString(MACHINE)} AND user_id = (SELECT id FROM users WHERE username_key = ${sqlString(USERNAME)}) RETURNING id`,
    );
    if (rows.length === 0) {
      console.log(`No "${USERNAME}" user with a "${MACHINE}" machine in this database; nothing to do.`);
      return;
    }
  } else {
    console.log(`Local database already has ${n} user(s); not seeding. \`npm run seed -- --force\` prints a new demo token.`);
    return;
  }
  printInstructions(token, `http://127.0.0.1:${port}`);
}

function printInstructions(token, url) {
  const codedAt = new Date().toISOString().slice(0, 19) + "Z";
  console.log(`
Demo user "${USERNAME}" with machine "${MACHINE}". Its API token (shown only now):

  ${token}

Post a pulse:
  curl -i -X POST ${url}/api/my/pulses \\
    -H 'Content-Type: application/json' -H 'X-API-Token: ${token}' \\
    -d '{"coded_at":"${codedAt}","xps":[{"language":"TypeScript","xp":42}]}'

Read the profile:  curl ${url}/api/users/${USERNAME}
Profile page:      ${url}/users/${USERNAME}

Editor plugins: set the API URL to ${url} (vim: let g:codestats_api_url = '${url}/';
VS Code: "codestats.apiurl": "${url}/api/"; JetBrains/Atom/Sublime: ${url}/api/my/pulses/) and the API key to the token above.
`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  seedDemo({ force: process.argv.includes("--force") });
}

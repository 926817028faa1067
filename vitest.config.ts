import { defineConfig } from "vitest/config";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest({
        // The API-only entry: Astro's virtual modules exist only inside the Astro build.
        main: "./worker/app-entry.ts",
        wrangler: { configPath: "./wrangler.toml" },
        // Tests have no request location: pulses get map dots at this fallback, as in local dev.
        miniflare: {
          // DB_1: a second partition (test/partitions); empty databases: the backup tests restore dumps into them.
          d1Databases: { DB_1: "partition-1", RESTORE_DB: "restore-test", RESTORE_DB_2: "restore-test-2" },
          bindings: {
            TEST_MIGRATIONS: migrations,
            FALLBACK_COORDS: "60.17,24.94",
            // Sign-ups land on partition 0 unless a test says otherwise (test/partitions places users on DB_1).
            NEW_USER_PARTITIONS: "0",
            // The test origin (test/helpers.ts BASE): forms are accepted from it and reset links use it.
            PUBLIC_ORIGIN: "http://pulse.test",
            // Shared pulse writes settle one request's promise from another request, which this
            // runner's runtime cannot do (the request hangs); the browser tests cover them under
            // `wrangler dev`, and test/db/group-commit.test.ts covers the mechanism itself.
            PULSE_GROUP_COMMIT: "off",
            // Every leaderboard read takes in D1's latest pulses first.
            LEADERBOARD_MAX_AGE_MS: "0",
            // `npm run fuzz` sets 10,000; the default is the bounded run of `npm test`.
            FUZZ_ITERATIONS: process.env.FUZZ_ITERATIONS ?? "1500",
            FUZZ_SEED: process.env.FUZZ_SEED ?? "20261126",
          },
        },
      }),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      exclude: ["test/e2e/**"],
      setupFiles: ["./test/apply-migrations.ts"],
      teardownTimeout: 60_000,
      // The Worker logs every refused request (a JSON line at level "warn"); tests make thousands on
      // purpose. Not printed here; test/observability reads them through console spies.
      onConsoleLog: (line: string) => !line.startsWith('{"level":"warn","message":"request failed"'),
      testTimeout: 60_000,
    },
  };
});

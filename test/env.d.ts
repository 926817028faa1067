type WorkerEnv = import("../worker/env").Env;

declare namespace Cloudflare {
  interface Env extends WorkerEnv {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    FUZZ_ITERATIONS?: string;
    FUZZ_SEED?: string;
    RESTORE_DB: D1Database;
    RESTORE_DB_2: D1Database;
  }
  interface GlobalProps {
    mainModule: typeof import("../worker/app-entry");
    durableNamespaces: "UserStats" | "FeedShard" | "GlobalFeed" | "FeedRelay" | "ImportJob" | "Leaderboards";
  }
}

type WorkerEnv = import("../worker/env").Env;

declare namespace Cloudflare {
  interface Env extends WorkerEnv {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    FUZZ_ITERATIONS?: string;
    FUZZ_SEED?: string;
  }
  interface GlobalProps {
    mainModule: typeof import("../worker/app-entry");
    durableNamespaces: "UserStats" | "FeedShard" | "GlobalFeed" | "FeedRelay" | "Leaderboards";
  }
}

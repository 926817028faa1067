type WorkerEnv = import("../worker/env").Env;

declare namespace Cloudflare {
  interface Env extends WorkerEnv {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
  interface GlobalProps {
    mainModule: typeof import("../worker/app-entry");
    durableNamespaces: "UserStats" | "FeedShard" | "GlobalFeed" | "FeedRelay";
  }
}

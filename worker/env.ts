// Bindings of the Worker (see wrangler.toml).
export interface Env {
  DB: D1Database;
}

export interface AppEnv {
  Bindings: Env;
}

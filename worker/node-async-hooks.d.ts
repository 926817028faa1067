// The one Node.js API the Worker uses (nodejs_compat is on by default since compatibility date 2026-08-04).
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined;
    run<R>(store: T, callback: () => R): R;
  }
}

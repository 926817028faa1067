// Calls to a Durable Object off the response path: an object being evicted or restarted fails the
// call, so it is tried again on a fresh stub with a short backoff, then given up (and logged).
import { errorMessage, log } from "../observability/log";

export async function callWithRetries(attempts: number, call: () => Promise<unknown>, onGiveUp: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await call();
      return;
    } catch (error) {
      if (attempt >= attempts) {
        log("error", onGiveUp, { error: errorMessage(error) });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
}

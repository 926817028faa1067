// Calls to a Durable Object off the response path: an object being evicted or restarted fails the
// call, so it is tried again on a fresh stub with a short backoff, then given up (and logged).
export async function callWithRetries(attempts: number, call: () => Promise<unknown>, onGiveUp: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await call();
      return;
    } catch (error) {
      if (attempt >= attempts) {
        console.error(onGiveUp, error instanceof Error ? error.message : String(error));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
}

// Reconnect delays for the live sockets: exponential from 1 s, capped at 60 s, with jitter over the
// upper half so that many pages losing the same server do not come back in step.
const FIRST_RETRY_MS = 1_000;
export const MAX_RETRY_MS = 60_000;

/** Delay before reconnect attempt `attempt` (0-based); `random` returns [0, 1). */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(Math.max(attempt, 0), 16));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

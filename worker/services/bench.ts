// Benchmark-only work behind routes/bench.ts: synthetic front-page pulses handed straight to the
// aggregator shards (as user objects would), grouped into one call per shard.
import type { Env } from "../env";
import type { FeedPulse } from "../domain/feed";
import { feedShardFor } from "../objects/stubs";

/** Pulses `first` .. `first + count - 1`, spread over pseudo-users; returns how many shards got some. */
export async function feedSyntheticPulses(env: Env, first: number, count: number, now: number): Promise<number> {
  const shards = new Map<string, { stub: ReturnType<typeof feedShardFor>; pulses: FeedPulse[] }>();
  for (let id = first; id < first + count; id++) {
    const stub = feedShardFor(env, id % 997); // pseudo-users spread the pulses over the shards as real users would
    const key = stub.id.toString();
    const entry = shards.get(key) ?? { stub, pulses: [] };
    entry.pulses.push({ pulseId: id, codedAt: now - (id % 60) * 1000, xps: [{ language: `Bench${id % 12}`, amount: 1 }], coords: null });
    shards.set(key, entry);
  }
  await Promise.all([...shards.values()].map((s) => s.stub.addPulses(s.pulses)));
  return shards.size;
}

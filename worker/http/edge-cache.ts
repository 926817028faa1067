// The Cache API at the edge for small public documents: a hit is answered from the data center's
// cache; a miss is produced, answered and stored (after the response) under the same key.

export async function fromEdgeCache(
  key: string,
  ctx: { waitUntil(p: Promise<unknown>): void },
  produce: () => Promise<Response>,
): Promise<Response> {
  const cache = caches.default;
  const hit = await cache.match(key);
  if (hit) {
    const out = new Response(hit.body, hit);
    out.headers.set("x-edge-cache", "hit");
    return out;
  }
  const fresh = await produce();
  ctx.waitUntil(cache.put(key, fresh.clone()));
  const out = new Response(fresh.body, fresh);
  out.headers.set("x-edge-cache", "miss");
  return out;
}

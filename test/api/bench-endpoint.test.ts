// The benchmark-only endpoints are off unless the server was started for benchmarks.
import { expect, it } from "vitest";
import { api } from "../helpers";

it.each(["feed-pulses", "reference-insert"])("%s answers 404 like any unknown route when BENCH_ENDPOINTS is not set", async (name) => {
  const res = await api(`/api/_bench/${name}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"first":1,"count":10}',
  });
  expect(res.status).toBe(404);
  expect(await res.json()).toEqual({ error: "Route not found." });
});

it("pulse-writes answers 404 like any unknown route when BENCH_ENDPOINTS is not set", async () => {
  const res = await api("/api/_bench/pulse-writes");
  expect(res.status).toBe(404);
  expect(await res.json()).toEqual({ error: "Route not found." });
});

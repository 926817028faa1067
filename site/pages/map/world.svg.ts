// The front page's world map, generated once at build time into a static, cacheable file.
import type { APIRoute } from "astro";
import land from "world-atlas/land-110m.json";
import type { GeometryCollection, Topology } from "topojson-specification";
import { worldMapSvg } from "../../lib/world-map";

export const prerender = true;

export const GET: APIRoute = () =>
  new Response(worldMapSvg(land as unknown as Topology<{ land: GeometryCollection }>), {
    headers: { "content-type": "image/svg+xml" },
  });

// Builds the front page's world map (land only, Natural Earth 1:110m from the world-atlas package)
// as a small SVG: d3-geo projects and cuts at the antimeridian, then the path is rewritten with
// integer, relative coordinates (about 6 KB gzipped). Runs once, at build time.
import { geoEquirectangular, geoPath } from "d3-geo";
import { feature } from "topojson-client";
import type { Topology, GeometryCollection } from "topojson-specification";
import type { FeatureCollection, MultiPolygon, Position } from "geojson";
import { MAP_BOTTOM_LAT, MAP_HEIGHT, MAP_TOP_LAT, MAP_WIDTH } from "./map-projection";

export function worldMapSvg(topology: Topology<{ land: GeometryCollection }>): string {
  const land = feature(topology, topology.objects.land) as FeatureCollection<MultiPolygon>;
  // Polygons entirely south of the map's edge (Antarctica) are left out.
  for (const f of land.features) {
    f.geometry.coordinates = f.geometry.coordinates.filter((polygon) => polygon[0]!.some(([, lat]) => lat! > MAP_BOTTOM_LAT));
  }
  const projection = geoEquirectangular()
    .scale(MAP_WIDTH / (2 * Math.PI))
    .translate([MAP_WIDTH / 2, (MAP_TOP_LAT * MAP_WIDTH) / 360])
    .precision(0.2);
  const absolute = geoPath(projection).digits(1)(land) ?? "";
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${MAP_WIDTH} ${MAP_HEIGHT}"><path fill="#000" d="${compactPath(absolute)}"/></svg>\n`;
}

/** "M1,2L3,4Z..." → integer relative coordinates without repeated points. */
export function compactPath(d: string): string {
  let out = "";
  for (const sub of d.split("M").filter(Boolean)) {
    const points: Position[] = [];
    for (const pair of sub.replace(/Z$/, "").split("L")) {
      const [x, y] = pair.split(",").map((v) => Math.round(Number(v)));
      const last = points.at(-1);
      if (!last || last[0] !== x || last[1] !== y) points.push([x!, y!]);
    }
    if (points.length < 3) continue;
    const [x0, y0] = points[0]!;
    let s = `M${x0}${signed(y0!)}l`;
    for (let i = 1; i < points.length; i++) {
      const dx = points[i]![0]! - points[i - 1]![0]!;
      const dy = points[i]![1]! - points[i - 1]![1]!;
      s += (i === 1 && dx >= 0 ? String(dx) : signed(dx)) + signed(dy);
    }
    out += `${s}z`;
  }
  return out;
}

const signed = (n: number) => (n < 0 ? String(n) : ` ${n}`);

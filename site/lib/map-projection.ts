// The front page map's projection (equirectangular, cropped to 84°N-58°S): the build-time SVG
// (site/pages/map/world.svg.ts) and the live dots (site/scripts/front-page.ts) both use it.
export const MAP_WIDTH = 2000;
export const MAP_TOP_LAT = 84;
export const MAP_BOTTOM_LAT = -58;
const PER_DEGREE = MAP_WIDTH / 360;
export const MAP_HEIGHT = Math.round((MAP_TOP_LAT - MAP_BOTTOM_LAT) * PER_DEGREE);

/** Position of (lat, lon) on the map in percent of its width and height (null when off the map). */
export function mapPosition(lat: number, lon: number): { x: number; y: number } | null {
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || lat > MAP_TOP_LAT || lat < MAP_BOTTOM_LAT || Math.abs(lon) > 180) return null;
  return { x: ((lon + 180) / 360) * 100, y: (((MAP_TOP_LAT - lat) * PER_DEGREE) / MAP_HEIGHT) * 100 };
}

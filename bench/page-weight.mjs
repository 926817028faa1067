// What a page costs to load: its HTML plus every script and stylesheet it loads (following the
// scripts' static imports), in bytes as the server sends them with `Accept-Encoding: gzip` and
// uncompressed. Used by `npm run bench` (pages suite) and by the browser tests (the 100 KB budget).
import http from "node:http";
import { gunzipSync } from "node:zlib";

/** GET with gzip accepted; returns the body as sent (compressed when the server compressed it) and decoded. */
export function fetchRaw(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { "accept-encoding": "gzip", ...headers } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const wire = Buffer.concat(chunks);
        const gzipped = res.headers["content-encoding"] === "gzip";
        const body = gzipped ? gunzipSync(wire) : wire;
        resolve({
          status: res.statusCode,
          headers: res.headers,
          wireBytes: wire.length,
          rawBytes: body.length,
          text: body.toString("utf8"),
        });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

const SCRIPT_SRC = /<script\b[^>]*\bsrc="([^"]+)"/g;
const STYLESHEET = /<link\b[^>]*\brel="(?:stylesheet|modulepreload)"[^>]*>/g;
const HREF = /\bhref="([^"]+)"/;
const JS_IMPORT = /(?:\bimport\s*\(?\s*|\bfrom\s*)["']([^"']+\.js)["']/g;

/**
 * The page at `path` and everything it loads. Returns bytes per kind:
 * `{ html, js, css, total }`, each `{ wire, raw, files }`.
 */
export async function pageWeight(base, path, headers = {}) {
  const page = await fetchRaw(new URL(path, base).href, headers);
  if (page.status !== 200) throw new Error(`${path} answered ${page.status}`);
  const sizes = {
    html: { wire: page.wireBytes, raw: page.rawBytes, files: [path] },
    js: { wire: 0, raw: 0, files: [] },
    css: { wire: 0, raw: 0, files: [] },
  };
  const seen = new Set();
  const queue = [];
  for (const m of page.text.matchAll(SCRIPT_SRC)) queue.push(new URL(m[1], new URL(path, base)).href);
  for (const m of page.text.matchAll(STYLESHEET)) {
    const href = HREF.exec(m[0])?.[1];
    if (href) queue.push(new URL(href, new URL(path, base)).href);
  }
  while (queue.length > 0) {
    const url = queue.shift();
    if (seen.has(url) || new URL(url).origin !== new URL(base).origin) continue;
    seen.add(url);
    const res = await fetchRaw(url);
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
    const kind = url.endsWith(".css") ? "css" : "js";
    sizes[kind].wire += res.wireBytes;
    sizes[kind].raw += res.rawBytes;
    sizes[kind].files.push(new URL(url).pathname);
    if (kind === "js") for (const m of res.text.matchAll(JS_IMPORT)) queue.push(new URL(m[1], url).href);
  }
  const total = { wire: sizes.html.wire + sizes.js.wire + sizes.css.wire, raw: sizes.html.raw + sizes.js.raw + sizes.css.raw };
  return { ...sizes, total };
}

export const kb = (bytes) => Math.round(bytes / 102.4) / 10;

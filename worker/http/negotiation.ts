// Request-shape checks the original performs before its handlers run.

/** Like Phoenix's `accepts ["json"]`: no Accept header, a wildcard or JSON passes; anything else is 406. */
export function acceptsJson(accept: string | null): boolean {
  if (accept === null || accept.trim() === "") return true;
  for (const range of accept.split(",")) {
    const [type = "", ...params] = range.split(";").map((s) => s.trim().toLowerCase());
    if (params.some((p) => /^q=0(\.0*)?$/.test(p.replaceAll(" ", "")))) continue;
    if (type === "*/*" || type === "application/*" || type === "application/json" || /^application\/[^/]+\+json$/.test(type)) {
      return true;
    }
  }
  return false;
}

/** Plug.Parsers only decodes JSON bodies sent as application/json (or a +json type). */
export function isJsonContentType(contentType: string | null): boolean {
  if (!contentType) return false;
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  return type === "application/json" || /^application\/[^/]+\+json$/.test(type);
}

/** Collapses repeated slashes and drops a trailing one, so `/api//my/pulses/` routes like `/api/my/pulses`. */
export function normalizePath(pathname: string): string {
  const collapsed = pathname.replace(/\/{2,}/g, "/");
  return collapsed.length > 1 && collapsed.endsWith("/") ? collapsed.slice(0, -1) : collapsed;
}

/** A WebSocket upgrade request (the header's value is case-insensitive). */
export function isWebSocketUpgrade(request: Request): boolean {
  return request.headers.get("upgrade")?.toLowerCase() === "websocket";
}

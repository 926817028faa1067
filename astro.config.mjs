import { createHash } from "node:crypto";
import { defineConfig } from "astro/config";
import cloudflare from "@astrojs/cloudflare";
import { THEME_INIT_SCRIPT } from "./site/lib/theme-init.mjs";

/** CSP hash of the one inline script (the theme choice applied before the first paint). */
const themeInitHash = `sha256-${createHash("sha256").update(THEME_INIT_SCRIPT).digest("base64")}`;

export default defineConfig({
  srcDir: "./site",
  publicDir: "./site/public",
  output: "server",
  session: false,
  adapter: cloudflare({ imageService: "passthrough" }),
  // The changelog is Markdown without code blocks; Shiki's inline styles would not pass the CSP anyway.
  markdown: { syntaxHighlight: false },
  security: {
    // Astro sends a Content-Security-Policy header on every on-demand page, with hashes for the scripts
    // and styles it emits (no 'unsafe-inline' scripts). worker/http/security-headers.ts completes it.
    csp: {
      directives: [
        "default-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
      ],
      scriptDirective: { hashes: [themeInitHash] },
      // Inline style attributes (style="...") stay allowed; inline <script> and event handlers do not.
      styleDirective: { resources: [{ resource: "'unsafe-inline'", kind: "attribute" }] },
    },
  },
});

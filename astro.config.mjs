import { defineConfig } from "astro/config";
import cloudflare from "@astrojs/cloudflare";

export default defineConfig({
  srcDir: "./site",
  publicDir: "./site/public",
  output: "server",
  session: false,
  adapter: cloudflare({ imageService: "passthrough" }),
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
      // Inline style attributes (style="...") stay allowed; inline <script> and event handlers do not.
      styleDirective: { resources: [{ resource: "'unsafe-inline'", kind: "attribute" }] },
    },
  },
});

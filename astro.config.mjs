import { defineConfig } from "astro/config";
import cloudflare from "@astrojs/cloudflare";

export default defineConfig({
  srcDir: "./site",
  publicDir: "./site/public",
  output: "server",
  session: false,
  adapter: cloudflare({ imageService: "passthrough" }),
});

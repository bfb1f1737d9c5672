import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The app is served by Tauri from ui/dist under a strict CSP: no inline scripts or
// styles, so everything is emitted as files.
export default defineConfig({
  plugins: [svelte()],
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "safari16",
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  clearScreen: false,
});

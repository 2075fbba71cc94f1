// Vite builds the UI into ui/dist, which the Tauri shell embeds at compile time.
import { defineConfig } from "vitest/config";
import { svelte } from "@sveltejs/vite-plugin-svelte";

export default defineConfig(({ mode }) => ({
  plugins: [svelte()],
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  build: {
    target: ["es2022", "safari15"],
    outDir: "dist",
    emptyOutDir: true,
    // Nothing is inlined as a data: URL beyond what the CSP's img-src allows.
    assetsInlineLimit: 0,
  },
  // Tests (mode "test" under vitest) mount components in the browser build of Svelte.
  resolve: mode === "test" ? { conditions: ["browser"] } : undefined,
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
    setupFiles: ["src/test-setup.ts"],
    // styles.test.ts reads the app's stylesheet as text; other CSS stays out of tests.
    css: { include: [/src\/styles\.css/] },
  },
}));

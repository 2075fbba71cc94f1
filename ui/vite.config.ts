// Vite builds the UI into ui/dist, which the Tauri shell embeds at compile time.
import { defineConfig } from "vitest/config";

export default defineConfig({
  // Preact's JSX runtime through esbuild: no framework plugin needed.
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  build: {
    target: ["es2022", "safari15"],
    outDir: "dist",
    emptyOutDir: true,
    // Nothing is inlined as a data: URL beyond what the CSP's img-src allows.
    assetsInlineLimit: 0,
  },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});

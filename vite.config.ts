/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from "vite";
import solid from "vite-plugin-solid";
import { VitePWA } from "vite-plugin-pwa";

/**
 * The app's stylesheet is preloaded rather than linked: a linked stylesheet holds the first paint back until it has
 * come down the connection, and index.html's frame has its own rules inline. The app applies it before drawing
 * (client/boot.ts, `applyStyles`).
 */
function stylesAfterFirstPaint(): Plugin {
  return {
    name: "cadenas-styles-after-first-paint",
    apply: "build",
    transformIndexHtml: {
      order: "post",
      handler: (html) => html.replace(/<link rel="stylesheet"( crossorigin)? href="([^"]+\.css)">/g, '<link rel="preload" as="style"$1 href="$2" data-app-styles>'),
    },
  };
}

// The client lives in client/ and builds to dist/client, which the server serves. The service worker precaches
// the app shell so that a reload with no signal still opens the app.
export default defineConfig({
  root: "client",
  publicDir: "../public",
  // The manifest (dist/client/.vite/manifest.json) tells which chunks the first screen loads: the size budget reads
  // it (bench/support/first-screen.ts).
  build: { outDir: "../dist/client", emptyOutDir: true, target: "es2022", sourcemap: true, manifest: true },
  server: { proxy: { "/api": "http://127.0.0.1:8080" } },
  plugins: [
    solid(),
    stylesAfterFirstPaint(),
    VitePWA({
      registerType: "prompt",
      injectRegister: false,
      strategies: "generateSW",
      includeAssets: ["favicon.svg", "apple-touch-icon.png"],
      manifest: {
        name: "Cadenas — impayés self-stockage",
        short_name: "Cadenas",
        description: "Suivi des impayés sur site : appels, relances, double cadenas, codes d'accès.",
        lang: "fr",
        dir: "ltr",
        start_url: "/",
        scope: "/",
        display: "standalone",
        orientation: "portrait",
        theme_color: "#16324f",
        background_color: "#f4f6f9",
        icons: [
          { src: "/icons/icon-192.png", sizes: "192x192", type: "image/png", purpose: "any" },
          { src: "/icons/icon-512.png", sizes: "512x512", type: "image/png", purpose: "any" },
          { src: "/icons/icon-maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
        ],
      },
      workbox: {
        globPatterns: ["**/*.{js,css,html,svg,png,webmanifest}"],
        navigateFallback: "/index.html",
        navigateFallbackDenylist: [/^\/api\//],
        cleanupOutdatedCaches: true,
        clientsClaim: true,
      },
    }),
  ],
  test: {
    projects: [
      {
        // Client code: Solid components and browser-side modules, in jsdom.
        extends: true,
        test: {
          name: "client",
          environment: "jsdom",
          root: ".",
          include: ["tests/unit/client/**/*.test.{ts,tsx}"],
        },
      },
      {
        // Server and shared code in plain Node. It must not extend the root config: the Solid plugin adds the
        // `browser` resolve condition, which would load @libsql/client's web build.
        test: {
          name: "server",
          root: ".",
          environment: "node",
          include: ["tests/unit/{server,shared}/**/*.test.ts", "tests/integration/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Servers started as processes inherit it: their JSON request lines stay out of the tests' output.
          env: { LOG_LEVEL: "silent" },
        },
      },
      {
        // Real Chromium against the real server and the built client.
        test: {
          name: "e2e",
          root: ".",
          environment: "node",
          include: ["tests/e2e/**/*.test.ts"],
          globalSetup: ["tests/e2e/global-setup.ts"],
          fileParallelism: false,
          env: { LOG_LEVEL: "silent" },
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});

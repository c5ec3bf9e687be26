import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import type { Hono } from "hono";
import type { AppEnv } from "./context";

/**
 * Serves the built client from `clientDir`: hashed assets cached for a year, the shell, manifest and service
 * worker always revalidated (a stale service worker would pin users to an old version), and every other
 * page path answered with index.html so that deep links work.
 */
export function serveClient(app: Hono<AppEnv>, clientDir: string): void {
  const root = resolve(clientDir);
  const rootRelative = relative(process.cwd(), root) || ".";
  const setCacheHeaders = (path: string, c: { header(name: string, value: string): void }) => {
    const immutable = path.includes("/assets/") && /-[\w-]{8,}\.\w+$/.test(path);
    c.header("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
  };

  if (!existsSync(join(root, "index.html"))) {
    app.get("*", (c) => c.text("The client is not built yet: run `npm run build` (npm start does it for you).", 503));
    return;
  }
  app.use("*", serveStatic({ root: rootRelative, onFound: setCacheHeaders }));
  app.get("*", serveStatic({ root: rootRelative, path: "index.html", onFound: setCacheHeaders }));
}

/**
 * The Content-Security-Policy sources allowing index.html's inline <style> blocks, by their SHA-256: the frame it
 * draws before any stylesheet arrives (client/boot.ts). No other inline style is allowed. None when the client is
 * not built.
 */
export function inlineStyleSources(clientDir: string): string[] {
  const page = join(resolve(clientDir), "index.html");
  if (!existsSync(page)) return [];
  const html = readFileSync(page, "utf8");
  return [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => `'sha256-${createHash("sha256").update(m[1]!, "utf8").digest("base64")}'`);
}

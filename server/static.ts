import { existsSync } from "node:fs";
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

import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./context";
import { AppError } from "./errors";
import { requestOrigin } from "./request";

/** Methods that only read. Every other one may change data, so a browser must send it from Cadenas's own pages. */
const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses a browser's cross-site request that would change data (CSRF). The session cookie is SameSite=Lax, which
 * already keeps it off cross-site POSTs in current browsers, but not off every browser, sub-domain or method; so
 * the browser's own word is checked too, whatever the content type (a plain HTML form can post `text/plain` or
 * multipart, and a script can send JSON):
 * - `Sec-Fetch-Site` (sent by every current browser, and unforgeable by a page) must be `same-origin`;
 * - failing that, `Origin` must be this server's origin (as the browser reached it, a trusted proxy's scheme
 *   included) or `PUBLIC_URL`'s.
 * A request carrying neither — `curl`, a script, the operator's own integration — is not a browser's cross-site
 * request: it needs its session like any other and goes through.
 */
export const refuseCrossSite = createMiddleware<AppEnv>(async (c, next) => {
  if (READ_METHODS.has(c.req.method)) return next();
  const fetchSite = c.req.header("sec-fetch-site");
  const origin = c.req.header("origin");
  if (fetchSite !== undefined) {
    if (fetchSite !== "same-origin") throw crossSite(`Sec-Fetch-Site: ${fetchSite}`);
  } else if (origin !== undefined && !allowedOrigins(c).includes(origin)) {
    throw crossSite(`Origin: ${origin}`);
  }
  await next();
});

function allowedOrigins(c: Context<AppEnv>): string[] {
  const publicUrl = c.get("services").config.publicUrl;
  return [requestOrigin(c), ...(publicUrl ? [new URL(publicUrl).origin] : [])];
}

function crossSite(evidence: string): AppError {
  return new AppError("CROSS_SITE_REQUEST", `Requête refusée : elle vient d'une page d'un autre site (${evidence}). Rien n'a été modifié.`);
}

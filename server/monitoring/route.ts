import type { Context } from "hono";
import { matchedRoutes } from "hono/route";

/**
 * The pattern of the route that answered (`/api/customers/:id`), for logs and metrics: never the path itself, which
 * holds ids, nor the query string, which may hold a debtor's name. A request no route took is named by the catch-all
 * that answered it (`/api/*` for an unknown API path, `*` for the client's files).
 */
export function routeOf(c: Context): string {
  try {
    return matchedRoutes(c).at(c.req.routeIndex)?.path ?? "*";
  } catch {
    return "*";
  }
}

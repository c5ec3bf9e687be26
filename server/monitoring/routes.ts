import { createHash, timingSafeEqual } from "node:crypto";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";
import type { AppEnv } from "../context";
import { errorBody } from "../errors";
import type { Metrics } from "./metrics";

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

/** Whether the socket is the machine's own, and no proxy relayed the request (a local proxy's socket is local too). */
function fromThisMachine(c: Context): boolean {
  let address: string | undefined;
  try {
    address = getConnInfo(c).remote.address;
  } catch {
    return false; // no socket (app.request in tests): not provably local
  }
  if (!address || !LOOPBACK.has(address)) return false;
  return !["x-forwarded-for", "forwarded", "x-real-ip"].some((h) => c.req.header(h) !== undefined);
}

/** Compares in a time that does not depend on where the two differ (hashes first: equal lengths). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * `GET /metrics`, Prometheus' text format. With `METRICS_TOKEN`, only a request carrying `Authorization: Bearer
 * <token>` is answered; without it, only one from the machine itself (a local Prometheus or agent), never one relayed
 * by a proxy — behind a reverse proxy on the same machine, set a token.
 */
export function metricsHandler(metrics: Metrics, token: string | undefined) {
  return async (c: Context<AppEnv>) => {
    c.header("Cache-Control", "no-store");
    if (token !== undefined) {
      const given = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];
      if (given === undefined) return c.json(errorBody("UNAUTHENTICATED", "Metrics need Authorization: Bearer <METRICS_TOKEN>"), 401);
      if (!sameSecret(given, token)) return c.json(errorBody("UNAUTHENTICATED", "Wrong metrics token"), 401);
    } else if (!fromThisMachine(c)) {
      return c.json(errorBody("FORBIDDEN", "Metrics are answered only on this machine; set METRICS_TOKEN to scrape them from elsewhere"), 403);
    }
    const text = await metrics.registry.metrics();
    return c.body(text, 200, { "Content-Type": metrics.registry.contentType });
  };
}

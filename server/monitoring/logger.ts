import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { pino, type DestinationStream, type Logger } from "pino";
import type { AppEnv } from "../context";
import type { LogLevel } from "../env";
import { routeOf } from "./route";

export type { Logger };

const shared = new Map<LogLevel, Logger>();

/**
 * The JSON logger, one line an event on stdout (or on `destination`, which tests pass to read the lines). Without a
 * destination, servers of one process share one logger a level: tests start hundreds of servers.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  if (destination) return pino({ level, base: { pid: process.pid } }, destination);
  let logger = shared.get(level);
  if (!logger) shared.set(level, (logger = pino({ level, base: { pid: process.pid } })));
  return logger;
}

/** The workers' `log(line)` callbacks, written as JSON lines by `logger` (for whoever starts the server). */
export function lineLogger(logger: Logger): (line: string) => void {
  return (line) => logger.info(line);
}

/** An `X-Request-Id` a proxy or a client chose is kept when it is a short plain token; anything else is replaced. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * One line a request: its id (echoed in `X-Request-Id`), the signed-in user's id, the method, the route's pattern
 * (`/api/customers/:id`, never the URL: paths hold ids and query strings hold the search text, i.e. debtors' names),
 * the status and the duration. Nothing about the debtor a request is about is written.
 */
export function requestLog(logger: Logger, observe?: (r: { method: string; route: string; status: number; seconds: number }) => void): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header("x-request-id");
    const reqId = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    c.set("requestId", reqId);
    try {
      await next();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const status = c.res.status;
      const route = routeOf(c);
      try {
        c.res.headers.set("X-Request-Id", reqId);
      } catch {
        // An answer with immutable headers (a fetched Response) is copied to carry the id.
        c.res = new Response(c.res.body, c.res);
        c.res.headers.set("X-Request-Id", reqId);
      }
      observe?.({ method: c.req.method, route, status, seconds });
      if (logger.isLevelEnabled("info")) {
        const user = c.get("user") as { id: string } | undefined;
        logger.info({ reqId, method: c.req.method, route, status, durationMs: Math.round(seconds * 10_000) / 10, userId: user?.id ?? null }, "request");
      }
    }
  };
}

import type { SessionUser } from "../shared/schemas/auth";
import type { Scope } from "./auth/scope";
import type { Database } from "./db/client";
import type { Config } from "./env";
import type { SetupCode } from "./setup/setup-code";
import type { ImportQueue } from "./imports/jobs";
import type { Logger } from "./monitoring/logger";
import type { Metrics } from "./monitoring/metrics";

/** What the routes are given: built once at start-up, shared by every request. */
export interface Services {
  db: Database;
  config: Config;
  clock: Clock;
  /** The imports of this process, one at a time (the office's screen and the drop folder). */
  imports: ImportQueue;
  /** The first run's code, printed in the log at start while the database has no user; null once there is one. */
  setupCode: SetupCode | null;
  /** The absolute address the links of e-mails start with (`PUBLIC_URL`, or the address the server listens on). */
  publicUrl: string;
  /** The JSON logger of requests (`LOG_LEVEL`); unset: `createApp` makes one on stdout. */
  logger?: Logger;
  /** This app's Prometheus registry and counters (`GET /metrics`); unset: `createApp` makes them. */
  metrics?: Metrics;
}

export interface Clock {
  now(): Date;
  /** The calendar date (YYYY-MM-DD) at the server's `TZ_SITE`. */
  today(): string;
  /** The calendar date in this zone (a site's): a pinned `TODAY` is the day in every zone. */
  todayIn(timeZone: string): string;
}

export type AppEnv = {
  Variables: {
    services: Services;
    /** Set by the session middleware on every route that needs a session. */
    user: SessionUser;
    scope: Scope;
    sessionToken: string;
    /** The request's id, in its log line and in the answer's `X-Request-Id`. */
    requestId: string;
  };
};

import type { SessionUser } from "../shared/schemas/auth";
import type { LoginThrottle } from "./auth/login-throttle";
import type { Scope } from "./auth/scope";
import type { Database } from "./db/client";
import type { Config } from "./env";

/** What the routes are given: built once at start-up, shared by every request. */
export interface Services {
  db: Database;
  config: Config;
  clock: Clock;
  loginThrottle: { byEmail: LoginThrottle; byAddress: LoginThrottle };
}

export interface Clock {
  now(): Date;
  /** The site's calendar date (YYYY-MM-DD). */
  today(): string;
}

export type AppEnv = {
  Variables: {
    services: Services;
    /** Set by the session middleware on every route that needs a session. */
    user: SessionUser;
    scope: Scope;
    sessionToken: string;
  };
};

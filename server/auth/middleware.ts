import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";
import { AppError } from "../errors";
import { readCookie } from "./cookie";
import { scopeFor } from "./scope";
import { SESSION_COOKIE, userForSession } from "./sessions";

/** Loads the session's user and the sites they may see; answers 401 when there is no valid session. */
export const requireSession = createMiddleware<AppEnv>(async (c, next) => {
  const token = readCookie(c, SESSION_COOKIE);
  const { db, config } = c.get("services");
  const user = token ? await userForSession(db, token, config.sessionDays) : null;
  if (!token || !user) throw new AppError("UNAUTHENTICATED", "Sign in first (no valid session)");
  c.set("user", user);
  c.set("sessionToken", token);
  c.set(
    "scope",
    scopeFor(
      user.role,
      user.sites.map((s) => s.id),
    ),
  );
  await next();
});

import type { Context } from "hono";
import { z } from "zod";
import { eq } from "drizzle-orm";
import { LoginBody, SessionAnswer, SessionResponse, type ClientSettings, type SessionUser } from "../../shared/schemas/auth";
import { LoginAnswer } from "../../shared/schemas/two-factor";
import { userTimeZone } from "../../shared/sites/zone";
import { recordAudit } from "../audit/audit";
import { requestAddress } from "../request";
import type { AppEnv } from "../context";
import type { Config } from "../env";
import { AppError } from "../errors";
import { createRouter, errors, json, protectedRoute, publicRoute } from "../http";
import { users } from "./auth.sql";
import { clearCookie, readCookie, setSessionCookie, writeCookie } from "./cookie";
import { DUMMY_HASH, verifyPassword } from "./password";
import { SESSION_COOKIE, createSession, deleteSession, loadSessionUser, userForSession } from "./sessions";
import { secondFactorStep, type SignInMethod } from "./two-factor";
import { DEVICE_COOKIE, forgiveKeys, isKnownDevice, recordFailures, refuseWhileWaiting, rememberDevice, signInKeys, signInPairKey } from "./sign-in-throttle";

const login = publicRoute({
  method: "post",
  path: "/auth/login",
  tags: ["auth"],
  summary: "Sign in; sets the HttpOnly session cookie",
  request: { body: { ...json(LoginBody, "E-mail and password"), required: true } },
  description: "An account with a second factor, or one the operator requires to set it up, gets `{ twoFactor, challenge }` and no cookie: the sign-in ends at /auth/login/code or /auth/login/enrol.",
  responses: { 200: json(LoginAnswer, "Signed in, or a second step to go"), ...errors(400, 401, 415, 429) },
});

const logout = protectedRoute({
  method: "post",
  path: "/auth/logout",
  tags: ["auth"],
  summary: "Sign out; ends the session",
  responses: { 200: json(z.object({ ok: z.literal(true) }), "Signed out"), ...errors(401) },
});

const me = protectedRoute({
  method: "get",
  path: "/auth/me",
  tags: ["auth"],
  summary: "The signed-in user and their sites",
  responses: { 200: json(SessionResponse, "The session's user"), ...errors(401) },
});

const session = publicRoute({
  method: "get",
  path: "/auth/session",
  tags: ["auth"],
  summary: "Who is signed in on this browser: the session's user, or `{ user: null }` (the app's start asks it)",
  responses: { 200: json(SessionAnswer, "The session's user, or null") },
});

export const authRoutes = createRouter()
  .openapi(login, async (c) => {
    const { db, config, clock } = c.get("services");
    const { email, password } = c.req.valid("json");
    const address = requestAddress(c);
    const now = clock.now();
    const [user] = await db.select().from(users).where(eq(users.email, email)).limit(1);
    // A browser this account signed in from before is not held back by the account's failures elsewhere.
    const device = readCookie(c, DEVICE_COOKIE);
    const keys = signInKeys(email, address, await isKnownDevice(db, user?.id, device));
    await refuseWhileWaiting(db, keys.check, now, { audit: { event: "auth.login_slowed", userId: user?.id ?? null, address, details: { email } } });
    // Check a hash even for an unknown e-mail, so the answer time does not tell which e-mails exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok || !user.active) {
      await recordFailures(db, keys.count, now);
      await recordAudit(db, { event: "auth.login_failed", userId: user?.id ?? null, address, details: { email } });
      throw new AppError("INVALID_CREDENTIALS", "Wrong e-mail or password");
    }
    // The password was right: this place's failures are forgiven (the account's, counted from everywhere, are not);
    // a second factor (or setting one up, when the operator requires it) may still be due.
    await forgiveKeys(db, [signInPairKey(email, address)]);
    const secondStep = await secondFactorStep(c.get("services"), user);
    if (secondStep) return c.json(secondStep, 200);
    return c.json(await openSession(c, user), 200);
  })
  .openapi(logout, async (c) => {
    const { db } = c.get("services");
    await deleteSession(db, c.get("sessionToken"));
    clearCookie(c, SESSION_COOKIE);
    await recordAudit(db, { event: "auth.logout", userId: c.get("user").id, address: requestAddress(c) });
    return c.json({ ok: true as const }, 200);
  })
  .openapi(me, (c) => c.json({ user: c.get("user"), settings: clientSettings(c.get("services").config, c.get("user")) }, 200))
  // The same question as /auth/me, where "nobody" is not an error: a browser logs every 401 in its console.
  .openapi(session, async (c) => {
    const { db, config } = c.get("services");
    const token = readCookie(c, SESSION_COOKIE);
    const user = token ? await userForSession(db, token, config.sessionDays) : null;
    c.header("Cache-Control", "no-store");
    return c.json(user ? { user, settings: clientSettings(config, user) } : { user: null }, 200);
  });

/**
 * The end of every sign-in — with a password alone, or after its second factor (`method`): the session cookie, the
 * browser remembered as a place this user signs in from, the audit line.
 */
export async function openSession(c: Context<AppEnv>, user: typeof users.$inferSelect, method?: SignInMethod): Promise<SessionResponse> {
  const { db, config, clock } = c.get("services");
  const address = requestAddress(c);
  // Wrong codes of a second step count on this place too: forgiven once it is passed.
  await forgiveKeys(db, [signInPairKey(user.email, address)]);
  const session = await createSession(db, user.id, config.sessionDays, c.req.header("user-agent"), address);
  // The session cookie first: it is the one clients (and tests) take from the answer.
  setSessionCookie(c, session);
  const remembered = await rememberDevice(db, user.id, readCookie(c, DEVICE_COOKIE), clock.now());
  writeCookie(c, DEVICE_COOKIE, remembered.token, remembered.expiresAt);
  await recordAudit(db, { event: "auth.login", userId: user.id, address, ...(method ? { details: { secondFactor: method } } : {}) });
  const sessionUser = await loadSessionUser(db, user);
  return { user: sessionUser, settings: clientSettings(config, sessionUser) };
}

/** What the phone is told; the time zone is the user's sites' when they share one (`userTimeZone`). */
export function clientSettings(config: Config, user?: SessionUser): ClientSettings {
  return { timeZone: user ? userTimeZone(user.sites, config.siteTimeZone) : config.siteTimeZone, serverMessaging: { email: Boolean(config.smtpUrl), sms: Boolean(config.sms.provider) } };
}



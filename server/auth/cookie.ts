import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { reachedOverHttps } from "../request";
import { SESSION_COOKIE } from "./sessions";

/**
 * The server's cookies: HttpOnly, SameSite=Lax, path `/`. Over https (the request's own scheme, or a trusted proxy's
 * `X-Forwarded-Proto`) they are `Secure` and carry the `__Host-` prefix, which the browser accepts only from a
 * secure origin, for the whole host, with no `Domain`: a neighbouring sub-domain or a plain-http page cannot plant
 * or overwrite them. Each request reads the name its own scheme gives.
 */
export function cookieName(c: Context, base: string): string {
  return reachedOverHttps(c) ? `__Host-${base}` : base;
}

export function readCookie(c: Context, base: string): string | undefined {
  return getCookie(c, cookieName(c, base));
}

/**
 * Sets a cookie that lasts until `expires` by the server's clock, sent as `Max-Age`: the server's clock may be pinned
 * (demos, tests) away from the browser's, and an `Expires` date would then be read against the wrong "now".
 */
export function writeCookie(c: Context, base: string, value: string, expires: Date): void {
  const secure = reachedOverHttps(c);
  const now = (c.get("services") as { clock: { now(): Date } }).clock.now();
  // Browsers cap a cookie's life at 400 days (RFC 6265bis), and Hono refuses more.
  const maxAge = Math.min(400 * 86_400, Math.max(0, Math.round((expires.getTime() - now.getTime()) / 1000)));
  setCookie(c, cookieName(c, base), value, { httpOnly: true, sameSite: "Lax", secure, path: "/", maxAge });
}

export function clearCookie(c: Context, base: string): void {
  deleteCookie(c, cookieName(c, base), { path: "/", secure: reachedOverHttps(c) });
}

/** The session cookie, as sign-in, a first password or the first-run page set it. */
export function setSessionCookie(c: Context, session: { token: string; expiresAt: Date }): void {
  writeCookie(c, SESSION_COOKIE, session.token, session.expiresAt);
}

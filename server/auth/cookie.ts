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

export function writeCookie(c: Context, base: string, value: string, expires: Date): void {
  const secure = reachedOverHttps(c);
  setCookie(c, cookieName(c, base), value, { httpOnly: true, sameSite: "Lax", secure, path: "/", expires });
}

export function clearCookie(c: Context, base: string): void {
  deleteCookie(c, cookieName(c, base), { path: "/", secure: reachedOverHttps(c) });
}

/** The session cookie, as sign-in, a first password or the first-run page set it. */
export function setSessionCookie(c: Context, session: { token: string; expiresAt: Date }): void {
  writeCookie(c, SESSION_COOKIE, session.token, session.expiresAt);
}

import type { Context } from "hono";
import { setCookie } from "hono/cookie";
import { SESSION_COOKIE } from "./sessions";

/** The session cookie, as sign-in and a password chosen through a link set it: HttpOnly, SameSite=Lax. */
export function setSessionCookie(c: Context, session: { token: string; expiresAt: Date }): void {
  setCookie(c, SESSION_COOKIE, session.token, {
    httpOnly: true,
    sameSite: "Lax",
    secure: new URL(c.req.url).protocol === "https:",
    path: "/",
    expires: session.expiresAt,
  });
}

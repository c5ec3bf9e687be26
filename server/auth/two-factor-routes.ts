import type { Context } from "hono";
import { SessionResponse } from "../../shared/schemas/auth";
import { Id } from "../../shared/schemas/common";
import {
  EnrolledResponse,
  EnrolmentSecret,
  EnrolStartBody,
  LoginCodeBody,
  RecoveryCodesResponse,
  TwoFactorCodeBody,
  TwoFactorDisableBody,
  TwoFactorStatus,
} from "../../shared/schemas/two-factor";
import { UserItem } from "../../shared/schemas/users";
import { z } from "zod";
import type { AppEnv } from "../context";
import { createRouter, errors, json, protectedRoute, publicRoute } from "../http";
import { requestAddress } from "../request";
import { users } from "./auth.sql";
import { readCookie } from "./cookie";
import { openSession } from "./routes";
import { DEVICE_COOKIE } from "./sign-in-throttle";
import {
  disable,
  enable,
  passCodeChallenge,
  passEnrolChallenge,
  regenerateRecoveryCodes,
  resetSecondFactor,
  startEnrolment,
  startSignInEnrolment,
  twoFactorStatus,
  type CodeOrigin,
} from "./two-factor";
import { itemOf } from "./users";

// Two-factor sign-in: the second step after the password (`POST /auth/login` answered `{ twoFactor, challenge }`),
// one's own second factor on "Mon compte", and the office's reset of someone's lost one. The rules: two-factor.ts.

const loginCode = publicRoute({
  method: "post",
  path: "/auth/login/code",
  tags: ["auth"],
  summary: "Second step of a sign-in: the authenticator app's 6-digit code, or a recovery code; sets the session cookie",
  description: "A challenge lasts 5 minutes and takes 5 wrong codes (then 410: sign in again). Wrong codes count as failed sign-ins of the account.",
  request: { body: { ...json(LoginCodeBody, "The challenge from /auth/login and the code"), required: true } },
  responses: { 200: json(SessionResponse, "Signed in"), ...errors(400, 401, 410, 415, 429) },
});
const loginEnrolStart = publicRoute({
  method: "post",
  path: "/auth/login/enrol/start",
  tags: ["auth"],
  summary: "During a sign-in the operator requires two factors for: the secret to put in an authenticator app",
  request: { body: { ...json(EnrolStartBody, "The challenge from /auth/login"), required: true } },
  responses: { 200: json(EnrolmentSecret, "The secret, its QR code and otpauth link"), ...errors(400, 410, 415) },
});
const loginEnrol = publicRoute({
  method: "post",
  path: "/auth/login/enrol",
  tags: ["auth"],
  summary: "Finish setting up the authenticator during sign-in with its first code: two factors on, recovery codes (shown once), signed in",
  request: { body: { ...json(LoginCodeBody, "The challenge and the app's code"), required: true } },
  responses: { 200: json(EnrolledResponse, "Signed in, with the recovery codes"), ...errors(400, 401, 409, 410, 415) },
});
const status = protectedRoute({
  method: "get",
  path: "/auth/two-factor",
  tags: ["auth"],
  summary: "Whether one's account has a second factor, may have one, must have one",
  responses: { 200: json(TwoFactorStatus, "Status"), ...errors(401) },
});
const start = protectedRoute({
  method: "post",
  path: "/auth/two-factor/start",
  tags: ["auth"],
  summary: "Start turning two factors on (office and Managers): a new secret to put in an authenticator app",
  responses: { 200: json(EnrolmentSecret, "The secret, its QR code and otpauth link"), ...errors(401, 403, 409) },
});
const turnOn = protectedRoute({
  method: "post",
  path: "/auth/two-factor/enable",
  tags: ["auth"],
  summary: "Turn two factors on with the app's first code; answers the recovery codes, shown once",
  request: { body: { ...json(TwoFactorCodeBody, "The app's code"), required: true } },
  responses: { 200: json(RecoveryCodesResponse, "On"), ...errors(400, 401, 403, 409, 410, 415) },
});
const regenerate = protectedRoute({
  method: "post",
  path: "/auth/two-factor/recovery-codes",
  tags: ["auth"],
  summary: "New recovery codes against a current code; the former ones stop working",
  request: { body: { ...json(TwoFactorCodeBody, "A current code"), required: true } },
  responses: { 200: json(RecoveryCodesResponse, "The new codes, shown once"), ...errors(400, 401, 409, 415, 429) },
});
const turnOff = protectedRoute({
  method: "post",
  path: "/auth/two-factor/disable",
  tags: ["auth"],
  summary: "Turn two factors off, against the password and a current code; refused while the operator requires them",
  request: { body: { ...json(TwoFactorDisableBody, "The password and a code"), required: true } },
  responses: { 200: json(TwoFactorStatus, "Off"), ...errors(400, 401, 409, 415, 429) },
});
const reset = protectedRoute({
  method: "post",
  path: "/users/{id}/two-factor/reset",
  tags: ["accounts"],
  summary: "The office turns off another user's second factor (a lost phone); they set it up again at next sign-in if required",
  request: { params: z.object({ id: Id }) },
  responses: { 200: json(UserItem, "The account"), ...errors(401, 403, 404, 409) },
});

export const twoFactorRoutes = createRouter()
  .openapi(loginCode, async (c) => {
    const { challenge, code } = c.req.valid("json");
    const { user, method } = await passCodeChallenge(c.get("services"), challenge, code, originOf(c));
    return c.json(await openSession(c, user, method), 200);
  })
  .openapi(loginEnrolStart, async (c) => c.json(await startSignInEnrolment(c.get("services"), c.req.valid("json").challenge), 200))
  .openapi(loginEnrol, async (c) => {
    const { challenge, code } = c.req.valid("json");
    const { user, recoveryCodes } = await passEnrolChallenge(c.get("services"), challenge, code, requestAddress(c));
    return c.json({ ...(await openSession(c, user, "totp")), recoveryCodes }, 200);
  })
  .openapi(status, async (c) => c.json(await twoFactorStatus(c.get("services").db, c.get("user")), 200))
  .openapi(start, async (c) => c.json(await startEnrolment(c.get("services"), c.get("user")), 200))
  .openapi(turnOn, async (c) => c.json({ recoveryCodes: await enable(c.get("services"), c.get("user"), c.req.valid("json").code, requestAddress(c)) }, 200))
  .openapi(regenerate, async (c) => c.json({ recoveryCodes: await regenerateRecoveryCodes(c.get("services"), c.get("user"), c.req.valid("json").code, originOf(c)) }, 200))
  .openapi(turnOff, async (c) => {
    await disable(c.get("services"), c.get("user"), c.req.valid("json"), originOf(c));
    return c.json(await twoFactorStatus(c.get("services").db, c.get("user")), 200);
  })
  .openapi(reset, async (c) => {
    const { db, clock } = c.get("services");
    const actor = { user: c.get("user"), address: requestAddress(c) };
    const { id } = c.req.valid("param");
    await resetSecondFactor(db, actor, id, clock.now());
    return c.json(await itemOf(db, actor, id), 200);
  });

function originOf(c: Context<AppEnv>): CodeOrigin {
  return { address: requestAddress(c), device: readCookie(c, DEVICE_COOKIE) };
}

import { z } from "zod";
import type { Context } from "hono";
import { SessionResponse } from "../../shared/schemas/auth";
import {
  ChangePasswordBody,
  ChoosePasswordBody,
  ForgotPasswordBody,
  InvitationResponse,
  SessionsResponse,
  TokenInfo,
  UserBody,
  UserItem,
  UserPatch,
  UsersResponse,
} from "../../shared/schemas/users";
import { Id } from "../../shared/schemas/common";
import { requestAddress } from "../request";
import type { AppEnv } from "../context";
import { createRouter, errors, json, protectedRoute, publicRoute } from "../http";
import { changePassword, choosePassword, endSession, listSessions, requestReset, tokenInfo, type Origin } from "./account";
import { readCookie, setSessionCookie } from "./cookie";
import { clientSettings } from "./routes";
import { loadSessionUser } from "./sessions";
import { DEVICE_COOKIE } from "./sign-in-throttle";
import { createUser, deactivateUser, listUsers, reactivateUser, reinvite, updateUser, type Actor, type MailContext } from "./users";

// The accounts (*Comptes*, office and Manager) and what a person does with their own account: a link to choose a
// password, "mot de passe oublié", a new password, their sessions. The rules live in users.ts and account.ts.

const Ok = z.object({ ok: z.literal(true) });
const UserIdParam = z.object({ id: Id });
const TokenParam = z.object({ token: z.string().min(1).max(200) });
const SessionIdParam = z.object({ id: z.string().regex(/^[0-9a-f]{64}$/, "must be a session id") });

const list = protectedRoute({
  method: "get",
  path: "/users",
  tags: ["accounts"],
  summary: "The accounts: every one for the office; for a Manager, the people of the Manager's sites",
  responses: { 200: json(UsersResponse, "Accounts"), ...errors(401, 403) },
});
const create = protectedRoute({
  method: "post",
  path: "/users",
  tags: ["accounts"],
  summary: "Create an account and send its invitation (a link valid 72 h to choose a password)",
  description: "A Manager may create only site managers of the Manager's own sites. Initials are unique among every user, deactivated ones included (409).",
  request: { body: { ...json(UserBody, "The account"), required: true } },
  responses: { 201: json(InvitationResponse, "Created; with no SMTP, the link to hand over"), ...errors(400, 401, 403, 409) },
});
const patch = protectedRoute({
  method: "patch",
  path: "/users/{id}",
  tags: ["accounts"],
  summary: "Change an account's name, e-mail, initials, role or sites",
  request: { params: UserIdParam, body: { ...json(UserPatch, "The fields to change"), required: true } },
  responses: { 200: json(UserItem, "The account"), ...errors(400, 401, 403, 404, 409) },
});
const deactivate = protectedRoute({
  method: "post",
  path: "/users/{id}/deactivate",
  tags: ["accounts"],
  summary: "Deactivate an account: every session of it ends at once (its phone gets 401)",
  request: { params: UserIdParam },
  responses: { 200: json(UserItem, "The account"), ...errors(401, 403, 404, 409) },
});
const reactivate = protectedRoute({
  method: "post",
  path: "/users/{id}/reactivate",
  tags: ["accounts"],
  summary: "Reactivate an account",
  request: { params: UserIdParam },
  responses: { 200: json(UserItem, "The account"), ...errors(401, 403, 404) },
});
const invitation = protectedRoute({
  method: "post",
  path: "/users/{id}/invitation",
  tags: ["accounts"],
  summary: "A new invitation link for an account still waiting for its password; the earlier links stop working",
  request: { params: UserIdParam },
  responses: { 200: json(InvitationResponse, "Sent; with no SMTP, the link to hand over"), ...errors(401, 403, 404, 409) },
});
const forgot = publicRoute({
  method: "post",
  path: "/auth/forgot",
  tags: ["auth"],
  summary: "Mot de passe oublié: e-mails a link valid 1 h to an active account; the answer never says whether the address is known",
  request: { body: { ...json(ForgotPasswordBody, "The e-mail"), required: true } },
  responses: { 202: json(Ok, "Taken into account"), ...errors(400, 415, 429) },
});
const token = publicRoute({
  method: "get",
  path: "/auth/tokens/{token}",
  tags: ["auth"],
  summary: "What a password link is for and whose it is; 410 once used, expired or replaced",
  request: { params: TokenParam },
  responses: { 200: json(TokenInfo, "The link"), ...errors(400, 410) },
});
const choose = publicRoute({
  method: "post",
  path: "/auth/password/choose",
  tags: ["auth"],
  summary: "Choose a password through a link (single use) and sign in; a reset ends the user's other sessions",
  request: { body: { ...json(ChoosePasswordBody, "The link's token and the password"), required: true } },
  responses: { 200: json(SessionResponse, "Signed in"), ...errors(400, 410, 415) },
});
const change = protectedRoute({
  method: "post",
  path: "/auth/password",
  tags: ["auth"],
  summary: "Change one's own password (the current one is asked); the user's other sessions end",
  request: { body: { ...json(ChangePasswordBody, "Current and new password"), required: true } },
  responses: { 200: json(Ok, "Changed"), ...errors(400, 401, 415, 429) },
});
const sessionsList = protectedRoute({
  method: "get",
  path: "/auth/sessions",
  tags: ["auth"],
  summary: "One's own sessions: device, phone or desk, last use",
  responses: { 200: json(SessionsResponse, "Sessions"), ...errors(401) },
});
const sessionEnd = protectedRoute({
  method: "delete",
  path: "/auth/sessions/{id}",
  tags: ["auth"],
  summary: "End one of one's own sessions",
  request: { params: SessionIdParam },
  responses: { 200: json(Ok, "Ended"), ...errors(401, 404) },
});

function actorOf(c: Context<AppEnv>): Actor {
  return { user: c.get("user"), address: requestAddress(c) };
}

function originOf(c: Context<AppEnv>): Origin {
  return { address: requestAddress(c), userAgent: c.req.header("user-agent"), device: readCookie(c, DEVICE_COOKIE) };
}

function mailContext(c: Context<AppEnv>): MailContext {
  const { clock, config, publicUrl } = c.get("services");
  return { clock, publicUrl, smtp: Boolean(config.smtpUrl), timeZone: config.siteTimeZone };
}

export const userRoutes = createRouter()
  .openapi(list, async (c) => c.json({ users: await listUsers(c.get("services").db, actorOf(c)) }, 200))
  .openapi(create, async (c) => c.json(await createUser(c.get("services").db, actorOf(c), c.req.valid("json"), mailContext(c)), 201))
  .openapi(patch, async (c) => c.json(await updateUser(c.get("services").db, actorOf(c), c.req.valid("param").id, c.req.valid("json"), c.get("services").clock), 200))
  .openapi(deactivate, async (c) => c.json(await deactivateUser(c.get("services").db, actorOf(c), c.req.valid("param").id, c.get("services").clock), 200))
  .openapi(reactivate, async (c) => c.json(await reactivateUser(c.get("services").db, actorOf(c), c.req.valid("param").id, c.get("services").clock), 200))
  .openapi(invitation, async (c) => c.json(await reinvite(c.get("services").db, actorOf(c), c.req.valid("param").id, mailContext(c)), 200))
  .openapi(forgot, async (c) => {
    await requestReset(c.get("services"), c.req.valid("json").email, originOf(c));
    return c.json({ ok: true as const }, 202);
  })
  .openapi(token, async (c) => c.json(await tokenInfo(c.get("services"), c.req.valid("param").token), 200))
  .openapi(choose, async (c) => {
    const services = c.get("services");
    const body = c.req.valid("json");
    const { user, session } = await choosePassword(services, body.token, body.password, originOf(c));
    setSessionCookie(c, session);
    const sessionUser = await loadSessionUser(services.db, user);
    return c.json({ user: sessionUser, settings: clientSettings(services.config, sessionUser) }, 200);
  })
  .openapi(change, async (c) => {
    await changePassword(c.get("services"), c.get("user"), c.get("sessionToken"), c.req.valid("json"), originOf(c));
    return c.json({ ok: true as const }, 200);
  })
  .openapi(sessionsList, async (c) => c.json({ sessions: await listSessions(c.get("services").db, c.get("user").id, c.get("sessionToken")) }, 200))
  .openapi(sessionEnd, async (c) => {
    await endSession(c.get("services").db, c.get("user").id, c.req.valid("param").id, requestAddress(c));
    return c.json({ ok: true as const }, 200);
  });

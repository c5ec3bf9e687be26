import { and, desc, eq, gt, ne } from "drizzle-orm";
import type { SessionUser } from "../../shared/schemas/auth";
import { waitInWords } from "../../shared/throttle";
import type { SessionItem, TokenInfo } from "../../shared/schemas/users";
import { recordAudit } from "../audit/audit";
import type { Database } from "../db/client";
import type { Services } from "../context";
import { AppError } from "../errors";
import { queueAccountMail } from "./account-mail";
import { sessions, users } from "./auth.sql";
import { deviceOf, placeOf } from "./devices";
import { hashPassword, verifyPassword } from "./password";
import { assertStrongPassword } from "./password-policy";
import { createSession, hashToken } from "./sessions";
import { forgotKeys, isKnownDevice, recordFailures, refuseWhileWaiting, signInKeys } from "./sign-in-throttle";
import { consumeToken, createToken, endTokens, linkOf, STALE_LINK, validToken } from "./tokens";
import { NO_PASSWORD } from "./users";

// What a person does with their own account: ask for a reset link, choose a password through a link, change it,
// see and end their sessions. Passwords go to the hash and nowhere else: not in a log, not in the audit log.

/** Where a request comes from, for the audit log, throttling and the session's record. */
export interface Origin {
  address: string;
  userAgent: string | undefined;
  /** The browser's device cookie (`DEVICE_COOKIE`), when it has one. */
  device?: string;
}

/**
 * "Mot de passe oublié": a reset link valid 1 h, by e-mail, for an active account that has a password. The answer
 * never says whether the address is known; requests are counted per address and per e-mail whatever came of them,
 * so the form cannot flood a mailbox.
 */
export async function requestReset(services: Services, email: string, origin: Origin): Promise<void> {
  const { db, clock, config } = services;
  const keys = forgotKeys(email, origin.address);
  await refuseWhileWaiting(db, keys, clock.now(), {
    audit: { event: "auth.forgot_slowed", userId: null, address: origin.address, details: { email } },
    message: (seconds) => `Trop de demandes de lien : réessayez dans ${waitInWords(seconds)} (le dernier lien envoyé reste valable 1 h).`,
  });
  await recordFailures(db, keys, clock.now());
  const [user] = await db.select().from(users).where(eq(users.email, email)).limit(1);
  if (!user || !user.active || user.passwordHash === NO_PASSWORD) return;
  const now = clock.now();
  await db.transaction(async (tx) => {
    const token = await createToken(tx, { userId: user.id, purpose: "reset", now, createdBy: null });
    const link = linkOf(services.publicUrl, "reset", token.token);
    await queueAccountMail(tx, { purpose: "reset", tokenId: token.id, link, expiresAt: token.expiresAt, user, timeZone: config.siteTimeZone });
    await recordAudit(tx, { event: "user.reset_requested", userId: user.id, address: origin.address, entity: "user", entityId: user.id, details: { expiresAt: token.expiresAt } });
  });
}

/** What a link's page shows; 410 for a stale link. */
export async function tokenInfo(services: Services, token: string): Promise<TokenInfo> {
  const { token: row, user } = await validToken(services.db, token, services.clock.now());
  return { purpose: row.purpose, name: user.name, email: user.email, expiresAt: row.expiresAt };
}

/**
 * Sets the password chosen through a link and signs its holder in. The link is used up in the same transaction as
 * the password it sets; after a reset every other session of the user ends (whoever knew the old one is out).
 */
export async function choosePassword(services: Services, token: string, password: string, origin: Origin): Promise<{ user: typeof users.$inferSelect; session: { token: string; expiresAt: Date } }> {
  const { db, clock, config } = services;
  const found = await validToken(db, token, clock.now());
  // Checked before the link is used up: a refused password leaves the link working for a better one.
  assertStrongPassword(password, "password", [found.user.name, found.user.email, found.user.initials]);
  const hash = await hashPassword(password);
  const now = clock.now();
  const session = await db.transaction(async (tx) => {
    if (!(await consumeToken(tx, found.token.id, now))) throw new AppError("LINK_STALE", STALE_LINK);
    await tx.update(users).set({ passwordHash: hash, passwordSetAt: now.toISOString(), updatedAt: now.toISOString() }).where(eq(users.id, found.user.id));
    await endTokens(tx, found.user.id, now);
    const ended = found.token.purpose === "reset" ? await tx.delete(sessions).where(eq(sessions.userId, found.user.id)).returning({ id: sessions.id }) : [];
    const session = await createSession(tx, found.user.id, config.sessionDays, origin.userAgent, origin.address);
    await recordAudit(tx, {
      event: "user.password_chosen",
      userId: found.user.id,
      address: origin.address,
      entity: "user",
      entityId: found.user.id,
      details: { purpose: found.token.purpose, before: { passwordSetAt: found.user.passwordSetAt }, after: { passwordSetAt: now.toISOString() }, sessionsEnded: ended.length },
    });
    return session;
  });
  return { user: found.user, session };
}

/** Changes one's own password: the current one is asked again; the user's other sessions end. */
export async function changePassword(services: Services, me: SessionUser, sessionToken: string, body: { currentPassword: string; newPassword: string }, origin: Origin): Promise<void> {
  const { db, clock } = services;
  // Guessing the current password is a sign-in attempt: the same keys and waits as the sign-in page.
  const keys = signInKeys(me.email, origin.address, await isKnownDevice(db, me.id, origin.device));
  await refuseWhileWaiting(db, keys.check, clock.now(), { audit: { event: "auth.login_slowed", userId: me.id, address: origin.address, details: { email: me.email } } });
  const [user] = await db.select().from(users).where(eq(users.id, me.id)).limit(1);
  if (!user || !(await verifyPassword(body.currentPassword, user.passwordHash))) {
    await recordFailures(db, keys.count, clock.now());
    const message = "Mot de passe actuel incorrect.";
    throw new AppError("INVALID_CREDENTIALS", message, { issues: [{ path: "currentPassword", message }] });
  }
  assertStrongPassword(body.newPassword, "newPassword", [user.name, user.email, user.initials]);
  const hash = await hashPassword(body.newPassword);
  const now = clock.now();
  await db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash: hash, passwordSetAt: now.toISOString(), updatedAt: now.toISOString() }).where(eq(users.id, me.id));
    const ended = await tx
      .delete(sessions)
      .where(and(eq(sessions.userId, me.id), ne(sessions.id, hashToken(sessionToken))))
      .returning({ id: sessions.id });
    await endTokens(tx, me.id, now);
    await recordAudit(tx, {
      event: "user.password_changed",
      userId: me.id,
      address: origin.address,
      entity: "user",
      entityId: me.id,
      details: { before: { passwordSetAt: user.passwordSetAt }, after: { passwordSetAt: now.toISOString() }, sessionsEnded: ended.length },
    });
  });
}

/** The user's own live sessions, the one asking first, then by last use. */
export async function listSessions(db: Database, userId: string, sessionToken: string): Promise<SessionItem[]> {
  const current = hashToken(sessionToken);
  const rows = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, new Date().toISOString())))
    .orderBy(desc(sessions.lastSeenAt));
  return rows
    .map((s) => ({
      id: s.id,
      device: deviceOf(s.userAgent),
      place: s.place ?? placeOf(s.userAgent),
      createdAt: s.createdAt,
      lastSeenAt: s.lastSeenAt,
      current: s.id === current,
    }))
    .sort((a, b) => Number(b.current) - Number(a.current));
}

/** Ends one of the user's own sessions; another user's (or an unknown) id is not found. */
export async function endSession(db: Database, userId: string, id: string, address: string): Promise<void> {
  const [ended] = await db
    .delete(sessions)
    .where(and(eq(sessions.id, id), eq(sessions.userId, userId)))
    .returning({ id: sessions.id, userAgent: sessions.userAgent });
  if (!ended) throw new AppError("NOT_FOUND", "Session introuvable (déjà fermée ?).");
  await recordAudit(db, { event: "session.ended", userId, address, entity: "user", entityId: userId, details: { device: deviceOf(ended.userAgent) } });
}

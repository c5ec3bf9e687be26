import { randomBytes } from "node:crypto";
import { and, eq, gt, inArray, isNull } from "drizzle-orm";
import type { Database, Transaction } from "../db/client";
import { AppError } from "../errors";
import { userTokens, users } from "./auth.sql";
import { hashToken } from "./sessions";

// Single-use links to choose a password: an invitation (72 h) for a new account, a reset (1 h) after "mot de passe
// oublié". The token travels only in the link's fragment (`#t=…`), so it never reaches a server log; the database
// keeps its SHA-256, like sessions. A newer link of the same user replaces the older ones; using one ends it in the
// same transaction as the password it sets.

export type TokenPurpose = (typeof userTokens.$inferSelect)["purpose"];

export const TOKEN_HOURS: Record<TokenPurpose, number> = { invitation: 72, reset: 1 };

/** Where each link leads in the client. */
const PAGES: Record<TokenPurpose, string> = { invitation: "bienvenue", reset: "mot-de-passe" };

export const STALE_LINK = "Ce lien n'est plus valable : il a déjà servi, il a expiré ou un lien plus récent l'a remplacé. Demandez-en un nouveau (« Mot de passe oublié » ou au bureau).";

type Db = Database | Transaction;

/** Makes a new link for the user, ending their earlier unused ones. */
export async function createToken(db: Db, req: { userId: string; purpose: TokenPurpose; now: Date; createdBy: string | null }) {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(req.now.getTime() + TOKEN_HOURS[req.purpose] * 3_600_000).toISOString();
  await endTokens(db, req.userId, req.now);
  const id = hashToken(token);
  await db.insert(userTokens).values({ id, userId: req.userId, purpose: req.purpose, createdAt: req.now.toISOString(), expiresAt, createdBy: req.createdBy });
  return { id, token, expiresAt };
}

/** The user's unused links stop working now (a newer link, a changed e-mail, a deactivation). */
export async function endTokens(db: Db, userId: string, now: Date): Promise<void> {
  await db
    .update(userTokens)
    .set({ expiresAt: now.toISOString() })
    .where(and(eq(userTokens.userId, userId), isNull(userTokens.usedAt), gt(userTokens.expiresAt, now.toISOString())));
}

/** The absolute link of a token, as the e-mail carries it. */
export function linkOf(publicUrl: string, purpose: TokenPurpose, token: string): string {
  return `${publicUrl}/${PAGES[purpose]}#t=${token}`;
}

/** The link and the user behind a token still valid now; a used, expired, replaced or unknown one answers 410. */
export async function validToken(db: Db, token: string, now: Date) {
  const [row] = await db
    .select({ token: userTokens, user: users })
    .from(userTokens)
    .innerJoin(users, eq(users.id, userTokens.userId))
    .where(and(eq(userTokens.id, hashToken(token)), isNull(userTokens.usedAt), gt(userTokens.expiresAt, now.toISOString()), eq(users.active, true)))
    .limit(1);
  if (!row) throw new AppError("LINK_STALE", STALE_LINK);
  return row;
}

/** Marks the link used, in the caller's transaction; false when it was used or ended meanwhile. */
export async function consumeToken(tx: Db, tokenId: string, now: Date): Promise<boolean> {
  const done = await tx
    .update(userTokens)
    .set({ usedAt: now.toISOString() })
    .where(and(eq(userTokens.id, tokenId), isNull(userTokens.usedAt), gt(userTokens.expiresAt, now.toISOString())))
    .returning({ id: userTokens.id });
  return done.length === 1;
}

/** The outbox key of a link's e-mail: the worker finds the link by it, to cancel a mail whose link is stale. */
export function accountMailKey(tokenId: string): string {
  return `account:${tokenId}`;
}

/** The links (by id) among `keys` that can no longer be used at `now`. */
export async function staleTokenIds(db: Db, keys: readonly string[], now: Date): Promise<Set<string>> {
  const ids = keys.filter((k) => k.startsWith("account:")).map((k) => k.slice("account:".length));
  if (ids.length === 0) return new Set();
  const live = await db
    .select({ id: userTokens.id })
    .from(userTokens)
    .where(and(inArray(userTokens.id, ids), isNull(userTokens.usedAt), gt(userTokens.expiresAt, now.toISOString())));
  const alive = new Set(live.map((r) => r.id));
  return new Set(ids.filter((id) => !alive.has(id)));
}

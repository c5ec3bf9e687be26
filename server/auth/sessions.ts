import { createHash, randomBytes } from "node:crypto";
import { and, eq, gt, lt, sql } from "drizzle-orm";
import type { SessionUser } from "../../shared/schemas/auth";
import type { Database, Transaction } from "../db/client";
import { sites } from "../sites/sites.sql";
import { sessions, users, userSites } from "./auth.sql";
import { placeOf } from "./devices";

export const SESSION_COOKIE = "cadenas_session";

/**
 * Creates a session and returns the token for the cookie; only its hash is stored. Where it was opened (phone or
 * desk, from the User-Agent) and from which address are kept for the user's list of their sessions.
 */
export async function createSession(db: Database | Transaction, userId: string, days: number, userAgent: string | undefined, address?: string | null) {
  const token = randomBytes(32).toString("base64url");
  const now = new Date();
  const expiresAt = new Date(now.getTime() + days * 86_400_000);
  await db.insert(sessions).values({
    id: hashToken(token),
    userId,
    expiresAt: expiresAt.toISOString(),
    lastSeenAt: now.toISOString(),
    userAgent: userAgent?.slice(0, 300),
    place: placeOf(userAgent),
    lastAddress: address ?? null,
  });
  return { token, expiresAt };
}

/**
 * The user behind a session token, or null when the token is unknown, expired or the user disabled.
 * The session slides: each use more than an hour after the last pushes its expiry `days` ahead, so a phone
 * used every day never has to sign in again.
 */
export async function userForSession(db: Database, token: string, days: number): Promise<SessionUser | null> {
  const now = new Date();
  const id = hashToken(token);
  const q = queriesOf(db);
  // One statement: the session, its user and their sites (each a round trip to a libSQL server).
  const [row] = await q.session.all({ id, now: now.toISOString() });
  if (!row) return null;
  if (now.getTime() - Date.parse(row.session.lastSeenAt) > 3_600_000) {
    await db
      .update(sessions)
      .set({ lastSeenAt: now.toISOString(), expiresAt: new Date(now.getTime() + days * 86_400_000).toISOString() })
      .where(eq(sessions.id, id));
  }
  return toSessionUser(row.user, JSON.parse(row.sites) as SessionUser["sites"]);
}

/**
 * Every API request looks its session up: these run prepared, once built for the database, because building a
 * query with drizzle costs more than SQLite answering it.
 */
const prepared = new WeakMap<Database, ReturnType<typeof prepareQueries>>();
function queriesOf(db: Database) {
  let q = prepared.get(db);
  if (!q) prepared.set(db, (q = prepareQueries(db)));
  return q;
}

const siteColumns = { id: sites.id, code: sites.code, name: sites.name, phone: sites.phone, timeZone: sites.timeZone, openingHours: sites.openingHours };

/** `siteColumns` of the user's sites (every site for the office) in code order, as a JSON array, beside the session. */
const sessionSites = sql<string>`(
  select json_group_array(json_object('id', s.id, 'code', s.code, 'name', s.name, 'phone', s.phone, 'timeZone', s.time_zone, 'openingHours', json(s.opening_hours)))
  from (select * from ${sites} s where ${users.role} = 'office' or s.id in (select us.site_id from ${userSites} us where us.user_id = ${users.id}) order by s.code) s
)`;

function prepareQueries(db: Database) {
  return {
    session: db
      .select({ session: sessions, user: users, sites: sessionSites })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.id, sql.placeholder("id")), gt(sessions.expiresAt, sql.placeholder("now")), eq(users.active, true)))
      .limit(1)
      .prepare(),
    allSites: db.select(siteColumns).from(sites).orderBy(sites.code).prepare(),
    userSites: db
      .select(siteColumns)
      .from(userSites)
      .innerJoin(sites, eq(sites.id, userSites.siteId))
      .where(eq(userSites.userId, sql.placeholder("userId")))
      .orderBy(sites.code)
      .prepare(),
  };
}

export async function deleteSession(db: Database, token: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, hashToken(token)));
}

export async function deleteExpiredSessions(db: Database, now = new Date()): Promise<void> {
  await db.delete(sessions).where(lt(sessions.expiresAt, now.toISOString()));
}

/** The user as the client sees it, with the sites they work on (every site for the office). */
export async function loadSessionUser(db: Database, user: typeof users.$inferSelect): Promise<SessionUser> {
  const q = queriesOf(db);
  return toSessionUser(user, user.role === "office" ? await q.allSites.all() : await q.userSites.all({ userId: user.id }));
}

function toSessionUser(user: typeof users.$inferSelect, siteRows: SessionUser["sites"]): SessionUser {
  return { id: user.id, email: user.email, name: user.name, initials: user.initials, role: user.role, sites: siteRows };
}

/** Sessions and single-use links are stored by this hash of their token. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

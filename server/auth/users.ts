import { and, asc, eq, inArray, ne, sql } from "drizzle-orm";
import type { Role } from "../../shared/enums";
import type { SessionUser } from "../../shared/schemas/auth";
import type { InvitationResponse, UserBody, UserItem, UserPatch } from "../../shared/schemas/users";
import { recordAudit, changes } from "../audit/audit";
import type { Database, Transaction } from "../db/client";
import type { Clock } from "../context";
import { AppError } from "../errors";
import { sites } from "../sites/sites.sql";
import { syncClients } from "../sync/sync.sql";
import { queueAccountMail } from "./account-mail";
import { sessions, users, userSites } from "./auth.sql";
import { createToken, endTokens, linkOf } from "./tokens";

// The office manages the accounts; a Manager manages the site managers of the Manager's own sites, nothing else;
// a site manager manages none. A new account has no password (`!`, nothing signs in with it) until its holder chooses
// one through the invitation link. Initials sign the billing log, so they stay unique among every user ever made,
// deactivated ones included. Every change goes to the audit log with what it changed — never a hash nor a token.

/** Who asks, from where, when: what every change needs for its checks and its audit line. */
export interface Actor {
  user: SessionUser;
  address: string;
}

/** What creating or inviting needs besides the database: the clock, the links' address, whether SMTP is set. */
export interface MailContext {
  clock: Clock;
  publicUrl: string;
  smtp: boolean;
  timeZone: string;
}

export const NOT_FOR_SITE_MANAGERS = "Les comptes sont gérés par le bureau, ou par un Manager pour les gestionnaires de ses sites.";
const MANAGER_LIMIT = "Un Manager ne gère que les gestionnaires de site de ses propres sites : ce compte, ce rôle ou ces sites sont hors de sa portée. Demandez au bureau.";

/** An account with no password chosen yet: nothing signs in with it. */
export const NO_PASSWORD = "!";

type Db = Database | Transaction;
type UserRow = typeof users.$inferSelect;

function canManageAccounts(actor: Actor): void {
  if (actor.user.role === "site_manager") throw new AppError("FORBIDDEN", NOT_FOR_SITE_MANAGERS);
}

function managerSites(actor: Actor): Set<string> {
  return new Set(actor.user.sites.map((s) => s.id));
}

/** Whether the one asking may change this user: the office any, a Manager a site manager of the Manager's sites only. */
export function mayEdit(actor: { role: Role; siteIds: ReadonlySet<string> }, target: { role: Role; siteIds: readonly string[] }): boolean {
  if (actor.role === "office") return true;
  if (actor.role !== "manager") return false;
  return target.role === "site_manager" && target.siteIds.length > 0 && target.siteIds.every((id) => actor.siteIds.has(id));
}

function stateOf(u: UserRow): UserItem["state"] {
  if (!u.active || u.deactivatedAt) return "deactivated";
  return u.passwordHash === NO_PASSWORD ? "invited" : "active";
}

/** The users the one asking may see, as the *Comptes* screen lists them. */
export async function listUsers(db: Db, actor: Actor): Promise<UserItem[]> {
  canManageAccounts(actor);
  const where =
    actor.user.role === "office"
      ? undefined
      : inArray(users.id, db.select({ id: userSites.userId }).from(userSites).where(inArray(userSites.siteId, [...managerSites(actor), "-"])));
  const rows = await db.select().from(users).where(where).orderBy(asc(users.name), asc(users.id));
  return itemsOf(db, actor, rows);
}

async function itemsOf(db: Db, actor: Actor, rows: UserRow[]): Promise<UserItem[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [siteRows, seen, reports] = await Promise.all([
    db
      .select({ userId: userSites.userId, id: sites.id, code: sites.code, name: sites.name })
      .from(userSites)
      .innerJoin(sites, eq(sites.id, userSites.siteId))
      .where(inArray(userSites.userId, ids))
      .orderBy(asc(sites.code)),
    db
      .select({ userId: sessions.userId, at: sql<string | null>`max(${sessions.lastSeenAt})` })
      .from(sessions)
      .where(inArray(sessions.userId, ids))
      .groupBy(sessions.userId),
    db
      .select({ userId: syncClients.userId, lastSeenAt: syncClients.lastSeenAt, pending: syncClients.reportedPending, at: syncClients.reportedAt })
      .from(syncClients)
      .where(inArray(syncClients.userId, ids)),
  ]);
  const sitesOf = new Map<string, UserItem["sites"]>();
  for (const s of siteRows) sitesOf.set(s.userId, [...(sitesOf.get(s.userId) ?? []), { id: s.id, code: s.code, name: s.name }]);
  const lastSeen = new Map(seen.map((s) => [s.userId, s.at]));
  const latest = new Map<string, { pending: number; at: string }>();
  for (const r of reports) {
    // A phone syncs without a new session: its last contact counts as the user's last use too.
    const s = lastSeen.get(r.userId);
    if (!s || r.lastSeenAt > s) lastSeen.set(r.userId, r.lastSeenAt);
    if (r.pending === null || !r.at) continue;
    const before = latest.get(r.userId);
    if (!before || r.at > before.at) latest.set(r.userId, { pending: r.pending, at: r.at });
  }
  const who = { role: actor.user.role, siteIds: managerSites(actor) };
  return rows.map((u) => {
    const userSiteList = sitesOf.get(u.id) ?? [];
    const report = latest.get(u.id);
    return {
      id: u.id,
      name: u.name,
      email: u.email,
      initials: u.initials,
      role: u.role,
      state: stateOf(u),
      sites: userSiteList,
      createdAt: u.createdAt,
      deactivatedAt: u.deactivatedAt ?? (u.active ? null : u.updatedAt),
      lastSeenAt: lastSeen.get(u.id) ?? null,
      pendingOnPhone: report?.pending ?? null,
      pendingReportedAt: report?.at ?? null,
      editable: mayEdit(who, { role: u.role, siteIds: userSiteList.map((s) => s.id) }),
      twoFactor: u.totpSecret !== null,
    };
  });
}

export async function itemOf(db: Db, actor: Actor, id: string): Promise<UserItem> {
  const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  if (!row) throw new AppError("NOT_FOUND", "Compte introuvable.");
  return (await itemsOf(db, actor, [row]))[0]!;
}

/** The user and the ids of their sites; 404 when unknown, 403 when the one asking may not change them. */
async function editableTarget(db: Db, actor: Actor, id: string) {
  canManageAccounts(actor);
  const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  if (!row) throw new AppError("NOT_FOUND", "Compte introuvable.");
  const siteIds = (await db.select({ id: userSites.siteId }).from(userSites).where(eq(userSites.userId, id))).map((r) => r.id);
  if (!mayEdit({ role: actor.user.role, siteIds: managerSites(actor) }, { role: row.role, siteIds })) throw new AppError("FORBIDDEN", MANAGER_LIMIT);
  return { row, siteIds };
}

/** A Manager may give only the site-manager role, on the Manager's own sites. */
function checkManagerGrant(actor: Actor, role: Role, siteIds: readonly string[]): void {
  if (actor.user.role !== "manager") return;
  const own = managerSites(actor);
  if (role !== "site_manager" || !siteIds.every((id) => own.has(id))) throw new AppError("FORBIDDEN", MANAGER_LIMIT);
}

/** Sites must exist, and everyone but the office works on at least one. Returns the ids to store. */
async function checkSites(db: Db, role: Role, siteIds: readonly string[]): Promise<string[]> {
  if (role === "office") return [];
  const unique = [...new Set(siteIds)];
  if (unique.length === 0) throw invalid("siteIds", "Choisissez au moins un site : un gestionnaire ou un Manager travaille sur ses sites.");
  const found = await db.select({ id: sites.id }).from(sites).where(inArray(sites.id, unique));
  if (found.length !== unique.length) throw invalid("siteIds", "Site inconnu.");
  return unique;
}

function invalid(path: string, message: string): AppError {
  return new AppError("VALIDATION_FAILED", message, { issues: [{ path, message }] });
}

/** E-mail and initials are unique; initials among every user, deactivated ones included (they sign the log). */
async function checkUnique(db: Db, fields: { email?: string; initials?: string }, except: string | null): Promise<void> {
  if (fields.email) {
    const [taken] = await db
      .select({ name: users.name })
      .from(users)
      .where(and(eq(users.email, fields.email), except ? ne(users.id, except) : undefined))
      .limit(1);
    if (taken) {
      const message = `L'adresse ${fields.email} est déjà celle du compte de ${taken.name}.`;
      throw new AppError("CONFLICT", message, { issues: [{ path: "email", message }] });
    }
  }
  if (fields.initials) {
    const [taken] = await db
      .select({ name: users.name, active: users.active })
      .from(users)
      .where(and(eq(users.initials, fields.initials), except ? ne(users.id, except) : undefined))
      .limit(1);
    if (taken) {
      const message = `Les initiales ${fields.initials} sont déjà celles de ${taken.name}${taken.active ? "" : " (compte désactivé)"} : elles signent le journal de facturation et restent uniques. Choisissez-en d'autres (une lettre de plus, par exemple).`;
      throw new AppError("CONFLICT", message, { issues: [{ path: "initials", message }] });
    }
  }
}

/** The last office account still active cannot be deactivated nor given another role: nobody could manage accounts. */
async function keepAnOffice(db: Db, target: UserRow, what: string): Promise<void> {
  if (target.role !== "office" || !target.active) return;
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(users)
    .where(and(eq(users.role, "office"), eq(users.active, true), ne(users.id, target.id)));
  if (Number(row?.n ?? 0) === 0) throw new AppError("CONFLICT", `C'est le dernier compte du bureau encore actif : ${what} laisserait Cadenas sans personne pour gérer les comptes.`);
}

/** What the audit log keeps of a user: never the hash. */
function audited(u: Pick<UserRow, "name" | "email" | "initials" | "role">, siteIds: readonly string[]) {
  return { name: u.name, email: u.email, initials: u.initials, role: u.role, siteIds: [...siteIds].sort() };
}

/** Creates the account (no password yet) and sends its invitation. */
export async function createUser(db: Database, actor: Actor, body: UserBody, mail: MailContext): Promise<InvitationResponse> {
  canManageAccounts(actor);
  checkManagerGrant(actor, body.role, body.siteIds);
  const siteIds = await checkSites(db, body.role, body.siteIds);
  const now = mail.clock.now();
  const id = crypto.randomUUID();
  const invitation = await db.transaction(async (tx) => {
    await checkUnique(tx, { email: body.email, initials: body.initials }, null);
    await tx.insert(users).values({
      id,
      email: body.email,
      name: body.name,
      initials: body.initials,
      role: body.role,
      passwordHash: NO_PASSWORD,
      active: true,
      createdBy: actor.user.id,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    });
    if (siteIds.length > 0) await tx.insert(userSites).values(siteIds.map((siteId) => ({ userId: id, siteId })));
    await recordAudit(tx, { event: "user.created", userId: actor.user.id, address: actor.address, entity: "user", entityId: id, details: changes(null, audited(body, siteIds)) });
    return invite(tx, actor, { id, name: body.name, email: body.email }, mail);
  });
  return { user: await itemOf(db, actor, id), ...invitation };
}

/** A new invitation link for an account still waiting for its password; the earlier links stop working. */
export async function reinvite(db: Database, actor: Actor, id: string, mail: MailContext): Promise<InvitationResponse> {
  const { row } = await editableTarget(db, actor, id);
  if (!row.active) throw new AppError("CONFLICT", "Ce compte est désactivé : réactivez-le d'abord.");
  if (row.passwordHash !== NO_PASSWORD) throw new AppError("CONFLICT", `${row.name} a déjà choisi un mot de passe : pour en changer, utiliser « Mot de passe oublié » sur la page de connexion.`);
  const invitation = await db.transaction((tx) => invite(tx, actor, row, mail));
  return { user: await itemOf(db, actor, id), ...invitation };
}

async function invite(tx: Transaction, actor: Actor, user: { id: string; name: string; email: string }, mail: MailContext) {
  const now = mail.clock.now();
  const token = await createToken(tx, { userId: user.id, purpose: "invitation", now, createdBy: actor.user.id });
  const link = linkOf(mail.publicUrl, "invitation", token.token);
  await queueAccountMail(tx, { purpose: "invitation", tokenId: token.id, link, expiresAt: token.expiresAt, user, invitedBy: actor.user.name, timeZone: mail.timeZone });
  await recordAudit(tx, {
    event: "user.invitation_sent",
    userId: actor.user.id,
    address: actor.address,
    entity: "user",
    entityId: user.id,
    details: { email: user.email, expiresAt: token.expiresAt, delivery: mail.smtp ? "email" : "handover" },
  });
  // With no SMTP the e-mail is only written to the local folder: the office hands the link over itself.
  return { delivery: mail.smtp ? ("email" as const) : ("handover" as const), link: mail.smtp ? null : link, expiresAt: token.expiresAt };
}

/** Changes a user's name, e-mail, initials, role or sites. */
export async function updateUser(db: Database, actor: Actor, id: string, patch: UserPatch, clock: Clock): Promise<UserItem> {
  const { row, siteIds: before } = await editableTarget(db, actor, id);
  const role = patch.role ?? row.role;
  const wanted = patch.siteIds ?? before;
  if (patch.role !== undefined || patch.siteIds !== undefined) checkManagerGrant(actor, role, wanted);
  const siteIds = patch.role !== undefined || patch.siteIds !== undefined ? await checkSites(db, role, wanted) : before;
  if (role !== row.role) await keepAnOffice(db, row, "lui donner un autre rôle");
  const next = { name: patch.name ?? row.name, email: patch.email ?? row.email, initials: patch.initials ?? row.initials, role };
  const now = clock.now();
  await db.transaction(async (tx) => {
    await checkUnique(tx, { email: next.email !== row.email ? next.email : undefined, initials: next.initials !== row.initials ? next.initials : undefined }, id);
    await tx.update(users).set({ ...next, updatedAt: now.toISOString() }).where(eq(users.id, id));
    if (siteIds.join() !== before.join()) {
      await tx.delete(userSites).where(eq(userSites.userId, id));
      if (siteIds.length > 0) await tx.insert(userSites).values(siteIds.map((siteId) => ({ userId: id, siteId })));
    }
    // A link sent to the former address must not keep working.
    if (next.email !== row.email) await endTokens(tx, id, now);
    const diff = changes(audited(row, before), audited(next, siteIds));
    if (Object.keys(diff.after ?? {}).length > 0) await recordAudit(tx, { event: "user.updated", userId: actor.user.id, address: actor.address, entity: "user", entityId: id, details: diff });
  });
  return itemOf(db, actor, id);
}

/** Ends every session of the user at once (their phone's next request gets 401) and every link they were sent. */
export async function deactivateUser(db: Database, actor: Actor, id: string, clock: Clock): Promise<UserItem> {
  const { row } = await editableTarget(db, actor, id);
  if (id === actor.user.id) throw new AppError("CONFLICT", "Vous ne pouvez pas désactiver votre propre compte.");
  if (!row.active) return itemOf(db, actor, id);
  await keepAnOffice(db, row, "le désactiver");
  const now = clock.now();
  await db.transaction(async (tx) => {
    await tx.update(users).set({ active: false, deactivatedAt: now.toISOString(), updatedAt: now.toISOString() }).where(eq(users.id, id));
    const ended = await tx.delete(sessions).where(eq(sessions.userId, id)).returning({ id: sessions.id });
    await endTokens(tx, id, now);
    await recordAudit(tx, {
      event: "user.deactivated",
      userId: actor.user.id,
      address: actor.address,
      entity: "user",
      entityId: id,
      details: { before: { active: true, deactivatedAt: null }, after: { active: false, deactivatedAt: now.toISOString() }, sessionsEnded: ended.length },
    });
  });
  return itemOf(db, actor, id);
}

/** The account works again with its password (or its pending invitation needs a new link). */
export async function reactivateUser(db: Database, actor: Actor, id: string, clock: Clock): Promise<UserItem> {
  const { row } = await editableTarget(db, actor, id);
  if (row.active) return itemOf(db, actor, id);
  const now = clock.now();
  await db.transaction(async (tx) => {
    await tx.update(users).set({ active: true, deactivatedAt: null, updatedAt: now.toISOString() }).where(eq(users.id, id));
    await recordAudit(tx, {
      event: "user.reactivated",
      userId: actor.user.id,
      address: actor.address,
      entity: "user",
      entityId: id,
      details: { before: { active: false, deactivatedAt: row.deactivatedAt }, after: { active: true, deactivatedAt: null } },
    });
  });
  return itemOf(db, actor, id);
}

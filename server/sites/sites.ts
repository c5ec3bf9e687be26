import { createHash } from "node:crypto";
import { and, asc, eq, inArray, ne, sql } from "drizzle-orm";
import { PDFDocument } from "pdf-lib";
import { senderSite, type SenderSite } from "../../shared/messaging/compose";
import { MAX_LOGO_BYTES, type SiteBody, type SiteItem, type SitePatch } from "../../shared/schemas/sites";
import { siteZone } from "../../shared/sites/zone";
import { changes, recordAudit } from "../audit/audit";
import { users, userSites } from "../auth/auth.sql";
import { inScope, type Scope } from "../auth/scope";
import type { Database, Transaction } from "../db/client";
import { AppError } from "../errors";
import { sniffImage } from "../evidence/blobs";
import type { Logos, LogoImage } from "../messaging/letter-pdf";
import { contracts } from "../customers/customers.sql";
import { sites, units } from "./sites.sql";

/**
 * Sites as the office sets them up: identity and address, how their messages go out (e-mail sender name and
 * reply-to, SMS sender), the letterhead (logo, legal mentions, signatory), the time zone of their calendar, the
 * gate's opening hours and who works there. Every change is audited with what it changed. Messages read the
 * sites through `senderSites` and `siteSendings`, so a change shows in the next letter, e-mail or SMS.
 */

type Db = Database | Transaction;

/** Who makes a change, for the audit log. */
export interface Actor {
  userId: string;
  address: string | null;
}

/** The sites a scope sees, with who works there and how many boxes each has. */
export async function listSites(db: Db, scope: Scope, defaultTimeZone: string): Promise<SiteItem[]> {
  const rows = await db.select(SITE_COLUMNS).from(sites).where(inScope(scope, sites.id)).orderBy(asc(sites.code));
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [staff, boxes] = await Promise.all([
    db
      .select({ siteId: userSites.siteId, id: users.id, name: users.name, role: users.role })
      .from(userSites)
      .innerJoin(users, eq(users.id, userSites.userId))
      .where(and(inArray(userSites.siteId, ids), ne(users.role, "office")))
      .orderBy(asc(users.name)),
    db
      .select({ siteId: units.siteId, n: sql<number>`count(*)` })
      .from(units)
      .where(inArray(units.siteId, ids))
      .groupBy(units.siteId),
  ]);
  return rows.map(({ logoSize, ...r }) => ({
    ...r,
    timeZone: siteZone(r, defaultTimeZone),
    hasLogo: Boolean(logoSize),
    users: staff.filter((s) => s.siteId === r.id).map(({ siteId: _, ...u }) => u),
    boxes: Number(boxes.find((b) => b.siteId === r.id)?.n ?? 0),
  }));
}

export async function createSite(db: Database, body: SiteBody, who: Actor, defaultTimeZone: string): Promise<SiteItem> {
  const { userIds, ...fields } = body;
  await checkCodeFree(db, fields.code, null);
  const staff = await workingUsers(db, userIds);
  const id = crypto.randomUUID();
  await db.transaction(async (tx) => {
    await tx.insert(sites).values({ id, ...fields });
    if (staff.length > 0) await tx.insert(userSites).values(staff.map((userId) => ({ userId, siteId: id })));
    await recordAudit(tx, { event: "site.created", userId: who.userId, address: who.address, entity: "site", entityId: id, details: { before: null, after: { ...fields, userIds: staff } } });
  });
  return (await siteItem(db, id, defaultTimeZone))!;
}

export async function updateSite(db: Database, id: string, patch: SitePatch, who: Actor, defaultTimeZone: string): Promise<SiteItem> {
  const [row] = await db.select(SITE_COLUMNS).from(sites).where(eq(sites.id, id));
  if (!row) throw new AppError("NOT_FOUND", "Site introuvable.");
  const { userIds, ...fields } = patch;
  if (fields.code !== undefined) await checkCodeFree(db, fields.code, id);
  const staff = userIds === undefined ? undefined : await workingUsers(db, userIds);
  const staffBefore = (await db.select({ userId: userSites.userId }).from(userSites).where(eq(userSites.siteId, id))).map((r) => r.userId).sort();
  const before = { ...pick(row, Object.keys(fields)), ...(staff ? { userIds: staffBefore } : {}) };
  const after = { ...fields, ...(staff ? { userIds: staff } : {}) };
  const changed = changes<Record<string, unknown>>(before, after);
  await db.transaction(async (tx) => {
    if (Object.keys(fields).length > 0) await tx.update(sites).set(fields).where(eq(sites.id, id));
    if (staff) {
      await tx.delete(userSites).where(eq(userSites.siteId, id));
      if (staff.length > 0) await tx.insert(userSites).values(staff.map((userId) => ({ userId, siteId: id })));
    }
    if (Object.keys(changed.after ?? {}).length > 0) await recordAudit(tx, { event: "site.updated", userId: who.userId, address: who.address, entity: "site", entityId: id, details: changed });
  });
  return (await siteItem(db, id, defaultTimeZone))!;
}

/**
 * Replaces the letterhead's logo after checking what the bytes are (not what the request says): a PNG or a JPEG
 * that a PDF can embed, at most `MAX_LOGO_BYTES`.
 */
export async function setLogo(db: Database, id: string, bytes: Uint8Array, declaredType: string | undefined, who: Actor, defaultTimeZone: string): Promise<SiteItem> {
  const declared = (declaredType ?? "").split(";")[0]!.trim().toLowerCase();
  if (declared !== "image/png" && declared !== "image/jpeg") {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", `Le logo doit être une image PNG ou JPEG (reçu : ${declared || "type inconnu"}).`, { issues: [{ path: "logo", message: "PNG ou JPEG seulement" }] });
  }
  if (bytes.length === 0) throw new AppError("VALIDATION_FAILED", "Le fichier du logo est vide.", { issues: [{ path: "logo", message: "fichier vide" }] });
  if (bytes.length > MAX_LOGO_BYTES) throw logoTooLarge(bytes.length);
  const type = sniffImage(bytes)?.mime;
  if (type !== declared) {
    throw new AppError("VALIDATION_FAILED", `Ce fichier n'est pas une image ${declared === "image/png" ? "PNG" : "JPEG"} : son contenu ne correspond pas.`, { issues: [{ path: "logo", message: "le contenu n'est pas une image PNG ou JPEG" }] });
  }
  if (!(await embeds(bytes, type))) {
    throw new AppError("VALIDATION_FAILED", "Cette image ne peut pas être imprimée sur les courriers (fichier abîmé ou format non pris en charge, PNG entrelacé par exemple).", { issues: [{ path: "logo", message: "image illisible" }] });
  }
  const before = await logoFacts(db, id);
  await db.transaction(async (tx) => {
    await tx.update(sites).set({ logo: Buffer.from(bytes), logoType: type }).where(eq(sites.id, id));
    await recordAudit(tx, { event: "site.logo", userId: who.userId, address: who.address, entity: "site", entityId: id, details: { before: { logo: before }, after: { logo: describeLogo(bytes, type) } } });
  });
  return (await siteItem(db, id, defaultTimeZone))!;
}

export async function removeLogo(db: Database, id: string, who: Actor, defaultTimeZone: string): Promise<SiteItem> {
  const before = await logoFacts(db, id);
  if (before) {
    await db.transaction(async (tx) => {
      await tx.update(sites).set({ logo: null, logoType: null }).where(eq(sites.id, id));
      await recordAudit(tx, { event: "site.logo", userId: who.userId, address: who.address, entity: "site", entityId: id, details: { before: { logo: before }, after: { logo: null } } });
    });
  }
  return (await siteItem(db, id, defaultTimeZone))!;
}

export async function siteLogo(db: Db, id: string): Promise<LogoImage | null> {
  const [row] = await db.select({ logo: sites.logo, type: sites.logoType }).from(sites).where(eq(sites.id, id));
  return row?.logo && (row.type === "image/png" || row.type === "image/jpeg") ? { bytes: row.logo, type: row.type } : null;
}

export function logoTooLarge(size: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `Logo trop lourd (${Math.ceil(size / 1024)} Ko) : ${MAX_LOGO_BYTES / 1024} Ko au plus. Réduisez l'image (400 px de large suffisent).`, {
    issues: [{ path: "logo", message: `${MAX_LOGO_BYTES / 1024} Ko au plus` }],
  });
}

/** The calendar a customer's papers are dated in: their boxes' site's zone (the first site, for the rare customer at two). */
export async function customerZone(db: Db, customerId: string, defaultTimeZone: string): Promise<string> {
  const [row] = await db
    .select({ timeZone: sites.timeZone })
    .from(contracts)
    .innerJoin(units, eq(units.id, contracts.unitId))
    .innerJoin(sites, eq(sites.id, units.siteId))
    .where(eq(contracts.customerId, customerId))
    .orderBy(asc(sites.code))
    .limit(1);
  return siteZone(row, defaultTimeZone);
}

// ————— What messages read of their sites —————

/** How a site's messages go out, beside what they say: read by the outbox worker when it sends. */
export interface SiteSending {
  site: SenderSite;
  replyTo: string | null;
  smsSender: string | null;
  timeZone: string | null;
}

/** The sites messages name, with their letterhead (and which logo), by id. */
export async function senderSites(db: Db, ids: readonly (string | null)[]): Promise<Map<string, SenderSite>> {
  return new Map([...(await siteSendings(db, ids))].map(([id, s]) => [id, s.site]));
}

export async function siteSendings(db: Db, ids: readonly (string | null)[]): Promise<Map<string, SiteSending>> {
  const wanted = [...new Set(ids.filter((i): i is string => Boolean(i)))];
  if (wanted.length === 0) return new Map();
  const rows = await db.select(SITE_COLUMNS).from(sites).where(inArray(sites.id, wanted));
  const shas = await logoShas(db, rows);
  return new Map(
    rows.map((r) => [r.id, { site: senderSite({ ...r, logoSha256: shas.get(r.id) ?? null }), replyTo: r.replyTo, smsSender: r.smsSender, timeZone: r.timeZone }]),
  );
}

/** The logos of these sites, by SHA-256, for the letters that print them. */
export async function logosOf(db: Db, siteIds: readonly (string | null)[]): Promise<Logos> {
  const wanted = [...new Set(siteIds.filter((i): i is string => Boolean(i)))];
  if (wanted.length === 0) return new Map();
  const rows = await db.select({ logo: sites.logo, type: sites.logoType }).from(sites).where(inArray(sites.id, wanted));
  const out = new Map<string, LogoImage>();
  for (const r of rows) if (r.logo && (r.type === "image/png" || r.type === "image/jpeg")) out.set(sha256(r.logo), { bytes: r.logo, type: r.type });
  return out;
}

// ————— helpers —————

const SITE_COLUMNS = {
  id: sites.id,
  code: sites.code,
  name: sites.name,
  address: sites.address,
  postalCode: sites.postalCode,
  city: sites.city,
  phone: sites.phone,
  email: sites.email,
  senderName: sites.senderName,
  replyTo: sites.replyTo,
  smsSender: sites.smsSender,
  legalName: sites.legalName,
  legalForm: sites.legalForm,
  shareCapital: sites.shareCapital,
  siret: sites.siret,
  rcs: sites.rcs,
  registeredOffice: sites.registeredOffice,
  signatoryName: sites.signatoryName,
  signatoryTitle: sites.signatoryTitle,
  iban: sites.iban,
  timeZone: sites.timeZone,
  openingHours: sites.openingHours,
  updatedAt: sites.updatedAt,
  logoSize: sql<number | null>`length(${sites.logo})`,
};

async function siteItem(db: Db, id: string, defaultTimeZone: string): Promise<SiteItem | undefined> {
  return (await listSites(db, { all: true }, defaultTimeZone)).find((s) => s.id === id);
}

async function checkCodeFree(db: Db, code: string, self: string | null): Promise<void> {
  const [taken] = await db.select({ id: sites.id, name: sites.name }).from(sites).where(eq(sites.code, code));
  if (taken && taken.id !== self) {
    const message = `Le code ${code} est déjà celui du site « ${taken.name} ».`;
    throw new AppError("CONFLICT", message, { issues: [{ path: "code", message }] });
  }
}

/**
 * The users a site's list names, checked: every id must be a user. The office is left out: it sees every site and
 * has no rows in `user_sites`.
 */
async function workingUsers(db: Db, ids: readonly string[]): Promise<string[]> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return [];
  const found = await db.select({ id: users.id, role: users.role }).from(users).where(inArray(users.id, wanted));
  const unknown = wanted.filter((id) => !found.some((u) => u.id === id));
  if (unknown.length > 0) {
    const message = `Utilisateur${unknown.length > 1 ? "s" : ""} inconnu${unknown.length > 1 ? "s" : ""} : ${unknown.join(", ")}`;
    throw new AppError("VALIDATION_FAILED", message, { issues: [{ path: "userIds", message }] });
  }
  return found
    .filter((u) => u.role !== "office")
    .map((u) => u.id)
    .sort();
}

function pick<T extends object>(row: T, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, (row as Record<string, unknown>)[k]]));
}

async function logoFacts(db: Db, id: string) {
  const [row] = await db.select({ id: sites.id, logo: sites.logo, type: sites.logoType }).from(sites).where(eq(sites.id, id));
  if (!row) throw new AppError("NOT_FOUND", "Site introuvable.");
  return row.logo ? describeLogo(row.logo, row.type ?? "") : null;
}

function describeLogo(bytes: Uint8Array, type: string) {
  return { type, size: bytes.length, sha256: sha256(bytes) };
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function embeds(bytes: Uint8Array, type: "image/png" | "image/jpeg"): Promise<boolean> {
  try {
    const doc = await PDFDocument.create();
    await (type === "image/png" ? doc.embedPng(bytes) : doc.embedJpg(bytes));
    return true;
  } catch {
    return false;
  }
}

/**
 * A logo's SHA-256 names it in the letters' snapshots; computed once per version of the site (its `updatedAt` and
 * size), not read and hashed again for every message.
 */
const shaMemo = new Map<string, { version: string; sha: string }>();
async function logoShas(db: Db, rows: { id: string; updatedAt: string; logoSize: number | null }[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const stale: string[] = [];
  for (const r of rows) {
    if (!r.logoSize) continue;
    const known = shaMemo.get(r.id);
    if (known?.version === `${r.updatedAt}|${r.logoSize}`) out.set(r.id, known.sha);
    else stale.push(r.id);
  }
  if (stale.length > 0) {
    for (const r of await db.select({ id: sites.id, logo: sites.logo, updatedAt: sites.updatedAt }).from(sites).where(inArray(sites.id, stale))) {
      if (!r.logo) continue;
      const sha = sha256(r.logo);
      shaMemo.set(r.id, { version: `${r.updatedAt}|${r.logo.length}`, sha });
      out.set(r.id, sha);
    }
  }
  return out;
}

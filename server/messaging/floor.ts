import { createHash } from "node:crypto";
import { asc, eq } from "drizzle-orm";
import type { CalendarDate } from "../../shared/dates";
import { addresseeOfDoc, compose, floorSiteId, senderSite, type SenderSite } from "../../shared/messaging/compose";
import { senderSites } from "../sites/sites";
import { floorTemplates, variantFor } from "../../shared/messaging/templates";
import type { Rejection } from "../../shared/schemas/mutations";
import type { FloorMessaging } from "../../shared/schemas/templates";
import { inScope, type Scope } from "../auth/scope";
import type { Database, Transaction } from "../db/client";
import { buildDebtorDocs } from "../debtors/docs";
import { sites } from "../sites/sites.sql";
import { messages } from "./messaging.sql";
import { loadTemplates } from "./outbox";
import { loadSettings } from "../engine/settings";

type Db = Database | Transaction;

/**
 * The floor's messages: the office's templates marked for the floor, sent to the phones with their sync so the
 * message sheet previews them offline, and rendered again here when a phone asks the server to send one — by the
 * same renderer, from the same debtor document the phone holds (`addresseeOfDoc`), so the preview is the text.
 */

/** The floor's templates and the scope's sites, with a fingerprint the phone sends back to skip them when unchanged. */
export async function floorMessaging(db: Db, scope: Scope): Promise<FloorMessaging> {
  const templates = floorTemplates((await loadTemplates(db)).values()).map((t) => ({ ...t }));
  const rows = await db.select().from(sites).where(inScope(scope, sites.id)).orderBy(asc(sites.code));
  // What the phone's renderer needs of a site (`TemplateSite`): not the letterhead, the floor sends no letters.
  const senders = rows.map((s) => {
    const { name, address, city, phone, legalName } = senderSite(s);
    return { id: s.id, name, address, city, phone, legalName };
  });
  const { collectionPeriodDays, keepGoodsDays, allowPlainWitness } = await loadSettings(db);
  const procedure = { collectionPeriodDays, keepGoodsDays, allowPlainWitness };
  const version = createHash("sha256").update(JSON.stringify({ templates, senders, procedure })).digest("base64url").slice(0, 22);
  return { version, templates, sites: senders, procedure };
}

/**
 * `floorMessaging`, kept per database and scope while the floor stamp stands: every pull carries it (to compare
 * with the phone's copy) and the stamp moves only when an office edits a template, a site or a setting. A stamp
 * of null (no stamp row) is never trusted. The cache is this process's: another process keeps its own.
 */
export async function floorMessagingAt(owner: Database, tx: Db, scope: Scope, scopeKey: string, stamp: number | null): Promise<FloorMessaging> {
  if (stamp === null) return floorMessaging(tx, scope);
  let cache = floorCaches.get(owner);
  if (!cache || cache.stamp !== stamp) floorCaches.set(owner, (cache = { stamp, byScope: new Map() }));
  const kept = cache.byScope.get(scopeKey);
  if (kept) return kept;
  const built = await floorMessaging(tx, scope);
  // A chain's scopes are its users' site lists: few. Bounded all the same.
  if (cache.byScope.size >= 1_000) cache.byScope.clear();
  cache.byScope.set(scopeKey, built);
  return built;
}

const floorCaches = new WeakMap<Database, { stamp: number; byScope: Map<string, FloorMessaging> }>();

export interface FloorRequest {
  /** The mutation's id: the message's, and its idempotency key. */
  id: string;
  customerId: string;
  caseId: string | null;
  channel: "sms" | "email";
  templateCode: string;
  /** Who asked: the signature of the message. */
  userName: string;
  scope: Scope;
  asOf: CalendarDate;
}

/**
 * Puts a message a phone asked for into the outbox, rendered now from the office's template and the customer's
 * document. Returns why it cannot (a template not offered on the floor, no address for the channel), or null.
 */
export async function queueFloorMessage(tx: Db, r: FloorRequest): Promise<Rejection | null> {
  const template = (await loadTemplates(tx)).get(r.templateCode);
  if (!template?.floor || !variantFor(template, r.channel)) return { code: "UNKNOWN_TEMPLATE", message: `Modèle de message inconnu : ${r.templateCode}.` };
  const [doc] = await buildDebtorDocs(tx, r.scope, [r.customerId], r.asOf);
  if (!doc) return { code: "NOT_FOLLOWED", message: "Ce client n'est plus suivi sur vos sites." };
  const siteId = floorSiteId(doc);
  const site = siteId ? (await senderSites(tx, [siteId])).get(siteId) : undefined;
  const composed = compose(template, r.channel, addresseeOfDoc(doc, site ?? NO_SITE), r.asOf, { signature: r.userName });
  if (!composed?.recipient) return { code: "NO_CONTACT", message: r.channel === "sms" ? "Pas de numéro de téléphone pour ce client." : "Pas d'adresse e-mail pour ce client." };
  await tx.insert(messages).values({
    id: r.id,
    caseId: r.caseId,
    customerId: r.customerId,
    channel: r.channel,
    purpose: "floor",
    templateCode: r.templateCode,
    siteId: site?.id ?? null,
    recipient: composed.recipient,
    senderName: composed.senderName,
    subject: composed.subject,
    body: composed.body,
    letter: composed.letter,
    idempotencyKey: `floor:${r.id}`,
  });
  return null;
}

const NO_SITE: SenderSite = { id: null, name: "", address: "", city: "", phone: "" };


import { counted } from "../../shared/plural";
import { and, eq, inArray, isNotNull, sql } from "drizzle-orm";
import { v5 as uuidv5, v7 as uuidv7 } from "uuid";
import { formatDateFr, type CalendarDate } from "../../shared/dates";
import { SEGMENT_LABEL } from "../../shared/labels";
import { addresseeOfDoc, compose, floorSiteId, type SenderSite } from "../../shared/messaging/compose";
import { variantFor } from "../../shared/messaging/templates";
import type { SessionUser } from "../../shared/schemas/auth";
import type { BulkAction, BulkRefusal, OfficeState } from "../../shared/schemas/office-actions";
import type { Segment } from "../../shared/enums";
import { recordAudit } from "../audit/audit";
import { inScope, type Scope } from "../auth/scope";
import { actions, cases, tasks } from "../cases/cases.sql";
import type { Database, Transaction } from "../db/client";
import { buildDebtorDocs } from "../debtors/docs";
import { AppError } from "../errors";
import { messages } from "../messaging/messaging.sql";
import { loadTemplates } from "../messaging/outbox";
import { applyLegalHold } from "../privacy/privacy";
import { senderSites } from "../sites/sites";
import { markCustomersChanged } from "../sync/changes";
import { customers } from "./customers.sql";
import { HOLD_REASON_TEXT, heldReasonSql, type HoldReason } from "./hold";

/**
 * What the office and the Managers decide on customers from their desk: stop / resume, dispute on / off, the
 * scenario, a message from a template, a task for the floor. Each is checked for every customer first
 * (`refusalOf`: a reason in French, or null), then written for all of them in the caller's transaction, in
 * statements of a few hundred rows so that ten thousand customers take a few dozen statements: the customer's row,
 * one history line each, the phone's documents marked changed. The debtor page's single actions and the follow-up
 * table's bulk actions go through the same functions; the bulk one is all or nothing (`bulkApply`).
 */

type Db = Database | Transaction;

export interface OfficeContext {
  user: SessionUser;
  scope: Scope;
  address: string | null;
  now: Date;
  today: CalendarDate;
}

/** What the checks and the writes need of a customer. */
export interface Target {
  id: string;
  ref: string;
  name: string;
  billingStop: boolean;
  officeStopAt: string | null;
  officeStopNote: string | null;
  disputeAt: string | null;
  disputeNote: string | null;
  segment: Segment;
  officeSegment: Segment | null;
  legalHold: string | null;
  erasedAt: string | null;
  /** Why nothing goes to them (`hold.ts`), or null. */
  held: HoldReason | null;
  caseId: string | null;
  handedOver: boolean;
  /** The sites of their boxes in the user's scope, the current contracts' first. */
  siteIds: string[];
}

const CHUNK = 400;

/** The customers among `ids` at the user's sites, by id; the others are absent (refused as not found). */
export async function loadTargets(db: Db, scope: Scope, ids: readonly string[]): Promise<Map<string, Target>> {
  const out = new Map<string, Target>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const chunk = unique.slice(i, i + CHUNK);
    const rows = await db.all<{
      id: string; ref: string; name: string; stop: number; office_stop_at: string | null; office_stop_note: string | null; dispute_at: string | null; dispute_note: string | null;
      segment: Segment; office_segment: Segment | null; legal_hold_reason: string | null; pseudonymised_at: string | null; held: HoldReason | null; case_id: string | null; handed_over_at: string | null; site_ids: string | null;
    }>(sql`
      select c.id, c.ref, c.name, c.stop, c.office_stop_at, c.office_stop_note, c.dispute_at, c.dispute_note, c.segment, c.office_segment,
             c.legal_hold_reason, c.pseudonymised_at, ${heldReasonSql("c")} as held, k.id as case_id, k.handed_over_at,
             (select json_group_array(site_id) from (select distinct u.site_id from contracts ct join units u on u.id = ct.unit_id
                where ct.customer_id = c.id order by ct.end_date is not null, u.site_id)) as site_ids
        from customers c left join cases k on k.customer_id = c.id and k.status = 'open'
       where ${inArray(sql.raw("c.id"), chunk)} and exists (select 1 from contracts sc join units su on su.id = sc.unit_id where sc.customer_id = c.id and ${inScope(scope, sql.raw("su.site_id"))})`);
    for (const r of rows) {
      const sites = (JSON.parse(r.site_ids ?? "[]") as string[]).filter((s) => scope.all || scope.siteIds.includes(s));
      out.set(r.id, {
        id: r.id,
        ref: r.ref,
        name: r.name,
        billingStop: Boolean(r.stop),
        officeStopAt: r.office_stop_at,
        officeStopNote: r.office_stop_note,
        disputeAt: r.dispute_at,
        disputeNote: r.dispute_note,
        segment: r.segment,
        officeSegment: r.office_segment,
        legalHold: r.legal_hold_reason,
        erasedAt: r.pseudonymised_at,
        held: r.held,
        caseId: r.case_id,
        handedOver: r.handed_over_at !== null,
        siteIds: sites,
      });
    }
  }
  return out;
}

export const NOT_AT_YOUR_SITES = "Client introuvable à vos sites.";

/** Why `action` cannot be done for this customer, in the office's words; null when it can. */
export function refusalOf(action: BulkAction, t: Target): string | null {
  if (t.erasedAt) return `Données effacées le ${formatDateFr(t.erasedAt.slice(0, 10))} : plus aucune action possible.`;
  switch (action.kind) {
    case "stop":
      if (t.officeStopAt) return "Déjà en stop.";
      return null;
    case "resume":
      if (t.officeStopAt) return null;
      return t.billingStop ? "En stop dans le logiciel de facturation : à lever là-bas." : "N'est pas en stop.";
    case "dispute":
      return t.disputeAt ? "Déjà en litige." : null;
    case "scenario":
      return (t.officeSegment ?? t.segment) === action.scenario ? `Suit déjà le scénario « ${SEGMENT_LABEL[action.scenario]} ».` : null;
    case "template":
      return t.held ? `${HOLD_REASON_TEXT[t.held]}.` : null;
    case "task":
      return t.siteIds.length === 0 ? "Aucun box à vos sites pour cette tâche." : null;
  }
}

/** Lifting a dispute (the single route only: the bulk actions put in dispute, the office lifts one by one with a note). */
export function liftRefusalOf(t: Target): string | null {
  if (t.erasedAt) return `Données effacées le ${formatDateFr(t.erasedAt.slice(0, 10))} : plus aucune action possible.`;
  return t.disputeAt ? null : "N'est pas en litige.";
}

/** The reason of the legal hold a dispute sets: recognised when the dispute is lifted, so only its own hold goes. */
export function disputeHoldReason(disputeAt: string, note: string): string {
  return `Litige ouvert le ${formatDateFr(disputeAt.slice(0, 10))} : ${note}`.slice(0, 500);
}

/** A message ready for the outbox, rendered before the writes (the customer's document read once). */
export interface Prepared {
  customerId: string;
  siteId: string | null;
  recipient: string;
  senderName: string | null;
  subject: string | null;
  body: string;
  letter: unknown;
}

/**
 * The template's message for each customer, rendered as a floor message is (`queueFloorMessage`: the same
 * renderer, from the customer's document); a customer without an address for the channel gets a reason instead.
 * Throws when the template does not exist for the channel (nobody could get it).
 */
export async function prepareMessages(db: Db, ctx: OfficeContext, targets: readonly Target[], action: Extract<BulkAction, { kind: "template" }>): Promise<Map<string, Prepared | string>> {
  const template = (await loadTemplates(db)).get(action.templateCode);
  if (!template || !variantFor(template, action.channel)) {
    throw new AppError("VALIDATION_FAILED", `Le modèle « ${action.templateCode} » n'existe pas ${action.channel === "sms" ? "en SMS" : "en e-mail"}.`, { issues: [{ path: "action.templateCode", message: "modèle inconnu pour ce canal" }] });
  }
  const out = new Map<string, Prepared | string>();
  const ids = targets.filter((t) => !t.held && !t.erasedAt).map((t) => t.id);
  for (let i = 0; i < ids.length; i += CHUNK) {
    const docs = await buildDebtorDocs(db, ctx.scope, ids.slice(i, i + CHUNK), ctx.today);
    const siteIds = [...new Set(docs.map((d) => floorSiteId(d)).filter((s): s is string => s !== null))];
    const sites = await senderSites(db, siteIds);
    for (const doc of docs) {
      const siteId = floorSiteId(doc);
      const site = siteId ? sites.get(siteId) : undefined;
      const composed = compose(template, action.channel, addresseeOfDoc(doc, site ?? NO_SITE), ctx.today, { signature: ctx.user.name });
      out.set(
        doc.customerId,
        composed?.recipient
          ? { customerId: doc.customerId, siteId: site?.id ?? null, recipient: composed.recipient, senderName: composed.senderName, subject: composed.subject, body: composed.body, letter: composed.letter }
          : action.channel === "sms"
            ? "Pas de numéro de téléphone pour ce client."
            : "Pas d'adresse e-mail pour ce client.",
      );
    }
  }
  for (const id of ids) if (!out.has(id)) out.set(id, "Ce client n'est plus suivi à vos sites.");
  return out;
}

const NO_SITE: SenderSite = { id: null, name: "", address: "", city: "", phone: "" };

/** The id of the history line an office request writes for a customer: the same on a retry, so it is never written twice. */
export function actionIdOf(requestId: string, customerId: string): string {
  return uuidv5(`${requestId}:${customerId}`, ACTION_NAMESPACE);
}
const ACTION_NAMESPACE = "0b7f6c1e-6f0e-4c55-9a4e-3c1f0d2b7a91";

/** How many of these customers already have this request's history line (a retried request). */
export async function alreadyDone(db: Db, requestId: string, customerIds: readonly string[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < customerIds.length; i += CHUNK) {
    const ids = customerIds.slice(i, i + CHUNK).map((c) => actionIdOf(requestId, c));
    const [row] = await db.all<{ n: number }>(sql`select count(*) as n from actions where ${inArray(sql.raw("id"), ids)}`);
    n += Number(row?.n ?? 0);
  }
  return n;
}

/** What an action writes in the history, in the office's words. */
function historyLine(action: BulkAction, t: Target, templateLabel: string | undefined): { kind: (typeof actions.$inferInsert)["kind"]; text: string; data: Record<string, unknown> } {
  switch (action.kind) {
    case "stop":
      return { kind: "stop_set", text: `Mis en stop par le bureau : ${action.note}`, data: { note: action.note } };
    case "resume":
      return { kind: "stop_lifted", text: `Stop levé par le bureau : ${action.note}${t.billingStop ? " (reste en stop dans le logiciel de facturation)" : ""}`, data: { note: action.note } };
    case "dispute":
      return { kind: "dispute_opened", text: `Mis en litige : ${action.note}`, data: { note: action.note } };
    case "scenario":
      return {
        kind: "scenario_changed",
        text: `Scénario changé : ${SEGMENT_LABEL[t.officeSegment ?? t.segment]} → ${SEGMENT_LABEL[action.scenario]}`,
        data: { from: t.officeSegment ?? t.segment, to: action.scenario },
      };
    case "template":
      return {
        kind: action.channel,
        text: `${action.channel === "sms" ? "SMS" : "Courriel"} à envoyer par Cadenas (modèle « ${templateLabel ?? action.templateCode} »), demandé par le bureau`,
        data: { templateCode: action.templateCode, via: "office" },
      };
    case "task":
      return { kind: "task_added", text: `Tâche pour le terrain${action.dueOn ? ` (pour le ${formatDateFr(action.dueOn)})` : ""} : ${action.text}`, data: { note: action.text, ...(action.dueOn ? { dueOn: action.dueOn } : {}) } };
  }
}

/**
 * Writes `action` for every target, checked already, in the caller's transaction: the customers' rows, the
 * messages or tasks, one history line each (its id from `requestId`), the phone's documents marked changed.
 */
export async function applyAction(tx: Transaction, ctx: OfficeContext, requestId: string, action: BulkAction, targets: readonly Target[], prepared?: Map<string, Prepared | string>): Promise<void> {
  const at = ctx.now.toISOString();
  const templateLabel = action.kind === "template" ? (await loadTemplates(tx)).get(action.templateCode)?.label : undefined;
  for (let i = 0; i < targets.length; i += CHUNK) {
    const chunk = targets.slice(i, i + CHUNK);
    const ids = chunk.map((t) => t.id);
    const where = inArray(customers.id, ids);
    switch (action.kind) {
      case "stop":
        await tx.update(customers).set({ officeStopAt: at, officeStopBy: ctx.user.id, officeStopNote: action.note, updatedAt: at }).where(where);
        break;
      case "resume":
        await tx.update(customers).set({ officeStopAt: null, officeStopBy: null, officeStopNote: null, updatedAt: at }).where(where);
        break;
      case "dispute":
        await tx.update(customers).set({ disputeAt: at, disputeBy: ctx.user.id, disputeNote: action.note, updatedAt: at }).where(where);
        break;
      case "scenario":
        await tx.update(customers).set({ officeSegment: action.scenario, updatedAt: at }).where(where);
        break;
      case "template": {
        const rows = chunk.map((t) => {
          const p = prepared?.get(t.id);
          if (!p || typeof p === "string") throw new Error(`no message prepared for ${t.id}`);
          return {
            id: uuidv5(`message:${requestId}:${t.id}`, ACTION_NAMESPACE),
            caseId: t.caseId,
            customerId: t.id,
            channel: action.channel,
            purpose: "floor" as const,
            templateCode: action.templateCode,
            siteId: p.siteId,
            recipient: p.recipient,
            senderName: p.senderName,
            subject: p.subject,
            body: p.body,
            letter: p.letter as (typeof messages.$inferInsert)["letter"],
            idempotencyKey: `office:${requestId}:${t.id}`,
          };
        });
        await tx.insert(messages).values(rows).onConflictDoNothing({ target: messages.idempotencyKey });
        break;
      }
      case "task": {
        const rows = chunk.flatMap((t) =>
          t.siteIds.map((siteId) => ({ id: uuidv7(), siteId, caseId: t.caseId, customerId: t.id, kind: "office_request" as const, note: action.text, createdBy: ctx.user.id, dueOn: action.dueOn ?? ctx.today })),
        );
        if (rows.length > 0) await tx.insert(tasks).values(rows);
        break;
      }
    }
    await tx.insert(actions).values(
      chunk.map((t) => {
        const line = historyLine(action, t, templateLabel);
        return { id: actionIdOf(requestId, t.id), caseId: t.caseId, customerId: t.id, siteId: t.siteIds[0] ?? null, userId: ctx.user.id, initials: ctx.user.initials, kind: line.kind, text: line.text, happenedAt: at, data: line.data };
      }),
    );
    if (action.kind === "dispute") for (const t of chunk) if (t.legalHold === null) await applyLegalHold(tx, t.id, { held: true, reason: disputeHoldReason(at, action.note) }, ctx);
    await markCustomersChanged(tx, ids);
  }
}

/** Lifts one customer's dispute, checked already: its legal hold goes too when it was the dispute's and no hand-over holds the customer. */
export async function liftDispute(tx: Transaction, ctx: OfficeContext, requestId: string, t: Target, note: string): Promise<void> {
  const at = ctx.now.toISOString();
  await tx.update(customers).set({ disputeAt: null, disputeBy: null, disputeNote: null, updatedAt: at }).where(eq(customers.id, t.id));
  await tx.insert(actions).values({ id: actionIdOf(requestId, t.id), caseId: t.caseId, customerId: t.id, siteId: t.siteIds[0] ?? null, userId: ctx.user.id, initials: ctx.user.initials, kind: "dispute_lifted", text: `Litige levé : ${note}`, happenedAt: at, data: { note } });
  if (t.disputeAt && t.legalHold === disputeHoldReason(t.disputeAt, t.disputeNote ?? "") && !(await handedOver(tx, t.id))) {
    await applyLegalHold(tx, t.id, { held: false, reason: `Litige levé : ${note}`.slice(0, 500) }, ctx);
  }
  await markCustomersChanged(tx, [t.id]);
}

async function handedOver(db: Db, customerId: string): Promise<boolean> {
  const [row] = await db.select({ id: cases.id }).from(cases).where(and(eq(cases.customerId, customerId), isNotNull(cases.handedOverAt))).limit(1);
  return row !== undefined;
}

/** A refusal of a whole request: nothing was written; `details.refused` names each customer and why. */
export function refusedError(refused: BulkRefusal[], total: number): AppError {
  const head = refused.slice(0, 3).map((r) => `${r.ref ?? "?"} (${r.reason})`).join(", ");
  return new AppError(
    "CONFLICT",
    `Rien n'a été fait : ${counted(refused.length, "client refusé", "clients refusés")} sur ${total} — ${head}${refused.length > 3 ? "…" : ""}`,
    { refused },
  );
}

/**
 * An office action on customers, all or nothing: every customer checked in one immediate transaction (a customer
 * the user may not see is refused without a word of them); any refusal rolls everything back and is thrown with
 * each refused customer. A request already carried out (the same `requestId`) writes nothing again.
 */
export async function bulkApply(db: Database, ctx: OfficeContext, requestId: string, customerIds: readonly string[], action: BulkAction): Promise<{ done: number; replayed: boolean }> {
  const ids = [...new Set(customerIds)];
  const before = await alreadyDone(db, requestId, ids);
  if (before > 0) return { done: before, replayed: true };
  // Rendering messages reads each customer's whole document: done before the transaction holds the database.
  const prepared = action.kind === "template" ? await prepareMessages(db, ctx, [...(await loadTargets(db, ctx.scope, ids)).values()], action) : undefined;
  return db.transaction(
    async (tx) => {
      if ((await alreadyDone(tx, requestId, ids.slice(0, 1))) > 0) return { done: await alreadyDone(tx, requestId, ids), replayed: true };
      const targets = await loadTargets(tx, ctx.scope, ids);
      const refused: BulkRefusal[] = [];
      for (const id of ids) {
        const t = targets.get(id);
        if (!t) {
          refused.push({ customerId: id, ref: null, name: null, reason: NOT_AT_YOUR_SITES });
          continue;
        }
        const p = prepared?.get(id);
        const reason = refusalOf(action, t) ?? (typeof p === "string" ? p : action.kind === "template" && !p ? "Ce client n'est plus suivi à vos sites." : null);
        if (reason) refused.push({ customerId: id, ref: t.ref, name: t.name, reason });
      }
      if (refused.length > 0) throw refusedError(refused, ids.length);
      const list = ids.map((id) => targets.get(id)!);
      await applyAction(tx, ctx, requestId, action, list, prepared);
      await recordAudit(tx, {
        event: `customers.${action.kind === "template" ? "message_requested" : action.kind}`,
        userId: ctx.user.id,
        address: ctx.address,
        entity: "customer",
        ...(ids.length === 1 ? { entityId: ids[0]! } : {}),
        details: { requestId, count: ids.length, action: action.kind === "template" ? { ...action } : action.kind === "scenario" ? { ...action } : { kind: action.kind } },
      });
      return { done: ids.length, replayed: false };
    },
    { behavior: "immediate" },
  );
}

/** Puts one customer in dispute or lifts it (the debtor page), with the note; refused in French when it cannot. */
export async function setDispute(db: Database, ctx: OfficeContext, customerId: string, dispute: boolean, note: string): Promise<OfficeState> {
  const requestId = uuidv7();
  await db.transaction(
    async (tx) => {
      const t = (await loadTargets(tx, ctx.scope, [customerId])).get(customerId);
      if (!t) throw new AppError("NOT_FOUND", NOT_AT_YOUR_SITES);
      const reason = dispute ? refusalOf({ kind: "dispute", note }, t) : liftRefusalOf(t);
      if (reason) throw new AppError("CONFLICT", reason);
      if (dispute) await applyAction(tx, ctx, requestId, { kind: "dispute", note }, [t]);
      else await liftDispute(tx, ctx, requestId, t, note);
      await recordAudit(tx, { event: dispute ? "customer.dispute_opened" : "customer.dispute_lifted", userId: ctx.user.id, address: ctx.address, entity: "customer", entityId: customerId, details: { note } });
    },
    { behavior: "immediate" },
  );
  return officeState(db, ctx.scope, customerId);
}

export async function officeState(db: Db, scope: Scope, customerId: string): Promise<OfficeState> {
  const t = (await loadTargets(db, scope, [customerId])).get(customerId);
  if (!t) throw new AppError("NOT_FOUND", NOT_AT_YOUR_SITES);
  return {
    customerId: t.id,
    ref: t.ref,
    name: t.name,
    billingStop: t.billingStop,
    officeStop: t.officeStopAt ? { since: t.officeStopAt, note: t.officeStopNote ?? "" } : null,
    dispute: t.disputeAt ? { since: t.disputeAt, note: t.disputeNote ?? "" } : null,
    scenario: t.officeSegment ?? t.segment,
    legalHold: t.legalHold,
  };
}

import { and, desc, eq, inArray, lte, sql } from "drizzle-orm";
import { dateOfInstant } from "../../shared/dates";
import { PHOTO_ROLES, type PhotoRole, type TaskKind } from "../../shared/enums";
import { correctionRefusal } from "../../shared/floor/corrections";
import { describeMutation, type ActionLine } from "../../shared/floor/describe";
import { foldUnitEvents, type UnitEvent } from "../../shared/floor/unit-state";
import type { SessionUser } from "../../shared/schemas/auth";
import { photosOfPayload } from "../../shared/floor/photos";
import { originalsOfPayload } from "../../shared/floor/original";
import type { Mutation, MutationOf, Rejection } from "../../shared/schemas/mutations";
import { canSeeSite, inScope, type Scope } from "../auth/scope";
import { appendEvidence, chainOf } from "../evidence/chain";
import { evidenceRecords, photos as photosTable } from "../evidence/evidence.sql";
import { openingFactsSql } from "../evidence/opening";
import { loadSettings } from "../engine/settings";
import { clearingRefusal, openedOnOf, openingRefusal, witnessRefusal, type DisposalBasis } from "../../shared/floor/opening";
import { siteZone } from "../../shared/sites/zone";
import { actions, cases, tasks } from "../cases/cases.sql";
import { contracts, customers } from "../customers/customers.sql";
import type { Transaction } from "../db/client";
import { queueFloorMessage } from "../messaging/floor";
import { sites, units } from "../sites/sites.sql";

export interface ApplyContext {
  tx: Transaction;
  user: SessionUser;
  scope: Scope;
  clientId: string;
  now: Date;
  timeZone: string;
  batch: BatchState;
}

/**
 * What a batch looks up once and reuses, and what it writes once at its end. Floor mutations never change which
 * site a customer rents at or which case is theirs, so both stay true for the whole batch.
 */
export interface BatchState {
  /** Customer → the first of the user's sites they rent at (null: none). */
  siteOf: Map<string, string | null>;
  /** Customer → their open case, else their latest (null: none). */
  caseOf: Map<string, string | null>;
  /** Customers whose documents changed: marked for the phones' pull when the batch ends. */
  changed: Set<string>;
  /** History lines not written yet: written together by `flushActions` (one statement for many rows). */
  actions: (typeof actions.$inferInsert)[];
}

export function newBatchState(): BatchState {
  return { siteOf: new Map(), caseOf: new Map(), changed: new Set(), actions: [] };
}

/** Looks up, in one query, the site and case of every customer the batch's mutations name. */
export async function prepareBatch(ctx: ApplyContext, mutations: readonly Mutation[]): Promise<void> {
  const ids = [...new Set(mutations.flatMap((m) => ("customerId" in m.payload ? [m.payload.customerId] : [])))];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await ctx.tx.all<{ id: string; site_id: string | null; case_id: string | null }>(sql`
      select c.id,
        (select u.site_id from contracts ct join units u on u.id = ct.unit_id
          where ct.customer_id = c.id and ${inScope(ctx.scope, sql.raw("+u.site_id"))} order by ct.start_date desc limit 1) as site_id,
        (select k.id from cases k where k.customer_id = c.id order by k.status = 'open' desc, k.opened_on desc limit 1) as case_id
      from customers c where ${inArray(sql.raw("c.id"), ids.slice(i, i + 500))}`);
    for (const r of rows) {
      ctx.batch.siteOf.set(r.id, r.site_id);
      ctx.batch.caseOf.set(r.id, r.case_id);
    }
  }
}

export type Outcome = { outcome: "applied" } | { outcome: "rejected"; reason: Rejection };

/** A refusal the user can act on; thrown inside `applyOrThrow`, answered as `rejected`. */
export class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const UNIT_EVENT_KINDS = ["padlock_placed", "padlock_removed", "gate_suspended", "gate_restored"] as const;
const TASK_COMPLETED_BY: Partial<Record<Mutation["kind"], TaskKind>> = {
  "padlock.placed": "padlock_place",
  "padlock.removed": "padlock_remove",
  "gate.suspended": "gate_suspend",
  "gate.restored": "gate_restore",
};

/**
 * Applies one floor mutation inside the caller's transaction: checks it concerns the user's sites, writes the
 * history line (its id is the mutation's, so the phone's copy is replaced, not doubled), and what follows from it.
 * Facts are always kept; a padlock or gate event that cannot follow the unit's state is kept and answered
 * `rejected` with the reason both phones will see. A refusal (out of the user's sites, a task already done) is
 * thrown as `Refusal`: the caller rolls back what the mutation wrote. History lines wait in the batch until
 * `flushActions`.
 */
export async function applyOrThrow(ctx: ApplyContext, m: Mutation): Promise<Outcome> {
  switch (m.kind) {
    case "padlock.placed":
    case "padlock.removed":
    case "gate.suspended":
    case "gate.restored":
      return applyUnitEvent(ctx, m);
    case "task.done":
      return applyTaskDone(ctx, m);
    case "box.opened":
    case "box.cleared":
      return applyBoxEvent(ctx, m);
    case "entry.corrected":
      return applyCorrection(ctx, m);
    default:
      return applyCustomerAction(ctx, m);
  }
}

type CustomerMutation = Exclude<Mutation, { kind: "padlock.placed" | "padlock.removed" | "gate.suspended" | "gate.restored" | "task.done" | "box.opened" | "box.cleared" | "entry.corrected" }>;

async function applyCustomerAction(ctx: ApplyContext, m: CustomerMutation): Promise<Outcome> {
  const { customerId } = m.payload;
  const siteId = await scopedSiteOf(ctx, customerId);
  const line = describeMutation(m, { unitNumber: () => undefined, taskKind: () => undefined });
  if (m.kind === "message.requested") await queueMessage(ctx, m);
  await insertAction(ctx, m, line, customerId, siteId);
  if (m.kind === "call.logged") {
    const day = dateOfInstant(m.happenedAt, ctx.timeZone);
    await ctx.tx
      .update(tasks)
      .set({ status: "done", doneAt: ctx.now.toISOString(), doneBy: ctx.user.id })
      .where(and(eq(tasks.customerId, customerId), eq(tasks.kind, "call"), eq(tasks.status, "open"), lte(tasks.dueOn, day), inScope(ctx.scope, tasks.siteId)));
  }
  ctx.batch.changed.add(customerId);
  return { outcome: "applied" };
}

/**
 * A floor entry cancelled as a mistake by its author, the same site day (the rule is `correctionRefusal`). The
 * entry's row is left as it is; the correction is a row of its own naming it (`corrects_id`, unique: corrected
 * once). The day is the one the correction was made on the phone (it may arrive the next morning), never later
 * than the server's clock.
 */
async function applyCorrection(ctx: ApplyContext, m: MutationOf<"entry.corrected">): Promise<Outcome> {
  const { customerId, actionId } = m.payload;
  const siteId = await scopedSiteOf(ctx, customerId);
  // The entry may have come in the same batch, just before its correction.
  await flushActions(ctx);
  const [entry] = await ctx.tx.select().from(actions).where(and(eq(actions.id, actionId), eq(actions.customerId, customerId))).limit(1);
  if (!entry) throw new Refusal("NOT_FOUND", "La saisie à corriger est introuvable (elle n'a peut-être pas été enregistrée).");
  const [already] = await ctx.tx.select({ at: actions.happenedAt }).from(actions).where(eq(actions.correctsId, actionId)).limit(1);
  const at = new Date(Math.min(new Date(m.happenedAt).getTime(), ctx.now.getTime())).toISOString();
  const refusal = correctionRefusal({ ...entry, authorId: entry.userId, correctedAt: already?.at ?? null }, { userId: ctx.user.id, at }, ctx.timeZone);
  if (refusal) throw new Refusal(refusal.code, refusal.message);
  const line = describeMutation(m, { unitNumber: () => undefined, taskKind: () => undefined, entry: () => entry });
  await insertAction(ctx, m, line, customerId, siteId, undefined, { correctsId: actionId });
  ctx.batch.changed.add(customerId);
  return { outcome: "applied" };
}

/**
 * The box a floor action is about, refused outside the user's sites, and its tenant: the one of the unit's latest
 * contract (an ended contract still has its padlock to remove and its box to open).
 */
async function unitAndTenant(ctx: ApplyContext, unitId: string) {
  const [unit] = await ctx.tx.select().from(units).where(eq(units.id, unitId)).limit(1);
  if (!unit || !canSeeSite(ctx.scope, unit.siteId)) throw new Refusal("OUT_OF_SCOPE", "Ce box n'est pas sur vos sites.");
  const [tenant] = await ctx.tx
    .select({ customerId: contracts.customerId })
    .from(contracts)
    .where(eq(contracts.unitId, unit.id))
    .orderBy(desc(contracts.startDate))
    .limit(1);
  if (!tenant) throw new Refusal("NO_TENANT", `Le box ${unit.number} n'est loué à personne.`);
  return { unit, tenant };
}

async function applyUnitEvent(ctx: ApplyContext, m: MutationOf<"padlock.placed" | "padlock.removed" | "gate.suspended" | "gate.restored">): Promise<Outcome> {
  const { unit, tenant } = await unitAndTenant(ctx, m.payload.unitId);

  const line = describeMutation(m, { unitNumber: () => unit.number, taskKind: () => undefined });
  await insertAction(ctx, m, line, tenant.customerId, unit.siteId, unit.id);
  if (m.kind === "padlock.placed" || m.kind === "padlock.removed") {
    // Evidence: who, when (phone and server), which box, which photos — chained to the case's earlier records.
    await appendEvidence(ctx.tx, {
      caseId: await caseOf(ctx, tenant.customerId),
      customerId: tenant.customerId,
      unitId: unit.id,
      kind: m.kind,
      actionId: m.id,
      photos: photosOfPayload(m.payload),
      authorId: ctx.user.id,
      authorInitials: ctx.user.initials,
      deviceTime: m.happenedAt,
      receivedAt: ctx.now.toISOString(),
      payload: { unitNumber: unit.number, ...(m.kind === "padlock.placed" && m.payload.padlockNumber ? { padlockNumber: m.payload.padlockNumber } : {}), ...originalsField(m.payload) },
    });
  }
  const verdict = await rederiveUnit(ctx, unit.id);
  const reason = verdict.get(m.id) ?? null;
  if (reason === null) {
    await ctx.tx
      .update(tasks)
      .set({ status: "done", doneAt: ctx.now.toISOString(), doneBy: ctx.user.id })
      .where(and(eq(tasks.unitId, unit.id), eq(tasks.kind, TASK_COMPLETED_BY[m.kind]!), eq(tasks.status, "open")));
  }
  const holders = await ctx.tx.selectDistinct({ id: contracts.customerId }).from(contracts).where(eq(contracts.unitId, unit.id));
  for (const h of holders) ctx.batch.changed.add(h.id);
  return reason === null ? { outcome: "applied" } : { outcome: "rejected", reason: { code: "CONFLICT", message: reason } };
}

/**
 * Reads all of a unit's padlock and gate events in the order they happened and stores what they add up to: the
 * unit's state, and for each event whether it took effect. An event arriving late can change both.
 */
async function rederiveUnit(ctx: ApplyContext, unitId: string): Promise<Map<string, string | null>> {
  await flushActions(ctx);
  const rows = await ctx.tx
    .select({ id: actions.id, kind: actions.kind, happenedAt: actions.happenedAt, recordedAt: actions.recordedAt, initials: actions.initials, rejectedReason: actions.rejectedReason })
    .from(actions)
    .where(and(eq(actions.unitId, unitId), inArray(actions.kind, [...UNIT_EVENT_KINDS])));
  const state = foldUnitEvents(rows as (UnitEvent & { rejectedReason: string | null })[]);
  for (const row of rows) {
    const verdict = state.verdicts.get(row.id) ?? null;
    if (verdict !== row.rejectedReason) await ctx.tx.update(actions).set({ rejectedReason: verdict }).where(eq(actions.id, row.id));
  }
  await ctx.tx.update(units).set({ padlockState: state.padlock, gateState: state.gate }).where(eq(units.id, unitId));
  return state.verdicts;
}

/**
 * Opening and clearing a box: the lawful path only (`openingConditions`, `clearingRefusal`). Opening is the
 * Manager's, once the formal notice (R3) was received (AR or unclaimed return) and its 8 days are over, the
 * contract ended by the exit step, the termination notice received and the period it gave to collect the goods
 * over; on the box whose number was typed from its door, before a commissaire de justice (or a plain witness
 * where the operator allows one) whose identity and signature are recorded, with photos of the door, the cut lock
 * and the contents, a signed inventory and the new padlock. Clearing waits until every photo of the opening has
 * reached the server, the office has recorded the legal basis for disposing of the goods, and the keeping period
 * is over. Days are the box's site's calendar days.
 */
async function applyBoxEvent(ctx: ApplyContext, m: MutationOf<"box.opened" | "box.cleared">): Promise<Outcome> {
  if (ctx.user.role !== "manager") throw new Refusal("MANAGER_ONLY", "L'ouverture et la mise à la benne d'un box sont faites par le Manager.");
  const { unit, tenant } = await unitAndTenant(ctx, m.payload.unitId);
  // The case the history line hangs on, too (the open one, else the latest: filed after the contract's end).
  const caseId = await caseOf(ctx, tenant.customerId);
  const chain = chainOf(caseId, tenant.customerId);
  const opened = (
    await ctx.tx
      .select()
      .from(evidenceRecords)
      .where(and(eq(evidenceRecords.chain, chain), eq(evidenceRecords.unitId, unit.id), inArray(evidenceRecords.kind, ["box.opened", "box.cleared", "disposal.basis"])))
      .orderBy(desc(evidenceRecords.seq))
  );
  const [site] = await ctx.tx.select({ timeZone: sites.timeZone }).from(sites).where(eq(sites.id, unit.siteId));
  const zone = siteZone(site, ctx.timeZone);
  const today = dateOfInstant(ctx.now, zone);
  const settings = await loadSettings(ctx.tx);
  let photos: string[];
  let payload: Record<string, unknown>;
  if (m.kind === "box.opened") {
    const typed = m.payload.confirmedNumber.trim().toUpperCase();
    if (typed !== unit.number.toUpperCase()) throw new Refusal("WRONG_BOX", `Numéro tapé « ${m.payload.confirmedNumber} » : ce n'est pas le box ${unit.number}. Vérifiez le numéro sur la porte.`);
    const roles = new Set(m.payload.photos.map((p) => p.role));
    const missing = PHOTO_ROLES.filter((r) => !roles.has(r));
    if (missing.length > 0) throw new Refusal("PHOTOS_MISSING", `Photos manquantes : ${missing.map((r) => ROLE_WORD[r]).join(", ")}.`);
    const [facts] = caseId
      ? await ctx.tx.all<{ exit_done: number; r3_received_on: string | null; notice_sent: number; notice_received_on: string | null }>(sql`select ${openingFactsSql(caseId)}`)
      : [];
    const [held] = await ctx.tx.select({ disputeAt: customers.disputeAt }).from(customers).where(eq(customers.id, tenant.customerId));
    const unlawful =
      openingRefusal(
        {
          exitDone: Boolean(facts?.exit_done),
          r3ReceivedOn: facts?.r3_received_on ?? null,
          noticeSent: Boolean(facts?.notice_sent),
          noticeReceivedOn: facts?.notice_received_on ?? null,
          disputeSince: held?.disputeAt ? dateOfInstant(held.disputeAt, zone) : null,
        },
        settings.collectionPeriodDays,
        today,
      ) ?? witnessRefusal(m.payload.witness, settings.allowPlainWitness);
    if (unlawful) throw new Refusal(unlawful.code, unlawful.message);
    if (opened.some((r) => r.kind === "box.opened")) throw new Refusal("ALREADY_OPENED", `Le box ${unit.number} a déjà été ouvert.`);
    photos = photosOfPayload(m.payload);
    payload = {
      unitNumber: unit.number,
      witness: m.payload.witness,
      // The operator's choice, shown in the pack: a plain witness stood in for a commissaire de justice.
      ...(m.payload.witness.kind === "plain" ? { plainWitnessAllowed: true } : {}),
      signatures: m.payload.signatures,
      inventory: m.payload.inventory,
      keepGoodsDays: settings.keepGoodsDays,
      newPadlockNumber: m.payload.newPadlockNumber,
      roles: m.payload.photos,
      ...originalsField(m.payload),
    };
  } else {
    const opening = opened.find((r) => r.kind === "box.opened");
    if (!opening) throw new Refusal("NOT_OPENED", `Le box ${unit.number} n'a pas été ouvert dans les règles : pas de mise à la benne.`);
    if (opened.some((r) => r.kind === "box.cleared")) throw new Refusal("ALREADY_CLEARED", `Le box ${unit.number} a déjà été vidé.`);
    const received = opening.photos.length > 0 ? await ctx.tx.select({ sha: photosTable.sha256 }).from(photosTable).where(inArray(photosTable.sha256, opening.photos)) : [];
    const waiting = opening.photos.length - new Set(received.map((r) => r.sha)).size;
    if (waiting > 0) throw new Refusal("EVIDENCE_PENDING", `Preuves en cours d'envoi : ${waiting} photo${waiting > 1 ? "s" : ""} de l'ouverture pas encore reçue${waiting > 1 ? "s" : ""}. La mise à la benne attend qu'elles soient arrivées.`);
    const basisRecord = opened.find((r) => r.kind === "disposal.basis");
    const basis = (basisRecord?.payload.basis as DisposalBasis | undefined) ?? null;
    const recordedDays = typeof opening.payload.keepGoodsDays === "number" ? opening.payload.keepGoodsDays : null;
    const openedOn = openedOnOf(dateOfInstant(opening.deviceTime, zone), dateOfInstant(opening.receivedAt, zone));
    const refused = clearingRefusal({ openedOn, recordedDays, currentDays: settings.keepGoodsDays, basis }, today);
    if (refused) throw new Refusal(refused.code, refused.message);
    photos = photosOfPayload(m.payload);
    payload = { unitNumber: unit.number, method: m.payload.method, opening: opening.hash, ...(basisRecord ? { basis: basisRecord.hash } : {}), ...originalsField(m.payload) };
  }
  const line = describeMutation(m, { unitNumber: () => unit.number, taskKind: () => undefined });
  await insertAction(ctx, m, line, tenant.customerId, unit.siteId, unit.id);
  await appendEvidence(ctx.tx, {
    caseId,
    customerId: tenant.customerId,
    unitId: unit.id,
    kind: m.kind,
    actionId: m.id,
    photos,
    authorId: ctx.user.id,
    authorInitials: ctx.user.initials,
    deviceTime: m.happenedAt,
    receivedAt: ctx.now.toISOString(),
    payload,
  });
  if (m.kind === "box.opened") {
    await ctx.tx
      .update(tasks)
      .set({ status: "done", doneAt: ctx.now.toISOString(), doneBy: ctx.user.id })
      .where(and(eq(tasks.customerId, tenant.customerId), eq(tasks.kind, "open_box"), eq(tasks.status, "open")));
  }
  ctx.batch.changed.add(tenant.customerId);
  return { outcome: "applied" };
}

const ROLE_WORD: Record<PhotoRole, string> = { door: "la porte avec son numéro", lock_cut: "le cadenas coupé", contents: "le contenu" };

async function applyTaskDone(ctx: ApplyContext, m: MutationOf<"task.done">): Promise<Outcome> {
  const [task] = await ctx.tx.select().from(tasks).where(eq(tasks.id, m.payload.taskId)).limit(1);
  if (!task || !canSeeSite(ctx.scope, task.siteId)) throw new Refusal("OUT_OF_SCOPE", "Cette tâche n'est pas sur vos sites.");
  if (task.status === "cancelled") throw new Refusal("TASK_CANCELLED", "Cette tâche a été annulée entre-temps.");
  if (task.status === "done") throw new Refusal("ALREADY_DONE", "Cette tâche était déjà faite.");
  // A box is opened through the opening itself (witness, photos, inventory), never ticked off.
  if (task.kind === "open_box") throw new Refusal("LAWFUL_PATH", "L'ouverture d'un box se déclare par le parcours d'ouverture du Manager (témoin, photos, inventaire), pas en cochant la tâche.");
  const line = describeMutation(m, { unitNumber: () => undefined, taskKind: () => task.kind });
  await insertAction(ctx, m, line, task.customerId, task.siteId, task.unitId ?? undefined);
  await ctx.tx.update(tasks).set({ status: "done", doneAt: ctx.now.toISOString(), doneBy: ctx.user.id }).where(eq(tasks.id, task.id));
  ctx.batch.changed.add(task.customerId);
  return { outcome: "applied" };
}

/** The first of the user's sites where the customer rents a unit; refuses a customer of other sites. */
async function scopedSiteOf(ctx: ApplyContext, customerId: string): Promise<string> {
  let siteId = ctx.batch.siteOf.get(customerId);
  if (siteId === undefined) {
    const [row] = await ctx.tx
      .select({ siteId: units.siteId })
      .from(contracts)
      .innerJoin(units, eq(units.id, contracts.unitId))
      .where(and(eq(contracts.customerId, customerId), inScope(ctx.scope, sql`+${units.siteId}`)))
      .orderBy(desc(contracts.startDate))
      .limit(1);
    siteId = row?.siteId ?? null;
    ctx.batch.siteOf.set(customerId, siteId);
  }
  if (!siteId) throw new Refusal("OUT_OF_SCOPE", "Ce client n'est pas sur vos sites.");
  return siteId;
}

async function insertAction(ctx: ApplyContext, m: Mutation, line: ActionLine, customerId: string, siteId: string, unitId?: string, extra?: { correctsId: string }): Promise<void> {
  // A phone whose clock runs ahead must not put its events after everything that follows.
  const deviceTime = new Date(m.happenedAt);
  const clockAhead = deviceTime.getTime() > ctx.now.getTime() + 5 * 60_000;
  const happenedAt = (clockAhead ? ctx.now : deviceTime).toISOString();
  ctx.batch.actions.push({
    id: m.id,
    mutationId: m.id,
    caseId: await caseOf(ctx, customerId),
    customerId,
    siteId,
    unitId: unitId ?? line.unitId,
    userId: ctx.user.id,
    initials: ctx.user.initials,
    kind: line.kind,
    outcome: line.outcome,
    text: line.text,
    happenedAt,
    deviceId: ctx.clientId,
    data: clockAhead ? { ...line.data, deviceTime: m.happenedAt } : line.data,
    ...extra,
  });
}

/** Writes the batch's pending history lines, many rows a statement. */
export async function flushActions(ctx: ApplyContext): Promise<void> {
  const rows = ctx.batch.actions.splice(0);
  for (let i = 0; i < rows.length; i += 50) await ctx.tx.insert(actions).values(rows.slice(i, i + 50));
}

/** The customer's open case, else their latest one: history always hangs on a case when there is one. */
async function caseOf(ctx: ApplyContext, customerId: string): Promise<string | null> {
  let caseId = ctx.batch.caseOf.get(customerId);
  if (caseId === undefined) {
    const [kase] = await ctx.tx
      .select({ id: cases.id })
      .from(cases)
      .where(eq(cases.customerId, customerId))
      .orderBy(sql`${cases.status} = 'open' desc`, desc(cases.openedOn))
      .limit(1);
    caseId = kase?.id ?? null;
    ctx.batch.caseOf.set(customerId, caseId);
  }
  return caseId;
}

/**
 * Puts the message in the outbox for the sending worker, rendered now from the office's template and the
 * customer's document, by the renderer the phone previewed it with (`queueFloorMessage`).
 */
async function queueMessage(ctx: ApplyContext, m: MutationOf<"message.requested">): Promise<void> {
  const refusal = await queueFloorMessage(ctx.tx, {
    id: m.id,
    customerId: m.payload.customerId,
    caseId: await caseOf(ctx, m.payload.customerId),
    channel: m.payload.channel,
    templateCode: m.payload.templateCode,
    userName: ctx.user.name,
    scope: ctx.scope,
    asOf: dateOfInstant(ctx.now, ctx.timeZone),
  });
  if (refusal) throw new Refusal(refusal.code, refusal.message);
}

/**
 * The camera originals the phone read for the photos of an action (SHA-256, EXIF capture time and device), kept in
 * the evidence record's payload so the chain vouches for them; absent for phones from before it.
 */
function originalsField(payload: unknown): { originals?: ReturnType<typeof originalsOfPayload> } {
  const originals = originalsOfPayload(payload, photosOfPayload(payload));
  return originals ? { originals } : {};
}

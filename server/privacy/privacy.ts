import { eq, sql } from "drizzle-orm";
import { erasureDecision, obstacleText, retentionDecision, type RetentionObstacle } from "../../shared/privacy/retention";
import type { SessionUser } from "../../shared/schemas/auth";
import type { ErasureRequestBody, ErasureResponse, LegalHoldBody, PrivacyStatus } from "../../shared/schemas/privacy";
import { recordAudit } from "../audit/audit";
import { users } from "../auth/auth.sql";
import { customers } from "../customers/customers.sql";
import type { Database, Transaction } from "../db/client";
import { loadSettings } from "../engine/settings";
import { AppError } from "../errors";
import { pseudonymise, privacyNote } from "./erase";
import { factsOf, type CustomerFacts } from "./facts";

/** Who acts, from where, on which day (the server's clock). */
export interface Actor {
  user: SessionUser;
  address: string | null;
  today: string;
  now: Date;
  dataDir: string;
}

const obstacles = (list: RetentionObstacle[], f: CustomerFacts) => list.map((code) => ({ code, text: obstacleText(code, f) }));

/** Where one customer's personal data stand on `today`. */
export async function privacyStatus(db: Database | Transaction, customerId: string, today: string): Promise<PrivacyStatus> {
  const f = await factsOf(db, customerId);
  if (!f) throw new AppError("NOT_FOUND", "Client introuvable.");
  const [row] = await db.select({ name: customers.name, byInitials: users.initials }).from(customers).leftJoin(users, eq(users.id, customers.legalHoldBy)).where(eq(customers.id, customerId));
  const { retentionYears } = await loadSettings(db);
  const d = retentionDecision(f, today, retentionYears);
  return {
    customerId,
    ref: f.ref,
    name: row!.name,
    legalHold: f.legalHold !== null ? { reason: f.legalHold, at: f.legalHoldAt, byInitials: row!.byInitials ?? null } : null,
    pseudonymisedAt: d.state === "pseudonymised" ? ((await pseudonymisedAt(db, customerId)) ?? null) : null,
    outstandingCents: f.outstandingCents,
    state: d.state,
    obstacles: d.state === "kept" ? obstacles(d.obstacles, f) : [],
    endedOn: d.state === "archived" || d.state === "due" ? d.endedOn : null,
    dueOn: d.state === "archived" || d.state === "due" ? d.dueOn : null,
    retentionYears,
  };
}

async function pseudonymisedAt(db: Database | Transaction, customerId: string): Promise<string | null> {
  const [row] = await db.select({ at: customers.pseudonymisedAt }).from(customers).where(eq(customers.id, customerId));
  return row?.at ?? null;
}

/** The customer a billing ref names, for the office's search. */
export async function customerIdOfRef(db: Database, ref: string): Promise<string> {
  const [row] = await db.select({ id: customers.id }).from(customers).where(sql`${customers.ref} = ${ref} collate nocase`);
  if (!row) throw new AppError("NOT_FOUND", `Aucun client de référence « ${ref} ».`);
  return row.id;
}

/**
 * Sets or lifts a legal hold, with its reason: audited, and written in the customer's history. While held,
 * retention never pseudonymises the customer and an erasure request is refused. (The office console's dispute
 * and hand-over call this too.)
 */
export async function setLegalHold(db: Database, customerId: string, body: LegalHoldBody, actor: Actor): Promise<PrivacyStatus> {
  await db.transaction((tx) => applyLegalHold(tx, customerId, body, actor), { behavior: "immediate" });
  return privacyStatus(db, customerId, actor.today);
}

/** The same, in the caller's transaction (a hand-over sets the hold with everything else it records). */
export async function applyLegalHold(tx: Transaction, customerId: string, body: LegalHoldBody, actor: Pick<Actor, "user" | "address" | "now">): Promise<void> {
  const [c] = await tx.select({ hold: customers.legalHoldReason, erased: customers.pseudonymisedAt }).from(customers).where(eq(customers.id, customerId));
  if (!c) throw new AppError("NOT_FOUND", "Client introuvable.");
  if (c.erased) throw new AppError("CONFLICT", `Les données de ce client ont été effacées le ${c.erased.slice(0, 10)} : plus rien à conserver.`);
  if (body.held && c.hold === body.reason) return;
  if (!body.held && c.hold === null) throw new AppError("CONFLICT", "Ce client n'est pas en conservation pour motif légal.");
  const at = actor.now.toISOString();
  await tx
    .update(customers)
    .set(body.held ? { legalHoldReason: body.reason, legalHoldAt: at, legalHoldBy: actor.user.id } : { legalHoldReason: null, legalHoldAt: null, legalHoldBy: null })
    .where(eq(customers.id, customerId));
  await privacyNote(tx, customerId, { userId: actor.user.id, initials: actor.user.initials }, body.held ? `Conservation pour motif légal : ${body.reason}` : `Conservation pour motif légal levée : ${body.reason}`, { privacy: body.held ? "legal_hold_set" : "legal_hold_lifted" }, actor.now);
  await recordAudit(tx, {
    event: body.held ? "customer.legal_hold_set" : "customer.legal_hold_lifted",
    userId: actor.user.id,
    address: actor.address,
    entity: "customer",
    entityId: customerId,
    details: { reason: body.reason, ...(body.held && c.hold ? { before: c.hold } : {}) },
  });
}

/**
 * An erasure request: carried out at once when the law allows it (`erasureDecision`), refused otherwise with the
 * reasons (409 `CONFLICT`, `details.obstacles`). Either way it is recorded: an audit line, and — when the customer's
 * data stay — a line in their history saying what was asked and why it was refused.
 */
export async function requestErasure(db: Database, customerId: string, body: ErasureRequestBody, actor: Actor): Promise<ErasureResponse> {
  const f = await factsOf(db, customerId);
  if (!f) throw new AppError("NOT_FOUND", "Client introuvable.");
  const decision = erasureDecision(f, actor.today);
  const request = { requestedOn: body.requestedOn, reference: body.reference, ...(body.note ? { note: body.note } : {}) };
  const by = { userId: actor.user.id, initials: actor.user.initials };
  if (decision.state === "refused") {
    const list = obstacles(decision.obstacles, f);
    await db.transaction(async (tx) => {
      await privacyNote(tx, customerId, by, `Demande d'effacement du ${body.requestedOn} (${body.reference}) refusée : ${list.map((o) => o.text).join(" ")}`, { privacy: "erasure_refused", ...request, obstacles: decision.obstacles }, actor.now);
      await recordAudit(tx, { event: "customer.erasure_refused", userId: actor.user.id, address: actor.address, entity: "customer", entityId: customerId, details: { ...request, obstacles: decision.obstacles } });
    });
    throw new AppError("CONFLICT", `Effacement refusé : ${list.map((o) => o.text).join(" ")}`, { outcome: "refused", obstacles: list });
  }
  if (decision.state === "already") {
    await recordAudit(db, { event: "customer.erasure_already_done", userId: actor.user.id, address: actor.address, entity: "customer", entityId: customerId, details: request });
    return { outcome: "already", pseudonymisedAt: (await pseudonymisedAt(db, customerId))!, erased: null };
  }
  const done = await pseudonymise(db, customerId, { reason: "erasure_request", now: actor.now, by, dataDir: actor.dataDir, allowed: (g) => erasureDecision(g, actor.today).state === "erase" });
  if (!done) throw new AppError("CONFLICT", "Effacement non fait : la situation du client a changé pendant la demande (import, conservation). Refaites la demande.");
  // The request's reference, not the person: the audit line names the customer by id only.
  await recordAudit(db, {
    event: "customer.erased",
    userId: actor.user.id,
    address: actor.address,
    entity: "customer",
    entityId: customerId,
    details: { ...request, records: done.records, photos: done.photos, actions: done.actions, messages: done.messages, files: done.files },
  });
  return { outcome: "erased", pseudonymisedAt: actor.now.toISOString(), erased: { records: done.records, photos: done.photos, actions: done.actions, messages: done.messages } };
}

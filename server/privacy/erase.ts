import { existsSync, rmSync } from "node:fs";
import { and, eq, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { payments, paymentIncidents, invoices } from "../billing/billing.sql";
import { actions } from "../cases/cases.sql";
import { customers } from "../customers/customers.sql";
import type { Database, Transaction } from "../db/client";
import { eraseChain, type ErasureReason } from "../evidence/chain";
import { evidenceRecords, photos } from "../evidence/evidence.sql";
import { partPath } from "../evidence/uploads";
import { photoUploads } from "../auth/security.sql";
import { letterBatches, letterPrints } from "../messaging/letters.sql";
import { messageAttempts, messages } from "../messaging/messaging.sql";
import { markCustomersChanged } from "../sync/changes";
import { blobKey, storeOf, type Store } from "../storage/store";
import { factsOf, type CustomerFacts } from "./facts";

/** The name a pseudonymised customer keeps: their ref stays beside it, the key of the accounting lines. */
export const ERASED_NAME = "Client effacé";
/** What replaces an erased free text (a history line's text, a message's body). */
export const ERASED_TEXT = "[effacé]";

export interface Eraser {
  /** Null: the retention job. */
  userId: string | null;
  initials: string;
}

export interface ErasureSummary {
  customerId: string;
  records: number;
  chains: number;
  photos: number;
  messages: number;
  actions: number;
  /** Files removed after the commit (photo bytes, letter prints, unfinished uploads). */
  files: number;
}

/**
 * Pseudonymises one customer, in one transaction: the name becomes `ERASED_NAME`, contact and address go, every
 * free text goes (history lines' texts and facts, messages' bodies, recipients and letters, write-off labels, payment
 * reject reasons), each evidence chain gets its erasure record and tombstones (`eraseChain`), and the photos only
 * this customer's records name become tombstones (their rows keep the hash). Refs, amounts, dates, statuses, the
 * contracts and the cases stay: the accounting lines the Code de commerce requires. Phones are told (the customer
 * changed, and follows no more). The photos' and letters' files are removed after the commit; a crash in between
 * leaves files the next daily run removes (`sweepErasedFiles`). `allowed` (the rule that decided) is asked again
 * inside the transaction: null, nothing done, when it no longer holds or the customer is held or erased already.
 */
export async function pseudonymise(
  db: Database,
  customerId: string,
  how: { reason: ErasureReason; now: Date; by: Eraser; dataDir: string; allowed: (f: CustomerFacts) => boolean },
): Promise<ErasureSummary | null> {
  const at = how.now.toISOString();
  const summary = await db.transaction(
    async (tx) => {
      // Decided again inside the transaction: an import or a hold between the decision and now wins.
      const facts = await factsOf(tx, customerId);
      if (!facts || facts.pseudonymisedOn !== null || facts.legalHold !== null || !how.allowed(facts)) return null;
      const own = await photosOnlyOf(tx, customerId);

      // Evidence: one erasure record per chain, naming the photos of that chain whose bytes go.
      const chains = await tx.selectDistinct({ chain: evidenceRecords.chain, caseId: evidenceRecords.caseId }).from(evidenceRecords).where(eq(evidenceRecords.customerId, customerId));
      let records = 0;
      for (const c of chains) {
        const named = await tx.all<{ sha: string }>(sql`select distinct j.value as sha from evidence_records e, json_each(e.photos) j where e.chain = ${c.chain}`);
        const erased = named.map((n) => n.sha).filter((h) => own.has(h));
        const done = await eraseChain(tx, c.chain, { at, reason: how.reason, customerId, caseId: c.caseId, photos: erased, authorId: how.by.userId, authorInitials: how.by.initials });
        records += done.erased;
      }
      // The photos: each row becomes its tombstone; a photo never received gets one, so that it is not taken later.
      const list = [...own];
      if (list.length > 0) {
        await tx.update(photos).set({ erasedAt: at }).where(and(inArray(photos.sha256, list), isNull(photos.erasedAt)));
        const rows = await tx.select({ sha: photos.sha256 }).from(photos).where(inArray(photos.sha256, list));
        const have = new Set(rows.map((r) => r.sha));
        const missing = list.filter((h) => !have.has(h));
        if (missing.length > 0) await tx.insert(photos).values(missing.map((sha256) => ({ sha256, sizeBytes: 0, mime: "application/octet-stream", receivedAt: at, erasedAt: at })));
      }
      const uploads = list.length > 0 ? await tx.select({ userId: photoUploads.userId, sha: photoUploads.sha256 }).from(photoUploads).where(inArray(photoUploads.sha256, list)) : [];
      if (uploads.length > 0) await tx.delete(photoUploads).where(inArray(photoUploads.sha256, list));

      await tx
        .update(customers)
        .set({ name: ERASED_NAME, email: null, phone: null, address: null, postalCode: null, city: null, stop: true, pseudonymisedAt: at, updatedAt: at })
        .where(eq(customers.id, customerId));
      await tx.update(invoices).set({ label: null }).where(and(eq(invoices.customerId, customerId), isNotNull(invoices.label)));
      await tx.update(payments).set({ reason: null }).where(and(eq(payments.customerId, customerId), isNotNull(payments.reason)));
      await tx.update(paymentIncidents).set({ reason: null }).where(and(eq(paymentIncidents.customerId, customerId), isNotNull(paymentIncidents.reason)));
      const lines = await tx.update(actions).set({ text: ERASED_TEXT, data: null }).where(eq(actions.customerId, customerId)).returning({ id: actions.id });
      // A message not gone yet never goes: it would carry nothing but the erased text.
      await tx.update(messages).set({ status: "cancelled", updatedAt: at }).where(and(eq(messages.customerId, customerId), eq(messages.status, "queued")));
      const sent = await tx
        .update(messages)
        .set({ recipient: ERASED_TEXT, subject: null, body: ERASED_TEXT, letter: null, lastError: null, updatedAt: at })
        .where(eq(messages.customerId, customerId))
        .returning({ id: messages.id });
      const messageIds = sent.map((m) => m.id);
      if (messageIds.length > 0) await tx.update(messageAttempts).set({ detail: null }).where(inArray(messageAttempts.messageId, messageIds));
      await markCustomersChanged(tx, [customerId]);
      return { records, chains: chains.length, photos: list, uploads, messages: messageIds.length, actions: lines.length };
    },
    { behavior: "immediate" },
  );
  if (!summary) return null;
  let files = 0;
  for (const u of summary.uploads) files += remove(partPath(how.dataDir, u.userId, u.sha));
  files += await sweepErasedFiles(db, how.dataDir, [customerId]);
  return { customerId, records: summary.records, chains: summary.chains, photos: summary.photos.length, messages: summary.messages, actions: summary.actions, files };
}

/**
 * The photos whose bytes go with this customer: those their evidence records or history lines name, and nothing
 * of another customer names (a photo two customers' records share stays with the other).
 */
async function photosOnlyOf(tx: Transaction, customerId: string): Promise<Set<string>> {
  const rows = await tx.all<{ sha: string; others: number }>(sql`
    with mine as (
      select distinct j.value as sha from evidence_records e, json_each(e.photos) j where e.customer_id = ${customerId}
      union
      select json_extract(a.data, '$.photoSha256') from actions a where a.customer_id = ${customerId} and json_extract(a.data, '$.photoSha256') is not null
      union
      select distinct j.value from actions a, json_each(a.data, '$.photos') j where a.customer_id = ${customerId} and json_type(a.data, '$.photos') = 'array'
    )
    select m.sha,
      exists (select 1 from evidence_records e where e.customer_id <> ${customerId} and instr(e.photos, '"' || m.sha || '"') > 0)
        or exists (select 1 from actions a where a.customer_id <> ${customerId} and instr(a.data, m.sha) > 0) as others
    from mine m where m.sha is not null`);
  return new Set(rows.filter((r) => !Number(r.others) && typeof r.sha === "string" && /^[0-9a-f]{64}$/.test(r.sha)).map((r) => r.sha));
}

/**
 * Removes the files of erased data still on disk: the bytes of every photo tombstone, and the letters printed for
 * these customers (a printed batch, which holds other customers' letters, once all of them are erased). Returns how
 * many files went. Run after each pseudonymisation and by each daily run (a crash between commit and removal).
 */
export async function sweepErasedFiles(db: Database, dataDir: string, customerIds?: readonly string[]): Promise<number> {
  let files = 0;
  // The photos and letters are in the store (the data folder, or object storage): keyed by their paths in the folder.
  const store = storeOf(dataDir);
  const erased = await db.select({ sha: photos.sha256 }).from(photos).where(isNotNull(photos.erasedAt));
  for (const p of erased) files += await removeStored(store, blobKey(p.sha));
  const whose = customerIds ? sql`and m.customer_id in (${sql.join(customerIds.map((id) => sql`${id}`), sql`, `)})` : sql``;
  const prints = await db.all<{ file: string }>(sql`
    select lp.file from ${letterPrints} lp join messages m on m.id = lp.message_id join customers c on c.id = m.customer_id
    where c.pseudonymised_at is not null ${whose}`);
  for (const p of prints) files += await removeStored(store, p.file);
  const batches = await db.select({ file: letterBatches.file, messageIds: letterBatches.messageIds }).from(letterBatches);
  for (const b of batches) {
    if (b.messageIds.length === 0 || !(await store.has(b.file))) continue;
    const [left] = await db.all<{ n: number }>(sql`
      select count(*) as n from messages m left join customers c on c.id = m.customer_id
      where m.id in (${sql.join(b.messageIds.map((id) => sql`${id}`), sql`, `)}) and (c.id is null or c.pseudonymised_at is null)`);
    if (Number(left?.n ?? 1) === 0) files += await removeStored(store, b.file);
  }
  return files;
}

async function removeStored(store: Store, key: string): Promise<number> {
  if (!(await store.has(key))) return 0;
  await store.delete(key);
  return 1;
}

function remove(path: string): number {
  if (!existsSync(path)) return 0;
  rmSync(path, { force: true });
  return 1;
}

/** A history line in the customer's file (kept customers only): what was asked and what came of it. */
export async function privacyNote(tx: Database | Transaction, customerId: string, by: Eraser, text: string, data: Record<string, unknown>, now: Date): Promise<void> {
  await tx.insert(actions).values({ id: uuidv7(), caseId: null, customerId, userId: by.userId, initials: by.initials, kind: "note", text, happenedAt: now.toISOString(), data });
  await markCustomersChanged(tx, [customerId]);
}

import { createHash } from "node:crypto";
import { asc, desc, eq, inArray } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Database, Transaction } from "../db/client";
import { loadBlob, sha256Hex } from "./blobs";
import { evidenceRecords, photos } from "./evidence.sql";
import { evidenceTimestamps } from "./timestamps.sql";

type Db = Database | Transaction;
type Row = typeof evidenceRecords.$inferSelect;

/** The chain a record joins: its case's, or its customer's for an event outside any case. */
export const chainOf = (caseId: string | null, customerId: string) => caseId ?? `customer:${customerId}`;

/** The hash before the first record of a chain. */
export const GENESIS = "0".repeat(64);

export interface EvidenceInput {
  caseId: string | null;
  customerId: string;
  unitId: string | null;
  kind: string;
  actionId: string | null;
  photos: string[];
  authorId: string | null;
  authorInitials: string;
  /** The phone's clock when it was done. */
  deviceTime: string;
  /** When the server received it. */
  receivedAt: string;
  payload: Record<string, unknown>;
}

/** JSON with keys in order at every level: the same record always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

export function recordHash(r: Omit<Row, "hash">): string {
  const { id, chain, seq, caseId, customerId, unitId, kind, actionId, photos: hashes, authorId, authorInitials, deviceTime, receivedAt, payload, prevHash } = r;
  return createHash("sha256")
    .update(canonical({ id, chain, seq, caseId, customerId, unitId, kind, actionId, photos: hashes, authorId, authorInitials, deviceTime, receivedAt, payload, prevHash }))
    .digest("hex");
}

/** The kind of the record retention or an erasure appends to a chain: it lists what it erased. */
export const ERASURE_KIND = "personal_data.erased";

/** A record whose payload was erased: `{ erased: { at, reason, record } }`, `record` the erasure record's seq. */
export interface Tombstone {
  at: string;
  reason: ErasureReason;
  record: number;
}
export type ErasureReason = "retention" | "erasure_request";

/** One erased record as the erasure record lists it: its original hash and the digest of what it keeps. */
export interface ErasedEntry {
  seq: number;
  hash: string;
  kept: string;
}

export function tombstoneOf(payload: Record<string, unknown>): Tombstone | null {
  const t = payload.erased;
  return t && typeof t === "object" && !Array.isArray(t) ? (t as Tombstone) : null;
}

/**
 * The digest of a tombstoned record as it stands (every field, the tombstone for payload, the hash aside): the
 * erasure record names it, so that any later change to what a tombstone kept is seen although its content hash
 * can no longer be recomputed.
 */
export function keptDigest(r: Omit<Row, "hash">): string {
  return createHash("sha256").update(canonical({ ...r, kept: true })).digest("hex");
}

/**
 * Erases the payloads of every record of a chain not erased yet, in the caller's transaction: appends the erasure
 * record (listing each erased record's seq, original hash and `keptDigest`, and the photos erased), then replaces
 * each payload by its tombstone — the only change the database's triggers let through (migration 0020). The
 * records keep their hashes, so the chain still links; `verifyChain` checks each tombstone against the list.
 */
export async function eraseChain(
  tx: Db,
  chain: string,
  erasure: { at: string; reason: ErasureReason; customerId: string; caseId: string | null; photos: string[]; authorId: string | null; authorInitials: string },
): Promise<{ record: Row; erased: number }> {
  const rows = await tx.select().from(evidenceRecords).where(eq(evidenceRecords.chain, chain)).orderBy(asc(evidenceRecords.seq));
  const seqOfErasure = (rows.at(-1)?.seq ?? 0) + 1;
  const tombstone: Tombstone = { at: erasure.at, reason: erasure.reason, record: seqOfErasure };
  const targets = rows.filter((r) => !tombstoneOf(r.payload));
  const entries: ErasedEntry[] = targets.map(({ hash, ...r }) => ({ seq: r.seq, hash, kept: keptDigest({ ...r, payload: { erased: tombstone } }) }));
  const record = await appendEvidence(tx, {
    caseId: erasure.caseId,
    customerId: erasure.customerId,
    unitId: null,
    kind: ERASURE_KIND,
    actionId: null,
    photos: [],
    authorId: erasure.authorId,
    authorInitials: erasure.authorInitials,
    deviceTime: erasure.at,
    receivedAt: erasure.at,
    payload: { reason: erasure.reason, erased: entries, photos: [...erasure.photos].sort() },
  });
  for (const r of targets) await tx.update(evidenceRecords).set({ payload: { erased: tombstone } }).where(eq(evidenceRecords.id, r.id));
  return { record, erased: targets.length };
}

/** Appends a record to its chain, linked to the one before; in the caller's transaction. */
export async function appendEvidence(tx: Db, input: EvidenceInput): Promise<Row> {
  const chain = chainOf(input.caseId, input.customerId);
  const [last] = await tx.select({ seq: evidenceRecords.seq, hash: evidenceRecords.hash }).from(evidenceRecords).where(eq(evidenceRecords.chain, chain)).orderBy(desc(evidenceRecords.seq)).limit(1);
  const base = { id: uuidv7(), chain, seq: (last?.seq ?? 0) + 1, ...input, photos: [...input.photos], prevHash: last?.hash ?? GENESIS };
  const row: Row = { ...base, hash: recordHash(base) };
  await tx.insert(evidenceRecords).values(row);
  // The new head, to be stamped by the TSA outside this transaction (the timestamp worker): with the record or not at all.
  await tx.insert(evidenceTimestamps).values({ id: uuidv7(), chain, caseId: row.caseId, recordSeq: row.seq, headHash: row.hash, nextAttemptAt: row.receivedAt, createdAt: row.receivedAt });
  return row;
}

export interface ChainReport {
  chain: string;
  ok: boolean;
  records: number;
  /** Photos referenced and not received yet: not a fault, the evidence is still arriving. */
  photosPending: string[];
  problems: string[];
}

/**
 * Recomputes a chain: every record's hash from its content, each linked to the one before, numbered without a gap,
 * and every photo received hashing to its address. Any change to a stored record or photo shows here.
 */
export async function verifyChain(db: Db, dataDir: string, chain: string): Promise<ChainReport> {
  const rows = await db.select().from(evidenceRecords).where(eq(evidenceRecords.chain, chain)).orderBy(asc(evidenceRecords.seq));
  const problems: string[] = [];
  // What the chain's erasure records attest: erased records by seq, and the photos whose bytes were deleted. Only a
  // record whose own hash holds counts (a forged erasure record breaks its hash, and the chain after it).
  const erasures = new Map<number, Map<number, ErasedEntry>>();
  const erasedPhotos = new Set<string>();
  for (const { hash, ...r } of rows) {
    if (r.kind !== ERASURE_KIND || recordHash(r) !== hash) continue;
    erasures.set(r.seq, new Map(((r.payload.erased ?? []) as ErasedEntry[]).map((e) => [e.seq, e])));
    for (const h of (r.payload.photos ?? []) as string[]) erasedPhotos.add(h);
  }
  let prev = GENESIS;
  rows.forEach((r, i) => {
    const where = `enregistrement ${r.seq} (${r.kind}, ${r.deviceTime})`;
    if (r.seq !== i + 1) problems.push(`${where} : numéro ${r.seq} au lieu de ${i + 1} (un enregistrement manque)`);
    if (r.prevHash !== prev) problems.push(`${where} : ne suit pas l'enregistrement précédent (chaîne rompue)`);
    const { hash, ...rest } = r;
    const tombstone = tombstoneOf(r.payload);
    if (tombstone) {
      // Its content is gone: what it kept is checked against the erasure record that lists it.
      const entry = erasures.get(tombstone.record)?.get(r.seq);
      if (!entry || entry.hash !== hash) problems.push(`${where} : contenu effacé sans enregistrement d'effacement qui l'atteste`);
      else if (entry.kept !== keptDigest(rest)) problems.push(`${where} : enregistrement effacé modifié après coup (empreinte différente)`);
    } else if (recordHash(rest) !== hash) problems.push(`${where} : contenu modifié après coup (empreinte différente)`);
    prev = hash;
  });
  const hashes = [...new Set(rows.flatMap((r) => r.photos))];
  const received = hashes.length > 0 ? await db.select({ sha256: photos.sha256, erasedAt: photos.erasedAt }).from(photos).where(inArray(photos.sha256, hashes)) : [];
  const have = new Set(received.filter((p) => !p.erasedAt).map((p) => p.sha256));
  const tombstoned = new Set(received.filter((p) => p.erasedAt).map((p) => p.sha256));
  const pending: string[] = [];
  for (const h of hashes) {
    if (erasedPhotos.has(h) && !have.has(h)) continue;
    if (tombstoned.has(h)) {
      problems.push(`photo ${h.slice(0, 12)}… : marquée effacée sans enregistrement d'effacement qui l'atteste`);
      continue;
    }
    if (!have.has(h)) {
      pending.push(h);
      continue;
    }
    const bytes = await loadBlob(dataDir, h);
    if (!bytes) problems.push(`photo ${h.slice(0, 12)}… : fichier disparu`);
    else if (sha256Hex(bytes) !== h) problems.push(`photo ${h.slice(0, 12)}… : fichier modifié (son empreinte ne correspond plus)`);
  }
  return { chain, ok: problems.length === 0, records: rows.length, photosPending: pending, problems };
}

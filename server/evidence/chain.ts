import { createHash } from "node:crypto";
import { asc, desc, eq, inArray } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Database, Transaction } from "../db/client";
import { readBlob, sha256Hex } from "./blobs";
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
  let prev = GENESIS;
  rows.forEach((r, i) => {
    const where = `enregistrement ${r.seq} (${r.kind}, ${r.deviceTime})`;
    if (r.seq !== i + 1) problems.push(`${where} : numéro ${r.seq} au lieu de ${i + 1} (un enregistrement manque)`);
    if (r.prevHash !== prev) problems.push(`${where} : ne suit pas l'enregistrement précédent (chaîne rompue)`);
    const { hash, ...rest } = r;
    if (recordHash(rest) !== hash) problems.push(`${where} : contenu modifié après coup (empreinte différente)`);
    prev = hash;
  });
  const hashes = [...new Set(rows.flatMap((r) => r.photos))];
  const received = hashes.length > 0 ? await db.select({ sha256: photos.sha256 }).from(photos).where(inArray(photos.sha256, hashes)) : [];
  const have = new Set(received.map((p) => p.sha256));
  const pending: string[] = [];
  for (const h of hashes) {
    if (!have.has(h)) {
      pending.push(h);
      continue;
    }
    const bytes = readBlob(dataDir, h);
    if (!bytes) problems.push(`photo ${h.slice(0, 12)}… : fichier disparu`);
    else if (sha256Hex(bytes) !== h) problems.push(`photo ${h.slice(0, 12)}… : fichier modifié (son empreinte ne correspond plus)`);
  }
  return { chain, ok: problems.length === 0, records: rows.length, photosPending: pending, problems };
}

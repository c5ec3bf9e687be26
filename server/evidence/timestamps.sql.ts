import { blob, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Trusted timestamps (RFC 3161) of the evidence chains' heads. A row is written "to stamp" (no token yet) in the
 * transaction that appends the record; the timestamp worker then asks the TSA (`TSA_URL`) outside any request,
 * and retries with a growing delay until a token comes back: a fault is retried, never dropped.
 */
export const evidenceTimestamps = sqliteTable(
  "evidence_timestamps",
  {
    id: text("id").primaryKey(),
    chain: text("chain").notNull(),
    caseId: text("case_id"),
    /** The record whose hash is the chain's head when it was stamped. */
    recordSeq: integer("record_seq").notNull(),
    /** That record's hash (hex): its 64 ASCII characters are the data stamped. */
    headHash: text("head_hash").notNull(),
    /** The TSA's whole reply (TimeStampResp, DER); null until stamped. */
    token: blob("token", { mode: "buffer" }),
    tsaUrl: text("tsa_url"),
    /** The token's genTime (ISO). */
    genTime: text("gen_time"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: text("next_attempt_at").notNull(),
    lastError: text("last_error"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [uniqueIndex("evidence_timestamps_chain_seq").on(t.chain, t.recordSeq), index("evidence_timestamps_due").on(t.genTime, t.nextAttemptAt), index("evidence_timestamps_case").on(t.caseId)],
);

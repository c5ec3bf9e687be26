import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "../auth/auth.sql";
import { units } from "../sites/sites.sql";

/** Photo evidence, addressed by the SHA-256 of its bytes; the bytes live under DATA_DIR/blobs/. */
export const photos = sqliteTable(
  "photos",
  {
    sha256: text("sha256").primaryKey(),
    sizeBytes: integer("size_bytes").notNull(),
    mime: text("mime").notNull(),
    width: integer("width"),
    height: integer("height"),
    unitId: text("unit_id").references(() => units.id),
    takenAt: text("taken_at"),
    takenBy: text("taken_by").references(() => users.id),
    receivedAt: text("received_at").notNull(),
    /**
     * Set when retention or an erasure deleted the bytes: the row stays as the photo's tombstone (its hash is what
     * the evidence records name) and the triggers let exactly this change through (migration 0020).
     */
    erasedAt: text("erased_at"),
  },
  (t) => [index("photos_unit").on(t.unitId)],
);

/**
 * The evidence log: append-only (database triggers refuse updates and deletes), one chain per case (or per
 * customer for events outside a case). Each record holds the photos' hashes, who did it, the phone's time and the
 * server's receipt time, and the hash of the record before it in its chain: changing or removing any record, or
 * any photo's bytes, breaks the chain where it happened (`verifyChain`).
 */
export const evidenceRecords = sqliteTable(
  "evidence_records",
  {
    id: text("id").primaryKey(),
    chain: text("chain").notNull(),
    seq: integer("seq").notNull(),
    caseId: text("case_id"),
    customerId: text("customer_id").notNull(),
    unitId: text("unit_id"),
    kind: text("kind").notNull(),
    actionId: text("action_id"),
    photos: text("photos", { mode: "json" }).notNull().$type<string[]>(),
    authorId: text("author_id"),
    authorInitials: text("author_initials").notNull(),
    deviceTime: text("device_time").notNull(),
    receivedAt: text("received_at").notNull(),
    payload: text("payload", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [uniqueIndex("evidence_chain_seq").on(t.chain, t.seq), index("evidence_case").on(t.caseId), index("evidence_unit").on(t.unitId)],
);

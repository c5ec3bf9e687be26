import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "../auth/auth.sql";
import { createdAt, id, oneOf, updatedAt } from "../db/columns";
import { customers } from "../customers/customers.sql";
import { sites } from "../sites/sites.sql";
import { cases } from "./cases.sql";

import { HAND_OVER_RECIPIENT_KINDS } from "../../shared/schemas/hand-over";

export { HAND_OVER_RECIPIENT_KINDS };

/** Those the office hands cases over to: a commissaire de justice, a collection agency. Kept by the office. */
export const handOverRecipients = sqliteTable(
  "hand_over_recipients",
  {
    id: id(),
    kind: text("kind", { enum: HAND_OVER_RECIPIENT_KINDS }).notNull(),
    name: text("name").notNull(),
    address: text("address").notNull(),
    email: text("email"),
    /** No longer offered for new hand-overs; kept for those already made. */
    archivedAt: text("archived_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [oneOf("hand_over_recipients_kind", t.kind, HAND_OVER_RECIPIENT_KINDS)],
);

/**
 * A case handed over (*transmis au contentieux*): to whom, when, by whom, what was owed then, and the ZIP given
 * (its hash, kept in the blob store so that the same file can be downloaded again).
 */
export const handOvers = sqliteTable(
  "hand_overs",
  {
    id: id(),
    caseId: text("case_id")
      .notNull()
      .unique()
      .references(() => cases.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    siteId: text("site_id").references(() => sites.id),
    recipientId: text("recipient_id")
      .notNull()
      .references(() => handOverRecipients.id),
    handedOn: text("handed_on").notNull(),
    handedAt: text("handed_at").notNull(),
    handedBy: text("handed_by").references(() => users.id),
    /** The balance owed when it was handed over. */
    amountCents: integer("amount_cents").notNull(),
    zipSha256: text("zip_sha256").notNull(),
    zipBytes: integer("zip_bytes").notNull(),
    note: text("note"),
    createdAt: createdAt(),
  },
  (t) => [index("hand_overs_handed_on").on(t.handedOn), index("hand_overs_customer").on(t.customerId)],
);

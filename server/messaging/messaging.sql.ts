import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { MESSAGE_CHANNELS, MESSAGE_STATUSES } from "../../shared/enums";
import { cases } from "../cases/cases.sql";
import { createdAt, id, oneOf, updatedAt } from "../db/columns";
import { customers } from "../customers/customers.sql";

/**
 * The outbox. A message is written in the same transaction as the step that asks for it and sent later by a
 * worker; `idempotencyKey` (case, step, occurrence, channel) makes a second request for the same message a no-op.
 */
export const messages = sqliteTable(
  "messages",
  {
    id: id(),
    caseId: text("case_id").references(() => cases.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    channel: text("channel", { enum: MESSAGE_CHANNELS }).notNull(),
    templateCode: text("template_code"),
    stepCode: text("step_code"),
    recipient: text("recipient").notNull(),
    subject: text("subject"),
    body: text("body").notNull(),
    status: text("status", { enum: MESSAGE_STATUSES }).notNull().default("queued"),
    idempotencyKey: text("idempotency_key").notNull().unique(),
    providerId: text("provider_id"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    notBefore: text("not_before"),
    sentAt: text("sent_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("messages_status_not_before").on(t.status, t.notBefore),
    index("messages_customer").on(t.customerId),
    oneOf("messages_channel", t.channel, MESSAGE_CHANNELS),
    oneOf("messages_status_check", t.status, MESSAGE_STATUSES),
  ],
);

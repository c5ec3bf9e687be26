import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { LetterContent } from "../../shared/messaging/compose";
import type { MessageTemplate } from "../../shared/messaging/templates";
import { MESSAGE_CHANNELS, MESSAGE_STATUSES } from "../../shared/enums";
import { cases } from "../cases/cases.sql";
import { createdAt, id, oneOf, updatedAt } from "../db/columns";
import { customers } from "../customers/customers.sql";

/** `summary`: the weekly summary e-mailed to a Manager (`userId`), about no customer. */
export const MESSAGE_PURPOSES = ["reminder", "notice", "thanks", "floor", "account", "summary"] as const;
export type MessagePurpose = (typeof MESSAGE_PURPOSES)[number];
export type { LetterContent };
/** A document attached to an e-mail, made when the e-mail goes (so it is current then). */
export type MessageAttachment = { kind: "statement"; at: string };

/**
 * The outbox. A message is written in the same transaction as the step or the action that asks for it and sent
 * later by a worker; `idempotencyKey` makes a second request for the same message a no-op. A worker claims a
 * message with a lease (`leaseOwner`, `leaseUntil`): two processes never send the same one, and one that died
 * leaves it to be reconciled when its lease runs out.
 */
export const messages = sqliteTable(
  "messages",
  {
    id: id(),
    caseId: text("case_id").references(() => cases.id),
    /** The customer it is about; null for an account's e-mail (invitation, password reset), which has `userId`. */
    customerId: text("customer_id").references(() => customers.id),
    userId: text("user_id"),
    channel: text("channel", { enum: MESSAGE_CHANNELS }).notNull(),
    /** What it is for, which says what must still hold when it goes (a reminder: the debt still open…). */
    purpose: text("purpose", { enum: MESSAGE_PURPOSES }).notNull().default("floor"),
    templateCode: text("template_code"),
    stepCode: text("step_code"),
    /** The invoice a notice before its due date is about: not sent once it is paid. */
    invoiceRef: text("invoice_ref"),
    plannedActionId: text("planned_action_id"),
    siteId: text("site_id"),
    recipient: text("recipient").notNull(),
    senderName: text("sender_name"),
    subject: text("subject"),
    body: text("body").notNull(),
    /** The letter itself (letter channels), or the letter attached to an e-mail as a PDF. */
    letter: text("letter", { mode: "json" }).$type<LetterContent>(),
    /** Further PDFs made when it goes, e.g. the customer's statement of account at a date. */
    attachments: text("attachments", { mode: "json" }).$type<MessageAttachment[]>(),
    status: text("status", { enum: MESSAGE_STATUSES }).notNull().default("queued"),
    idempotencyKey: text("idempotency_key").notNull().unique(),
    providerId: text("provider_id"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    notBefore: text("not_before"),
    leaseOwner: text("lease_owner"),
    leaseUntil: text("lease_until"),
    /**
     * When this claim handed it to the provider (set just before the SMTP transaction or the SMS request). A claim
     * that lapses without it never left: back to the queue; with it, the provider may have it: in doubt.
     */
    handedAt: text("handed_at"),
    /** When it left the outbox: handed to the provider or posted (`sent`), or written to the local folder (`written`). */
    sentAt: text("sent_at"),
    /** What the provider later said (SMS delivered, bounced…). */
    deliveryStatus: text("delivery_status"),
    deliveredAt: text("delivered_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("messages_status_not_before").on(t.status, t.notBefore),
    index("messages_customer").on(t.customerId),
    index("messages_lease").on(t.status, t.leaseUntil),
    oneOf("messages_channel", t.channel, MESSAGE_CHANNELS),
    oneOf("messages_status_check", t.status, MESSAGE_STATUSES),
    oneOf("messages_purpose_check", t.purpose, MESSAGE_PURPOSES),
  ],
);

export const ATTEMPT_OUTCOMES = ["sent", "written", "retry", "failed", "cancelled", "postponed", "in_doubt", "reconciled"] as const;

/** Every try at sending a message, for the office: when, what came of it, what the provider said. */
export const messageAttempts = sqliteTable(
  "message_attempts",
  {
    id: id(),
    messageId: text("message_id")
      .notNull()
      .references(() => messages.id),
    worker: text("worker").notNull(),
    at: text("at").notNull(),
    outcome: text("outcome", { enum: ATTEMPT_OUTCOMES }).notNull(),
    detail: text("detail"),
  },
  (t) => [index("message_attempts_message").on(t.messageId), oneOf("message_attempts_outcome", t.outcome, ATTEMPT_OUTCOMES)],
);

/** The templates as the office edited them; a code not here uses its French default. */
export const messageTemplates = sqliteTable("message_templates", {
  code: text("code").primaryKey(),
  template: text("template", { mode: "json" }).notNull().$type<MessageTemplate>(),
  updatedAt: updatedAt(),
});

/**
 * One row whose `version` the database raises on every write to what the phones' floor messaging is made of — the
 * message templates, the sites and the settings (triggers, migration 0027). A pull reads it with the change
 * feed's bounds and rebuilds the floor's templates only when it moved (`floorMessagingOf`).
 */
export const floorStamp = sqliteTable("floor_stamp", {
  id: integer("id").primaryKey(),
  version: integer("version").notNull(),
});

export const ALERT_CHANNELS = ["email", "sms"] as const;

/**
 * A provider that refuses every message for a reason of configuration (a wrong API key, a sender name it will not
 * take, no credit left, a relay refusing AUTH or the sender): one alert per channel for the office — a banner on the
 * office's screens and an entry in *Envois* — while the messages wait queued. The next success clears it.
 */
export const providerAlerts = sqliteTable(
  "provider_alerts",
  {
    channel: text("channel", { enum: ALERT_CHANNELS }).primaryKey(),
    /** A short machine code (`sms.unauthorized`, `sms.sender_refused`, `sms.no_credit`, `email.auth_refused`…). */
    code: text("code").notNull(),
    /** What is wrong and what to do, in French, for the office. */
    message: text("message").notNull(),
    /** What the provider said, as it said it. */
    detail: text("detail"),
    since: text("since").notNull(),
    lastAt: text("last_at").notNull(),
    /** Messages that could not go while it lasted (counted each time one is given back). */
    held: integer("held").notNull().default(0),
  },
  (t) => [oneOf("provider_alerts_channel", t.channel, ALERT_CHANNELS)],
);

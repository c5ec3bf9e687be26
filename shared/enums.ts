// Closed vocabularies shared by the database schema, the API validators and the UI.
// Values are stable codes (English); French labels live in the client.

export const ROLES = ["site_manager", "manager", "office"] as const;
export type Role = (typeof ROLES)[number];

export const CUSTOMER_KINDS = ["person", "company"] as const;
export type CustomerKind = (typeof CUSTOMER_KINDS)[number];

export const PAYMENT_METHODS = ["card", "sepa", "transfer", "cheque", "cash"] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** Scenario codes (CONTRACT.md); a customer's segment picks its scenario. */
export const SEGMENTS = [
  "box",
  "standard",
  "standard-sans-email",
  "export",
  "grand-compte",
  "mauvais-payeur",
] as const;
export type Segment = (typeof SEGMENTS)[number];

/** Reminder level written back to the billing software (`R2 05/21`). */
export const LEVELS = ["none", "R1", "R2", "R3", "R4", "R5"] as const;
export type Level = (typeof LEVELS)[number];

/** Step codes of the default "box" scenario, in the order they fall. */
export const BOX_STEPS = [
  "first-contact",
  "reminder",
  "R1",
  "lockout",
  "R2-notice",
  "R2",
  "R3",
  "exit",
  "unlock",
  "thank-you",
] as const;
export type BoxStep = (typeof BOX_STEPS)[number];

export const CASE_STATUSES = ["open", "paid", "written_off", "contract_ended"] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const PAYMENT_STATUSES = ["ok", "rejected"] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const INCIDENT_KINDS = ["card_rejected", "sepa_rejected", "cheque_bounced", "transfer_missing"] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** What can be written in a case's history. Append-only. */
export const ACTION_KINDS = [
  "call",
  "sms",
  "email",
  "letter",
  "registered_letter",
  "note",
  "promise",
  "customer_answer",
  "padlock_placed",
  "padlock_removed",
  "gate_suspended",
  "gate_restored",
  "level_changed",
  "payment",
  "fee",
  "contract_ended",
  "case_closed",
  "credit_note",
  "payment_plan",
  "box_opened",
  "box_cleared",
  "task_done",
  /** A floor entry made by mistake, cancelled by its author the same day; the entry stays, struck through. */
  "correction",
  /** The office put the customer on stop, or lifted it (with a note). */
  "stop_set",
  "stop_lifted",
  /** In dispute (*litige*), or the dispute lifted by the office (with a note). */
  "dispute_opened",
  "dispute_lifted",
  "scenario_changed",
  /** The office asked the floor to do something (a task `office_request`). */
  "task_added",
  /** The case handed over to a bailiff or a collection agency. */
  "handed_over",
] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export const CALL_OUTCOMES = ["answered", "promise", "no_answer", "wrong_number"] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

export const TASK_KINDS = [
  "call",
  "card_rerun",
  "padlock_place",
  "padlock_remove",
  "gate_suspend",
  "gate_restore",
  "open_box",
  "fix_contact",
  /** Something the office asks the floor to do, in its words (`tasks.note`). */
  "office_request",
] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export const TASK_STATUSES = ["open", "done", "cancelled"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const MESSAGE_CHANNELS = ["email", "sms", "letter", "registered_letter"] as const;
export type MessageChannel = (typeof MESSAGE_CHANNELS)[number];

/** `unknown`: the worker stopped while the provider had the message and nothing says whether it went (e-mail):
 * never sent again by itself; the office checks and decides. `written`: no provider is set, so the message was
 * written to the local folder (`DATA_DIR/outbox/`) and never reached the customer; it is not sent again either. */
export const MESSAGE_STATUSES = ["queued", "sending", "sent", "written", "failed", "cancelled", "unknown"] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** An invoice from the billing software (rent), or made by Cadenas: a fee, a credit note, a write-off (negative). */
export const INVOICE_KINDS = ["rent", "fee", "credit_note", "write_off"] as const;
export type InvoiceKind = (typeof INVOICE_KINDS)[number];

/** What a photo of a box opening shows: the door with its number, the lock being cut, the contents. */
export const PHOTO_ROLES = ["door", "lock_cut", "contents"] as const;
export type PhotoRole = (typeof PHOTO_ROLES)[number];

export const PADLOCK_STATES = ["none", "second_padlock"] as const;
export type PadlockState = (typeof PADLOCK_STATES)[number];

export const GATE_STATES = ["active", "suspended"] as const;
export type GateState = (typeof GATE_STATES)[number];

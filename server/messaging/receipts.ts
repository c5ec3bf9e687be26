import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { formatDateFr, type CalendarDate } from "../../shared/dates";
import { RECEIPT_OUTCOMES, type ReceiptOutcome } from "../../shared/schemas/messages";
import { actions } from "../cases/cases.sql";
import type { Database, Transaction } from "../db/client";
import { AppError } from "../errors";
import { markCustomersChanged } from "../sync/changes";
import { messages } from "./messaging.sql";

/**
 * The one rule of when a registered letter counts as received — the day the deadlines it gives start to run
 * (LAW.md, CPC art. 669): its acknowledgement of receipt came back signed, or the letter itself came back advised
 * and not collected (*pli avisé et non réclamé*), whose return date counts the same. Stored on the message:
 * `deliveryStatus` in RECEIPT_OUTCOMES, the day (`YYYY-MM-DD`) in `deliveredAt`. Everything that counts from a
 * receipt — the engine's exit after the formal notice, the opening of a box after the termination notice — reads
 * it through this file, never `deliveryStatus` itself.
 */
export { RECEIPT_OUTCOMES, type ReceiptOutcome };

type Db = Database | Transaction;

/** A registered letter received (or back unclaimed), as the deadlines count it. */
export interface LetterReceipt {
  messageId: string;
  customerId: string;
  caseId: string | null;
  /** The scenario step that sent it (`R3`, `exit`…); null for a letter sent by hand. */
  step: string | null;
  outcome: ReceiptOutcome;
  /** The AR's day, or the day the unclaimed letter came back: deadlines count from it. */
  receivedOn: CalendarDate;
  /** When it was posted. */
  sentAt: string | null;
}

/** Whether a message's delivery status is a receipt (the AR, or the letter back unclaimed). */
export function isReceipt(deliveryStatus: string | null | undefined): deliveryStatus is ReceiptOutcome {
  return (RECEIPT_OUTCOMES as readonly string[]).includes(deliveryStatus ?? "");
}

/**
 * SQL: the receipt day of a `messages` row, or NULL while none is recorded (and for anything but a registered
 * letter). `alias` is the row's name in the query (`m` in `from messages m`); default the table's own name.
 */
export function receivedOnSql(alias = "messages"): SQL<CalendarDate | null> {
  const m = sql.raw(`"${alias}"`);
  const outcomes = sql.join(
    RECEIPT_OUTCOMES.map((o) => sql`${o}`),
    sql`, `,
  );
  return sql<CalendarDate | null>`(case when ${m}.channel = 'registered_letter' and ${m}.delivery_status in (${outcomes}) then ${m}.delivered_at end)`;
}

/** The receipts recorded for these customers' registered letters (of these steps, if given), oldest first. */
export async function letterReceipts(db: Db, customerIds: readonly string[], steps?: readonly string[]): Promise<LetterReceipt[]> {
  if (customerIds.length === 0) return [];
  const rows = await db
    .select({
      messageId: messages.id,
      customerId: messages.customerId,
      caseId: messages.caseId,
      step: messages.stepCode,
      outcome: messages.deliveryStatus,
      receivedOn: messages.deliveredAt,
      sentAt: messages.sentAt,
    })
    .from(messages)
    .where(
      and(
        inArray(messages.customerId, [...customerIds]),
        eq(messages.channel, "registered_letter"),
        inArray(messages.deliveryStatus, [...RECEIPT_OUTCOMES]),
        steps ? inArray(messages.stepCode, [...steps]) : undefined,
      ),
    )
    .orderBy(messages.deliveredAt, messages.id);
  return rows.flatMap((r) => (r.customerId && r.receivedOn && isReceipt(r.outcome) ? [{ ...r, customerId: r.customerId, outcome: r.outcome, receivedOn: r.receivedOn }] : []));
}

export interface ReceiptRequest {
  messageId: string;
  outcome: ReceiptOutcome;
  receivedOn: CalendarDate;
  photoSha256?: string | null;
  today: CalendarDate;
  now: Date;
  by: { id: string; initials: string };
}

/**
 * Records what came back of a posted registered letter: its AR, or the letter unclaimed. Once only: the day starts
 * the deadlines the engine has counted from it (a wrong one is corrected by the office in the billing history, not
 * silently overwritten). Not before the letter was posted, nor after today.
 */
export async function recordReceipt(db: Database, r: ReceiptRequest): Promise<void> {
  const [m] = await db.select().from(messages).where(eq(messages.id, r.messageId));
  const customerId = m?.customerId;
  if (!m || !customerId) throw new AppError("NOT_FOUND", "Message introuvable à vos sites.");
  if (m.channel !== "registered_letter" || m.status !== "sent") throw new AppError("CONFLICT", "Seule une lettre recommandée postée a un avis de réception ou revient non réclamée.");
  if (isReceipt(m.deliveryStatus)) {
    throw new AppError("CONFLICT", `${m.deliveryStatus === "unclaimed" ? "Le retour de ce pli non réclamé" : "L'avis de réception de cette lettre"} est déjà enregistré (le ${formatDateFr(m.deliveredAt!)}).`);
  }
  const sentOn = (m.sentAt ?? "").slice(0, 10);
  if (r.receivedOn < sentOn) {
    const message = r.outcome === "unclaimed" ? "Le pli ne peut pas revenir avant son envoi." : "L'avis de réception ne peut pas précéder l'envoi.";
    throw new AppError("VALIDATION_FAILED", message, { issues: [{ path: "receivedOn", message: "avant l'envoi" }] });
  }
  if (r.receivedOn > r.today) throw new AppError("VALIDATION_FAILED", "Cette date est dans le futur.", { issues: [{ path: "receivedOn", message: "dans le futur" }] });
  const day = formatDateFr(r.receivedOn);
  const text =
    r.outcome === "unclaimed"
      ? `Pli avisé et non réclamé, revenu le ${day} (LRAR ${m.stepCode ?? ""} n° ${m.providerId ?? "?"})`
      : `Avis de réception de la LRAR ${m.providerId ?? ""} signé le ${day}`;
  await db.transaction(async (tx) => {
    await tx.update(messages).set({ deliveryStatus: r.outcome, deliveredAt: r.receivedOn }).where(eq(messages.id, m.id));
    await tx.insert(actions).values({
      id: uuidv7(),
      caseId: m.caseId,
      customerId,
      siteId: m.siteId,
      userId: r.by.id,
      initials: r.by.initials,
      kind: "note",
      text: text.replace(/\s+/g, " "),
      happenedAt: r.now.toISOString(),
      data: {
        messageId: m.id,
        step: m.stepCode,
        outcome: r.outcome,
        receivedOn: r.receivedOn,
        ...(r.outcome === "acknowledged" ? { acknowledgedOn: r.receivedOn } : { returnedOn: r.receivedOn }),
        photoSha256: r.photoSha256 ?? null,
      },
    });
    await markCustomersChanged(tx, [customerId]);
  });
}

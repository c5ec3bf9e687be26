import { createHash } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { plannedActions } from "../../server/engine/engine.sql";
import { messages } from "../../server/messaging/messaging.sql";
import { systemClock } from "../../server/clock";
import { addDays, type CalendarDate } from "../../shared/dates";
import { TEST_TODAY, type TestServer } from "./server";

// What a box opening needs from the letters, written straight into a test's database: the formal notice (R3)
// received, and the termination notice (the exit step's registered letter) posted and received — or not, for the
// refusals. `null` removes a receipt, `"none"` the posting of the termination notice itself.

export interface Receipts {
  /** The contract ended by the exit step (its `contract_end` done), whatever the demo's stories say of the day. */
  exitDone?: boolean;
  /** R3's receipt day, null: no AR nor unclaimed return recorded. */
  r3?: CalendarDate | null;
  /** The termination notice: its receipt day, null (posted, nothing back yet), or "none" (never sent). */
  notice?: CalendarDate | null | "none";
  /** How the notice came back: its AR, or unclaimed (both count). */
  noticeOutcome?: "acknowledged" | "unclaimed";
}

export async function setReceipts(server: TestServer, c: { caseId: string; customerId: string }, r: Receipts): Promise<void> {
  const db = server.services.db;
  if (r.exitDone) {
    const [done] = await db.select({ id: plannedActions.id }).from(plannedActions).where(and(eq(plannedActions.caseId, c.caseId), eq(plannedActions.action, "contract_end"), eq(plannedActions.status, "done")));
    if (!done) {
      const exitOn = addDays(TEST_TODAY, -35);
      await db.insert(plannedActions).values({ id: uuidv7(), customerId: c.customerId, caseId: c.caseId, key: `test:exit:${c.caseId}`, scenario: "box", step: "exit", occurrence: 1, action: "contract_end", date: exitOn, needsApproval: true, status: "done" });
    }
  }
  if (r.r3 !== undefined) {
    const [r3] = await db.select({ id: messages.id }).from(messages).where(and(eq(messages.caseId, c.caseId), eq(messages.stepCode, "R3"), eq(messages.channel, "registered_letter")));
    if (!r3) throw new Error(`no R3 registered letter in case ${c.caseId}`);
    // Posted three days before its receipt, as the demo's letters are: a receipt never precedes the posting.
    const posted = r.r3 ? { sentAt: `${addDays(r.r3, -3)}T10:00:00.000Z` } : {};
    await db.update(messages).set({ status: "sent", deliveryStatus: r.r3 ? "acknowledged" : null, deliveredAt: r.r3, ...posted }).where(eq(messages.id, r3.id));
  }
  if (r.notice !== undefined) {
    const where = and(eq(messages.caseId, c.caseId), eq(messages.stepCode, "exit"), eq(messages.channel, "registered_letter"));
    if (r.notice === "none") {
      // Never posted: cancelled in the outbox (its attempts keep it from being deleted).
      await db.update(messages).set({ status: "cancelled", deliveryStatus: null, deliveredAt: null }).where(where);
      return;
    }
    const [known] = await db.select({ id: messages.id }).from(messages).where(where);
    const receipt = { deliveryStatus: r.notice ? (r.noticeOutcome ?? "acknowledged") : null, deliveredAt: r.notice };
    if (known) {
      const posted = r.notice ? { sentAt: `${addDays(r.notice, -3)}T10:00:00.000Z` } : {};
      await db.update(messages).set({ status: "sent", ...receipt, ...posted }).where(eq(messages.id, known.id));
      return;
    }
    const postedOn = addDays(r.notice ?? TEST_TODAY, -3);
    await db.insert(messages).values({
      id: uuidv7(),
      caseId: c.caseId,
      customerId: c.customerId,
      channel: "registered_letter",
      purpose: "notice",
      stepCode: "exit",
      recipient: "Adresse du locataire",
      subject: "Notification de la résiliation du contrat",
      body: "Notification de la résiliation (art. 1226 C. civ.)",
      status: "sent",
      idempotencyKey: `test:${c.caseId}|exit|registered_letter`,
      providerId: `1A${createHash("sha256").update(c.caseId).digest("hex").slice(0, 11).toUpperCase()}`,
      attempts: 1,
      sentAt: `${postedOn}T10:00:00.000Z`,
      ...receipt,
    });
  }
}

/** Receipts that allow the opening on TEST_TODAY: R3 received 40 days ago, the termination notice 31 days ago. */
export const OPENABLE: Receipts = { exitDone: true, r3: addDays(TEST_TODAY, -40), notice: addDays(TEST_TODAY, -31) };

/**
 * The server's clock moved `days` days after TEST_TODAY (10:00 in Paris), as if the server had run until then: the
 * routes read the clock at each request. Sessions count from it too: sign in again after a long move.
 */
export function moveServerClock(server: TestServer, days: number): void {
  const today = addDays(TEST_TODAY, days);
  server.services.clock = systemClock({ now: `${today}T09:00:00.000Z`, today, siteTimeZone: server.services.config.siteTimeZone });
}

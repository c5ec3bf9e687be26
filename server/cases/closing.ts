import { and, eq, inArray } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { addDays, formatDateFr, type CalendarDate } from "../../shared/dates";
import { formatEurosPlain } from "../../shared/money";
import type { SessionUser } from "../../shared/schemas/auth";
import type { CloseCaseBody, CloseCaseResponse, PaymentPlanBody, PaymentPlanResponse } from "../../shared/schemas/cases";
import { officeOnly } from "../auth/roles";
import type { Scope } from "../auth/scope";
import { balanceSql } from "../billing/balance";
import { invoices } from "../billing/billing.sql";
import { cadenasRef, creditsFor, unpaidInvoices } from "../billing/ledger";
import { customers } from "../customers/customers.sql";
import type { Database, Transaction } from "../db/client";
import { exitDoneSql } from "../evidence/opening";
import { customersAtScopedSites } from "../debtors/queries";
import { paymentPlans } from "../engine/engine.sql";
import { closeCase, runEngineDay } from "../engine/run";
import { AppError } from "../errors";
import { markCustomersChanged } from "../sync/changes";
import { actions, cases } from "./cases.sql";

const STATUS_TEXT = { paid: "payé", written_off: "passé en perte", contract_ended: "clôturé après la sortie" } as const;

/**
 * Closes a case by hand. A write-off (Manager only) credits every unpaid invoice fallen due, then the engine
 * runs for the customer at once: the case closes as written off and the padlock and gate code tasks follow, as
 * after a payment, without thanks. A contract-end closing (office or Manager) needs the contract ended by the
 * scenario's exit step; the debt stays owed, handed over, and the engine leaves it alone from that day.
 */
export async function closeCaseByHand(
  db: Database,
  user: SessionUser,
  scope: Scope,
  caseId: string,
  body: CloseCaseBody,
  today: CalendarDate,
  now: Date,
  /** The calendar the write-off's re-run of the engine dates things in (the user's sites'). */
  timeZone: string,
): Promise<CloseCaseResponse> {
  officeOnly(user.role, "Un dossier est clôturé par le bureau ou le Manager.");
  if (body.reason === "write_off" && user.role !== "manager") throw new AppError("FORBIDDEN", "Passer une dette en perte est décidé par le Manager.");
  const result = await db.transaction(
    async (tx) => {
      const kase = await caseInScope(tx, scope, caseId);
      if (kase.status !== "open") throw new AppError("CONFLICT", `Ce dossier est déjà ${STATUS_TEXT[kase.status]} (le ${kase.closedOn}).`);
      const note = (text: string, data: Record<string, unknown>) =>
        tx.insert(actions).values({
          id: uuidv7(),
          caseId,
          customerId: kase.customerId,
          userId: user.id,
          initials: user.initials,
          kind: "case_closed",
          text,
          happenedAt: now.toISOString(),
          data: { ...data, reason: body.reason },
        });
      let amountCents: number;
      if (body.reason === "write_off") {
        const open = (await unpaidInvoices(tx, kase.customerId)).filter((i) => i.dueDate <= today);
        if (open.length === 0) throw new AppError("CONFLICT", "Rien à passer en perte : aucune facture échue n'est impayée.");
        const base = uuidv7();
        const credits = creditsFor(open, "write_off", kase.customerId, today, (n) => ({ id: uuidv7(), ref: cadenasRef("PP", base, n + 1) }), { label: body.note });
        await tx.insert(invoices).values(credits);
        amountCents = -credits.reduce((s, c) => s + c.amountCents, 0);
        await note(`Dette passée en perte : ${formatEurosPlain(amountCents)} (${credits.map((c) => c.ref).join(", ")}). ${body.note}`, { amountCents });
      } else {
        const [row] = await tx.select({ balance: balanceSql(today), exitDone: exitDoneSql(caseId) }).from(customers).where(eq(customers.id, kase.customerId));
        if (!Number(row?.exitDone)) {
          throw new AppError("CONFLICT", "Le contrat n'est pas terminé : la sortie (étape « exit ») doit d'abord être validée par le Manager.");
        }
        amountCents = Math.max(0, Number(row?.balance ?? 0));
        await closeCase(tx, caseId, "contract_ended", today);
        await note(`Dossier clôturé après la sortie : ${formatEurosPlain(amountCents)} restent dus, transmis au contentieux. ${body.note}`, { amountCents });
      }
      await markCustomersChanged(tx, [kase.customerId]);
      return { customerId: kase.customerId, amountCents };
    },
    { behavior: "immediate" },
  );
  // The write-off settled the account: the engine closes the case (written off) and asks for the unlock.
  if (body.reason === "write_off") await runEngineDay(db, { asOf: today, dryRun: false, now, timeZone, customerIds: [result.customerId] });
  const [after] = await db.select({ status: cases.status, closedOn: cases.closedOn }).from(cases).where(eq(cases.id, caseId));
  return { caseId, status: after!.status, closedOn: after!.closedOn ?? today, amountCents: result.amountCents };
}

/**
 * Records a payment plan agreed with the customer: instalments from today on, in date order. Automatic steps
 * wait while each instalment is paid by its date, and resume on the first one missed.
 */
export async function agreePaymentPlan(
  db: Database,
  user: SessionUser,
  scope: Scope,
  customerId: string,
  body: PaymentPlanBody,
  today: CalendarDate,
  now: Date,
): Promise<PaymentPlanResponse> {
  officeOnly(user.role, "Un échéancier est accordé par le bureau ou le Manager.");
  const dates = body.instalments.map((i) => i.dueOn);
  const issues = body.instalments.flatMap((i, n) => [
    ...(i.dueOn < today ? [{ path: `instalments.${n}.dueOn`, message: `L'échéance ${n + 1} (${i.dueOn}) est passée` }] : []),
    ...(n > 0 && i.dueOn <= dates[n - 1]! ? [{ path: `instalments.${n}.dueOn`, message: `L'échéance ${n + 1} doit suivre la précédente` }] : []),
    ...(i.dueOn > addDays(today, 3 * 366) ? [{ path: `instalments.${n}.dueOn`, message: `L'échéance ${n + 1} est à plus de 3 ans` }] : []),
  ]);
  if (issues.length > 0) throw new AppError("VALIDATION_FAILED", issues.map((i) => i.message).join(" ; "), { issues });
  return db.transaction(
    async (tx) => {
      const [customer] = await tx
        .select({ id: customers.id, balance: balanceSql(today) })
        .from(customers)
        .where(and(eq(customers.id, customerId), inArray(customers.id, customersAtScopedSites(tx, scope))));
      if (!customer) throw new AppError("NOT_FOUND", "Client introuvable à vos sites.");
      const balanceCents = Number(customer.balance);
      if (balanceCents <= 0) throw new AppError("CONFLICT", "Ce client ne doit rien : pas d'échéancier à accorder.");
      const totalCents = body.instalments.reduce((s, i) => s + i.amountCents, 0);
      const id = uuidv7();
      await tx.insert(paymentPlans).values({ id, customerId, agreedOn: today, instalments: body.instalments });
      const [open] = await tx.select({ id: cases.id }).from(cases).where(and(eq(cases.customerId, customerId), eq(cases.status, "open")));
      const list = body.instalments.map((i) => `${formatEurosPlain(i.amountCents)} le ${formatDateFr(i.dueOn).slice(0, 5)}`).join(", ");
      await tx.insert(actions).values({
        id: uuidv7(),
        caseId: open?.id ?? null,
        customerId,
        userId: user.id,
        initials: user.initials,
        kind: "payment_plan",
        text: `Échéancier accordé : ${body.instalments.length} échéance${body.instalments.length > 1 ? "s" : ""} (${list}), ${formatEurosPlain(totalCents)} pour ${formatEurosPlain(balanceCents)} dus.${body.note ? ` ${body.note}` : ""}`,
        happenedAt: now.toISOString(),
        data: { planId: id, totalCents },
      });
      await markCustomersChanged(tx, [customerId]);
      return { id, agreedOn: today, totalCents, balanceCents };
    },
    { behavior: "immediate" },
  );
}

async function caseInScope(tx: Transaction, scope: Scope, caseId: string) {
  const [kase] = await tx
    .select()
    .from(cases)
    .where(and(eq(cases.id, caseId), inArray(cases.customerId, customersAtScopedSites(tx, scope))));
  if (!kase) throw new AppError("NOT_FOUND", "Dossier introuvable à vos sites.");
  return kase;
}

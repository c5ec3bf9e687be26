import { z } from "zod";
import { CASE_STATUSES } from "../enums";
import { CalendarDate, Cents, Id } from "./common";

export const CaseIdParam = z.object({ caseId: Id });

/**
 * Closing a case by hand: `write_off` gives the debt up (credited, Manager only; the padlock comes off);
 * `contract_ended` files it once the contract has ended, the debt handed over (bailiff, court) and still owed.
 */
export const CloseCaseBody = z
  .object({
    reason: z.enum(["write_off", "contract_ended"]),
    note: z.string().trim().min(3, "Dites pourquoi en quelques mots").max(500),
  })
  .meta({ id: "CloseCaseBody" });
export type CloseCaseBody = z.infer<typeof CloseCaseBody>;

export const CloseCaseResponse = z
  .object({
    caseId: Id,
    status: z.enum(CASE_STATUSES),
    closedOn: CalendarDate,
    /** Written off (credited), or handed over and still owed. */
    amountCents: Cents,
  })
  .meta({ id: "CloseCaseResponse" });
export type CloseCaseResponse = z.infer<typeof CloseCaseResponse>;

/** An agreed payment plan (*échéancier*): automatic reminders wait while its instalments are paid on time. */
export const PaymentPlanBody = z
  .object({
    instalments: z
      .array(z.object({ dueOn: CalendarDate, amountCents: Cents.min(100, "Une échéance fait au moins 1,00 €") }))
      .min(1, "Au moins une échéance")
      .max(36, "36 échéances au plus"),
    note: z.string().trim().max(500).optional(),
  })
  .meta({ id: "PaymentPlanBody" });
export type PaymentPlanBody = z.infer<typeof PaymentPlanBody>;

export const PaymentPlanResponse = z
  .object({ id: Id, agreedOn: CalendarDate, totalCents: Cents, balanceCents: Cents })
  .meta({ id: "PaymentPlanResponse" });
export type PaymentPlanResponse = z.infer<typeof PaymentPlanResponse>;

import { describe, expect, it } from "vitest";
import { cadenasRef, creditsFor, feeAmount, type OpenInvoice } from "../../../server/billing/ledger";

const open = (ref: string, dueDate: string, remainingCents: number): OpenInvoice => ({ id: `id-${ref}`, ref, contractId: null, dueDate, amountCents: 10_000, remainingCents });
const settings = { sepaRejectFeeCents: 1_500, latePenaltyRatePercent: 12.15 };

describe("fees", () => {
  it("the SEPA reject fee is the amount set", () => {
    expect(feeAmount("sepa_reject", [], "2026-03-05", settings)).toBe(1_500);
    expect(feeAmount("sepa_reject", [], "2026-03-05", { ...settings, sepaRejectFeeCents: 2_000 })).toBe(2_000);
  });

  it("the recovery indemnity is 40 € for each invoice fallen due unpaid", () => {
    const invoices = [open("F1", "2026-03-02", 10_000), open("F2", "2026-04-02", 10_000), open("F3", "2026-05-04", 10_000)];
    expect(feeAmount("recovery_indemnity", invoices, "2026-04-16", settings)).toBe(8_000);
    expect(feeAmount("recovery_indemnity", [], "2026-04-16", settings)).toBe(0);
  });

  it("late penalties: rate × what is left × days late / 365, invoice by invoice, rounded to the cent", () => {
    // 100 € × 12.15 % × 45 / 365 = 1.4979… → 1.50 €; 50 € × 12.15 % × 14 / 365 = 0.2330… → 0.23 €.
    const invoices = [open("F1", "2026-03-02", 10_000), open("F2", "2026-04-02", 5_000)];
    expect(feeAmount("late_penalties", invoices, "2026-04-16", settings)).toBe(150 + 23);
  });
});

describe("credits", () => {
  it("settle what is left on each invoice, on the day or when the invoice falls due if later", () => {
    const rows = creditsFor([open("F1", "2026-03-02", 4_000), open("F2", "2026-06-01", 10_000)], "credit_note", "cust", "2026-04-30", (n) => ({ id: `c${n}`, ref: `AV${n}` }));
    expect(rows.map((r) => [r.ref, r.amountCents, r.dueDate, r.appliesToId, r.kind, r.source])).toEqual([
      ["AV0", -4_000, "2026-04-30", "id-F1", "credit_note", "cadenas"],
      ["AV1", -10_000, "2026-06-01", "id-F2", "credit_note", "cadenas"],
    ]);
  });

  it("refs are short, readable and distinct", () => {
    const id = "019ab2c3-d4e5-7f00-8123-456789abcdef";
    expect(cadenasRef("FR", id)).toBe("CAD-FR-6789ABCDEF");
    expect(cadenasRef("AV", id, 2)).toBe(`${cadenasRef("AV", id)}-2`);
  });
});

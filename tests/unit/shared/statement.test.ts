import { describe, expect, it } from "vitest";
import { statementAt, type LedgerInvoice, type LedgerPayment } from "../../../shared/statement";

const rent = (ref: string, issueDate: string, dueDate: string, amountCents: number): LedgerInvoice => ({ ref, kind: "rent", issueDate, dueDate, amountCents, label: null });
const paid = (ref: string, date: string, amountCents: number, status: "ok" | "rejected" = "ok"): LedgerPayment => ({ ref, date, amountCents, method: "card", status });

describe("the statement of account at a date", () => {
  const invoices: LedgerInvoice[] = [
    rent("F-09", "2026-09-01", "2026-09-05", 12_000),
    rent("F-10", "2026-10-01", "2026-10-05", 12_000),
    { ref: "FR-1", kind: "fee", issueDate: "2026-10-10", dueDate: "2026-10-10", amountCents: 2_500, label: "Frais de prélèvement rejeté" },
    { ref: "AV-1", kind: "credit_note", issueDate: "2026-10-20", dueDate: "2026-10-20", amountCents: -2_500, label: "geste commercial", appliesToRef: "FR-1" },
    rent("F-11", "2026-11-01", "2026-11-05", 12_000),
    rent("F-12", "2026-11-20", "2026-12-05", 12_000),
  ];
  const payments: LedgerPayment[] = [paid("P-1", "2026-09-05", 12_000), paid("P-2", "2026-10-08", 12_000, "rejected"), paid("P-3", "2026-11-10", 5_000), paid("P-4", "2026-12-01", 7_000)];

  it("lists invoices on their due date and payments on their day, each with the running balance", () => {
    const s = statementAt(invoices, payments, "2026-11-22");
    expect(s.lines.map((l) => [l.date, l.ref, l.debitCents, l.creditCents, l.balanceCents])).toEqual([
      ["2026-09-05", "F-09", 12_000, 0, 12_000],
      ["2026-09-05", "P-1", 0, 12_000, 0],
      ["2026-10-05", "F-10", 12_000, 0, 12_000],
      ["2026-10-10", "FR-1", 2_500, 0, 14_500],
      ["2026-10-20", "AV-1", 0, 2_500, 12_000],
      ["2026-11-05", "F-11", 12_000, 0, 24_000],
      ["2026-11-10", "P-3", 0, 5_000, 19_000],
    ]);
    expect(s.balanceCents).toBe(19_000);
    expect(s.totals).toEqual({ invoicedCents: 38_500, paidCents: 17_000, creditedCents: 2_500 });
  });

  it("leaves out a rejected payment, and what comes after the date", () => {
    const s = statementAt(invoices, payments, "2026-11-22");
    expect(s.lines.some((l) => l.ref === "P-2" || l.ref === "P-4")).toBe(false);
  });

  it("lists an invoice issued by the date and due after it apart, outside the balance", () => {
    const s = statementAt(invoices, payments, "2026-11-22");
    expect(s.upcoming).toEqual([{ ref: "F-12", dueDate: "2026-12-05", label: "Loyer — émise le 20/11/2026", amountCents: 12_000 }]);
    expect(statementAt(invoices, payments, "2026-11-15").upcoming).toEqual([]);
  });

  it("gives the balance at an earlier date from the lines up to it only", () => {
    expect(statementAt(invoices, payments, "2026-10-15").balanceCents).toBe(14_500);
    expect(statementAt(invoices, payments, "2026-09-05").balanceCents).toBe(0);
    expect(statementAt(invoices, payments, "2026-08-01").lines).toEqual([]);
  });

  it("names credit notes by the invoice they settle", () => {
    const s = statementAt(invoices, payments, "2026-11-22");
    expect(s.lines.find((l) => l.ref === "AV-1")!.label).toBe("Avoir sur la facture FR-1 (geste commercial)");
    expect(s.lines.find((l) => l.ref === "P-3")!.label).toBe("Paiement par carte");
  });
});

import { describe, expect, it } from "vitest";
import { STALE_IMPORT_HOURS, isImportStale } from "../../../shared/engine/freshness";
import { guessImportKind, inImportOrder } from "../../../shared/imports/kinds";

describe("guessImportKind", () => {
  it("reads the kind from the column naming each line's own ref, whatever the file is called", () => {
    expect(guessImportKind("export.csv", "\uFEFFpayment_ref;customer_ref;invoice_ref;date")).toBe("payments");
    expect(guessImportKind("clients.csv", "invoice_ref;customer_ref;contract_ref;issue_date")).toBe("invoices");
    expect(guessImportKind("x.csv", '"contract_ref","customer_ref","site_code"')).toBe("contracts");
    expect(guessImportKind("x.csv", "customer_ref;kind;name")).toBe("customers");
  });

  it("falls back on the file name, in French or English, after a date or a number", () => {
    expect(guessImportKind("2026-11-30_Règlements.csv", "a;b")).toBe("payments");
    expect(guessImportKind("paiements.csv", "")).toBe("payments");
    expect(guessImportKind("03-factures.csv", "")).toBe("invoices");
    expect(guessImportKind("CONTRATS nov.csv", "")).toBe("contracts");
    expect(guessImportKind("clients.csv", "")).toBe("customers");
    expect(guessImportKind("notes.csv", "a;b")).toBeNull();
  });
});

describe("inImportOrder", () => {
  it("puts customers, contracts, invoices, payments first to last, keeping the order of two files of a kind", () => {
    const files = [
      { kind: "payments", n: 1 },
      { kind: "invoices", n: 2 },
      { kind: "customers", n: 3 },
      { kind: "invoices", n: 4 },
      { kind: "contracts", n: 5 },
    ] as const;
    expect(inImportOrder(files).map((f) => f.n)).toEqual([3, 5, 2, 4, 1]);
  });
});

describe("isImportStale", () => {
  const now = new Date("2026-11-30T06:00:00Z");
  it("holds the engine with no import, or one over the limit, not at the limit", () => {
    expect(isImportStale(null, now)).toBe(true);
    expect(isImportStale(new Date(now.getTime() - STALE_IMPORT_HOURS * 3_600_000), now)).toBe(false);
    expect(isImportStale(new Date(now.getTime() - STALE_IMPORT_HOURS * 3_600_000 - 60_000), now)).toBe(true);
  });
});

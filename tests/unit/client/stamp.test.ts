import { describe, expect, it } from "vitest";
import type { DebtorRow } from "../../../client/store/db";
import { keptByStamp, stampRow } from "../../../client/store/stamp";
import { rowFor } from "../../../client/store/views";
import { CUSTOMER, debtorDoc } from "../../support/debtor-doc";

// A screen computing a line from each of thousands of debtors computes it again only for the rows written since.

describe("stamped debtor rows", () => {
  const plain = { customerId: CUSTOMER, base: debtorDoc(), view: null, unitIds: [], taskIds: [] };

  it("get a new stamp at each write", () => {
    const stamps = [stampRow(plain), stampRow(plain), rowFor(debtorDoc(), []), rowFor(debtorDoc(), [])].map((r) => r.stamp);
    expect(new Set(stamps).size).toBe(4);
    expect(stamps.every((s) => typeof s === "string" && s.length > 0)).toBe(true);
  });

  it("keep what was computed from a row while its stamp and the day stay the same", () => {
    let computed = 0;
    const line = keptByStamp((row: DebtorRow, day: string) => ({ id: row.customerId, day, n: ++computed }));
    const row = stampRow(plain);
    const first = line(row, "day 1");
    // The same row read again from IndexedDB is a new object with the same stamp.
    expect(line(structuredClone(row), "day 1")).toBe(first);
    expect(computed).toBe(1);

    expect(line(stampRow(plain), "day 1")).not.toBe(first);
    expect(line(row, "day 2")).toMatchObject({ day: "day 2" });
    expect(computed).toBe(3);
  });

  it("compute a row stored before stamps existed each time", () => {
    let computed = 0;
    const line = keptByStamp(() => ++computed);
    line(plain, "day 1");
    line(plain, "day 1");
    expect(computed).toBe(2);
  });
});

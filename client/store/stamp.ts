import type { DebtorRow } from "./db";

// Stamps for the debtors' rows, apart from db.ts so that the first screen's code (views.ts) takes no Dexie with it.

/** This tab's prefix for stamps, and its count: unique across tabs and app starts without asking anyone. */
const STAMP_PREFIX = Math.random().toString(36).slice(2, 10);
let stamps = 0;

/** The row, stamped as newly written: every write of a debtor's row goes through here. */
export function stampRow(row: Omit<DebtorRow, "stamp">): DebtorRow {
  return { ...row, stamp: `${STAMP_PREFIX}.${(stamps += 1)}` };
}

/**
 * `derive`, kept for each debtor while their row's stamp and the source (the day, say) stay the same: reading
 * thousands of rows again after one changed computes one line, and hands the screen the same objects for the others
 * (a keyed list then redraws nothing of them). A row without a stamp is derived each time.
 */
export function keptByStamp<S, T>(derive: (row: DebtorRow, source: S) => T): (row: DebtorRow, source: S) => T {
  const kept = new Map<string, { stamp: string; source: S; value: T }>();
  return (row, source) => {
    const hit = kept.get(row.customerId);
    if (hit && row.stamp !== undefined && hit.stamp === row.stamp && hit.source === source) return hit.value;
    const value = derive(row, source);
    if (row.stamp !== undefined) kept.set(row.customerId, { stamp: row.stamp, source, value });
    return value;
  };
}

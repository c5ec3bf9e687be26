import { inArray, max, sql } from "drizzle-orm";
import type { Database, Transaction } from "../db/client";
import { syncChanges } from "./sync.sql";

/**
 * Records that the documents of these customers changed, at every site they rent at, in the caller's
 * transaction: whatever changes a debtor and this marker commit together or not at all.
 */
export async function markCustomersChanged(tx: Database | Transaction, customerIds: readonly string[]): Promise<void> {
  const ids = [...new Set(customerIds)];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    await tx.run(sql`
      insert into ${syncChanges} (customer_id, site_id)
      select distinct c.customer_id, u.site_id from contracts c join units u on u.id = c.unit_id
      where ${inArray(sql.raw("c.customer_id"), chunk)}`);
  }
}

/** The newest change; a cursor at this version has seen everything committed so far. */
export async function currentVersion(db: Database | Transaction): Promise<number> {
  const [row] = await db.select({ v: max(syncChanges.version) }).from(syncChanges);
  return row?.v ?? 0;
}

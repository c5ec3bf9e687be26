import { eq, inArray, lt, max, sql } from "drizzle-orm";
import type { Database, Transaction } from "../db/client";
import { floorStamp } from "../messaging/messaging.sql";
import { syncChanges } from "./sync.sql";

/**
 * Records that the documents of these customers changed, at every site they rent at, in the caller's
 * transaction: whatever changes a debtor and this marker commit together or not at all.
 */
export async function markCustomersChanged(tx: Database | Transaction, customerIds: readonly string[]): Promise<void> {
  for (const statement of customersChangedStatements(tx, customerIds)) await statement;
}

/** The same, as statements to run in a `db.batch` with the writes they follow (nothing runs until awaited or batched). */
export function customersChangedStatements(tx: Database | Transaction, customerIds: readonly string[]) {
  const ids = [...new Set(customerIds)];
  const out = [];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    out.push(
      tx.run(sql`
      insert into ${syncChanges} (customer_id, site_id)
      select distinct c.customer_id, u.site_id from contracts c join units u on u.id = c.unit_id
      where ${inArray(sql.raw("c.customer_id"), chunk)}`),
    );
  }
  return out;
}

/** The newest change; a cursor at this version has seen everything committed so far. */
export async function currentVersion(db: Database | Transaction): Promise<number> {
  const [row] = await db.select({ v: max(syncChanges.version) }).from(syncChanges);
  return row?.v ?? 0;
}

/**
 * The feed's oldest and newest versions and the floor stamp (see `floorStamp`), in one statement: a pull's first
 * questions, each a round trip to a libSQL server. `floor` is null on a database without the stamp's row.
 */
export async function feedBounds(db: Database | Transaction): Promise<{ oldest: number | null; newest: number; floor: number | null }> {
  const [row] = await db
    .select({
      oldest: sql<number | null>`(select min(${syncChanges.version}) from ${syncChanges})`,
      newest: sql<number | null>`(select max(${syncChanges.version}) from ${syncChanges})`,
      floor: sql<number | null>`(select ${floorStamp.version} from ${floorStamp} where ${eq(floorStamp.id, 1)})`,
    })
    .from(sql`(select 1)`);
  return { oldest: row?.oldest ?? null, newest: row?.newest ?? 0, floor: row?.floor ?? null };
}

/**
 * Forgets all but the newest `keep` changes, so the feed does not grow for ever. Phones whose cursor is older
 * than what is kept get everything again on their next pull (see `pullChanges`).
 */
export async function compactChanges(db: Database, keep = 500_000): Promise<number> {
  const newest = await currentVersion(db);
  if (newest <= keep) return 0;
  const result = await db.delete(syncChanges).where(lt(syncChanges.version, newest - keep + 1));
  return result.rowsAffected;
}

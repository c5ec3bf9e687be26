import { getMeta, type CadenasDB, type DebtorRow } from "./db";

/**
 * The query behind the lists of every debtor (*Aujourd'hui*), for a live query: all the rows, read again whenever
 * they change — except while a first sync is storing page after page. Reading (and copying) every row after each
 * page cost a phone a long frame per page, growing with the rows stored (0.4–0.8 s at 5,000 debtors, CPU ×4).
 * Until that sync is over, the list keeps the rows it drew from the first page, and reads them all again when the
 * sync sets its cursor, when a pass ends (finished, offline or failed: what was stored shows), or when rows go.
 */
export function debtorRowsQuery(db: CadenasDB): () => Promise<DebtorRow[]> {
  let held: { rows: DebtorRow[]; outcome: unknown } | undefined;
  return async () => {
    // Cheap reads, which the live query follows: the cursor and the pass's outcome (meta keys), and the count.
    const [cursor, outcome, count] = await Promise.all([getMeta(db, "cursor"), getMeta(db, "lastOutcome"), db.debtors.count()]);
    const firstSyncStoring = !cursor && held !== undefined && held.rows.length > 0 && count >= held.rows.length && outcome === held.outcome;
    if (firstSyncStoring) return held!.rows;
    const rows = await db.debtors.toArray();
    held = { rows, outcome };
    return rows;
  };
}

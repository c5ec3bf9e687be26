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
    const rows = await readInChunks(db);
    held = { rows, outcome };
    return rows;
  };
}

/** Rows a request: IndexedDB hands a request's rows over in one task, about a millisecond each on a slow phone. */
export const READ_CHUNK = 250;

/**
 * Every row, in key order, a few hundred a request: each answer is its own task, so reading thousands of debtors
 * never holds the screen for one long frame. A write landing between two requests makes the live query read again.
 */
async function readInChunks(db: CadenasDB): Promise<DebtorRow[]> {
  const rows: DebtorRow[] = [];
  for (;;) {
    const last = rows.at(-1)?.customerId;
    const chunk = await (last === undefined ? db.debtors.orderBy(":id") : db.debtors.where(":id").above(last)).limit(READ_CHUNK).toArray();
    rows.push(...chunk);
    if (chunk.length < READ_CHUNK) return rows;
  }
}

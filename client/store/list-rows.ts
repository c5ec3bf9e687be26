import { getMeta, type CadenasDB, type DebtorRow } from "./db";

/**
 * The query behind the lists of every debtor (*Aujourd'hui*), for a live query: all the rows, each turned into what
 * the list needs (`derive`) as it is read, read again whenever they change — except while a first sync is storing
 * page after page. Reading (and copying) every row after each page cost a phone a long frame per page, growing with
 * the rows stored (0.4–0.8 s at 5,000 debtors, CPU ×4). Until that sync is over, the list keeps what it drew from
 * the first page, and reads every row again when the sync sets its cursor, when a pass ends (finished, offline or
 * failed: what was stored shows), or when rows go.
 */
export function debtorRowsQuery<T = DebtorRow>(db: CadenasDB, derive: (row: DebtorRow) => T = (row) => row as T): () => Promise<T[]> {
  let held: { items: T[]; outcome: unknown } | undefined;
  return async () => {
    // Cheap reads, which the live query follows: the cursor and the pass's outcome (meta keys), and the count.
    const [cursor, outcome, count] = await Promise.all([getMeta(db, "cursor"), getMeta(db, "lastOutcome"), db.debtors.count()]);
    const firstSyncStoring = !cursor && held !== undefined && held.items.length > 0 && count >= held.items.length && outcome === held.outcome;
    if (firstSyncStoring) return held!.items;
    const items = await readInChunks(db, derive);
    held = { items, outcome };
    return items;
  };
}

/**
 * Rows a request: IndexedDB hands a request's rows over in one task, and each is then turned into the list's line,
 * about a quarter of a millisecond a row together on a mid-range phone (CPU ×4); two or three answers may run before
 * the page draws again, and their frame must stay under 50 ms.
 */
export const READ_CHUNK = 50;

/**
 * Every row, in key order, a few dozen a request, each derived in the task its request answers in: reading and
 * computing thousands of debtors never holds the screen for one long frame (the list's computing over 5,000 debtors
 * was a 200 ms frame at CPU ×4 when done at the end). A write landing between two requests makes the live query
 * read again.
 */
async function readInChunks<T>(db: CadenasDB, derive: (row: DebtorRow) => T): Promise<T[]> {
  const items: T[] = [];
  let last: string | undefined;
  for (;;) {
    const chunk = await (last === undefined ? db.debtors.orderBy(":id") : db.debtors.where(":id").above(last)).limit(READ_CHUNK).toArray();
    for (const row of chunk) items.push(derive(row));
    last = chunk.at(-1)?.customerId;
    if (chunk.length < READ_CHUNK) return items;
  }
}

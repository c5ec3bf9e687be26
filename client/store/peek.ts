import type { DebtorRow } from "./db";

/** The phone's IndexedDB database, as `CadenasDB` (db.ts) lays it out. */
export const STORE_NAME = "cadenas";

export interface Peek<T> {
  items: T[];
  lastSyncAt: string | null | undefined;
}

/** Rows a request: each answer (its copying out of IndexedDB, then `derive`) is a task well under a frame on a phone. */
export const PEEK_CHUNK = 100;

/**
 * The debtors the phone holds, each turned into what the screen draws (`derive`), and when it last synced, read
 * straight from IndexedDB, without Dexie: the first screen draws its list before the store's code (Dexie, some
 * 30 KB compressed) has come down a weak connection. Read-only, one transaction over the two tables `CadenasDB`
 * made, a hundred rows a request so that thousands of debtors never hold the screen for one long task, and the
 * connection closed at once so that the store can open (and upgrade) the database. Null when there is nothing to
 * read yet or IndexedDB refuses: the live store answers a moment later.
 */
export function peekStore<T>(derive: (row: DebtorRow) => T, name = STORE_NAME): Promise<Peek<T> | null> {
  return new Promise((resolve) => {
    let open: IDBOpenDBRequest;
    try {
      open = indexedDB.open(name);
    } catch {
      return resolve(null);
    }
    // No database yet: create none (the store makes it, with its tables).
    open.onupgradeneeded = () => open.transaction?.abort();
    open.onerror = () => resolve(null);
    open.onblocked = () => resolve(null);
    open.onsuccess = () => {
      const idb = open.result;
      const done = (peek: Peek<T> | null) => {
        idb.close();
        resolve(peek);
      };
      try {
        if (!idb.objectStoreNames.contains("debtors") || !idb.objectStoreNames.contains("meta")) return done(null);
        const tx = idb.transaction(["debtors", "meta"], "readonly");
        const debtors = tx.objectStore("debtors");
        const items: T[] = [];
        const readFrom = (after: IDBValidKey | undefined) => {
          const chunk = debtors.getAll(after === undefined ? null : IDBKeyRange.lowerBound(after, true), PEEK_CHUNK);
          chunk.onsuccess = () => {
            const rows = chunk.result as DebtorRow[];
            for (const row of rows) items.push(derive(row));
            if (rows.length === PEEK_CHUNK) readFrom(rows.at(-1)!.customerId);
          };
        };
        readFrom(undefined);
        const last = tx.objectStore("meta").get("lastSyncAt");
        tx.oncomplete = () => done({ items, lastSyncAt: (last.result as { value?: string | null } | undefined)?.value });
        tx.onerror = () => done(null);
        tx.onabort = () => done(null);
      } catch {
        done(null);
      }
    };
  });
}

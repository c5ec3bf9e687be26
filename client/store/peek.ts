import type { DebtorRow } from "./db";

/** The phone's IndexedDB database, as `CadenasDB` (db.ts) lays it out. */
export const STORE_NAME = "cadenas";

export interface Peek {
  rows: DebtorRow[];
  lastSyncAt: string | null | undefined;
}

/**
 * The debtors the phone holds and when it last synced, read straight from IndexedDB, without Dexie: the first screen
 * draws its list before the store's code (Dexie, some 30 KB compressed) has come down a weak connection. Read-only,
 * one transaction over the two tables `CadenasDB` made, and the connection closed at once so that the store can
 * open (and upgrade) the database. Null when there is nothing to read yet or IndexedDB refuses: the live store
 * answers a moment later.
 */
export function peekStore(name = STORE_NAME): Promise<Peek | null> {
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
      const done = (peek: Peek | null) => {
        idb.close();
        resolve(peek);
      };
      try {
        if (!idb.objectStoreNames.contains("debtors") || !idb.objectStoreNames.contains("meta")) return done(null);
        const tx = idb.transaction(["debtors", "meta"], "readonly");
        const rows = tx.objectStore("debtors").getAll();
        const last = tx.objectStore("meta").get("lastSyncAt");
        tx.oncomplete = () => done({ rows: rows.result as DebtorRow[], lastSyncAt: (last.result as { value?: string | null } | undefined)?.value });
        tx.onerror = () => done(null);
        tx.onabort = () => done(null);
      } catch {
        done(null);
      }
    };
  });
}

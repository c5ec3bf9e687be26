import { createSignal, getOwner, onCleanup, runWithOwner } from "solid-js";
import type { DebtorRow } from "./db";
import type { Live } from "./live";
import { peekStore, type Peek } from "./peek";
import { keptByStamp } from "./stamp";

type Queries = typeof import("./queries");

/** The store's live queries, once their code has come (with Dexie). */
let queries: Queries | undefined;

/**
 * *Aujourd'hui*'s two reads — its list of every debtor and when the phone last synced — for the first screen: drawn
 * from a plain IndexedDB read (`peekStore`) while the store's code loads, then the store's live queries (queries.ts),
 * which follow every change; once that code is there (back on the screen from another), straight from them. Each
 * stored row becomes the list's line by `derive`, given `source` (the day), once for each of its writes
 * (`keptByStamp`). The screen imports this module, never Dexie, so its first download stays small.
 */
export function useTodayReads<S, T>(
  source: () => S,
  derive: (row: DebtorRow, source: S) => T,
): { rows: Live<T[]>; lastSyncAt: () => string | null | undefined } {
  // One line per debtor and stamp, whichever read brings the row (the peek, then every live read).
  const line = keptByStamp(derive);
  const [peeked, setPeeked] = createSignal<Peek<T> | null>();
  const [live, setLive] = createSignal<{ rows: Live<T[]>; lastSyncAt: Live<string | null> }>();
  const follow = (q: Queries) => setLive({ rows: q.useDebtorList(source, line), lastSyncAt: q.useLastSyncAt() });
  if (queries) {
    follow(queries);
  } else {
    const owner = getOwner();
    let gone = false;
    onCleanup(() => (gone = true));
    // The day at the moment of reading: a peek is replaced by the live read within a second or two.
    const day = source();
    void peekStore((row) => line(row, day)).then((peek) => gone || live()?.rows() || setPeeked(peek));
    void import("./queries").then((q) => {
      queries = q;
      if (!gone) runWithOwner(owner, () => follow(q));
    });
  }
  const rows = Object.assign(() => live()?.rows() ?? peeked()?.items, {
    error: () => live()?.rows.error() ?? null,
    retry: () => live()?.rows.retry(),
  });
  const lastSyncAt = () => {
    const fromStore = live()?.lastSyncAt();
    return fromStore !== undefined ? fromStore : peeked()?.lastSyncAt;
  };
  return { rows, lastSyncAt };
}

import { createMemo, createSignal, getOwner, onCleanup, runWithOwner } from "solid-js";
import type { DebtorRow } from "./db";
import type { Live } from "./live";
import { peekStore, type Peek } from "./peek";

/**
 * *Aujourd'hui*'s two reads — its list of every debtor and when the phone last synced — for the first screen: drawn
 * from a plain IndexedDB read (`peekStore`) while the store's code loads, then the store's live queries (queries.ts),
 * which follow every change. Each stored row becomes the list's line by `derive`, given `source` (the day). The
 * screen imports this module, never Dexie, so its first download stays small.
 */
export function useTodayReads<S, T>(
  source: () => S,
  derive: (row: DebtorRow, source: S) => T,
): { rows: Live<T[]>; lastSyncAt: () => string | null | undefined } {
  const [peeked, setPeeked] = createSignal<Peek | null>();
  const [live, setLive] = createSignal<{ rows: Live<T[]>; lastSyncAt: Live<string | null> }>();
  const owner = getOwner();
  let gone = false;
  onCleanup(() => (gone = true));
  void peekStore().then((peek) => gone || setPeeked(peek));
  void import("./queries").then((queries) => {
    if (gone) return;
    runWithOwner(owner, () => setLive({ rows: queries.useDebtorList(source, derive), lastSyncAt: queries.useLastSyncAt() }));
  });
  const peekedItems = createMemo(() => {
    const s = source();
    return peeked()?.rows.map((row) => derive(row, s));
  });
  const rows = Object.assign(() => (live() ? live()!.rows() ?? peekedItems() : peekedItems()), {
    error: () => live()?.rows.error() ?? null,
    retry: () => live()?.rows.retry(),
  });
  const lastSyncAt = () => {
    const fromStore = live()?.lastSyncAt();
    return fromStore !== undefined ? fromStore : peeked()?.lastSyncAt;
  };
  return { rows, lastSyncAt };
}

import { liveQuery } from "dexie";
import { createEffect, createSignal, onCleanup, type Accessor } from "solid-js";

/**
 * A Dexie query as a Solid signal that follows the database: it re-runs when the tables it read change (in this
 * tab or another). `source` is read reactively; the query re-subscribes when it changes.
 */
export function useLive<S, T>(source: () => S, query: (source: S) => T | Promise<T>): Accessor<T | undefined> {
  const [value, setValue] = createSignal<T>();
  createEffect(() => {
    const s = source();
    const subscription = liveQuery(() => query(s)).subscribe({
      next: (v) => setValue(() => v),
      error: (e) => console.error("[store] live query failed", e),
    });
    onCleanup(() => subscription.unsubscribe());
  });
  return value;
}

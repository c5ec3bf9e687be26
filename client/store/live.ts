import { liveQuery } from "dexie";
import { createEffect, createSignal, onCleanup, type Accessor } from "solid-js";

/**
 * A live read of the phone's store: the value (undefined until the first read), and the error of a read that
 * failed (a full or broken IndexedDB, a closed database), with `retry` to read again. A screen waiting on it
 * shows the error and a way to retry, never a spinner for ever (see `LiveState`).
 */
export type Live<T> = Accessor<T | undefined> & {
  error: Accessor<unknown>;
  retry(): void;
};

/** A read that has not answered after this long is shown as failed (Dexie waits silently on a closed database). */
export const STALLED_AFTER_MS = 15_000;

/** The read did not answer in time; it may still answer, which clears it. */
export class ReadStalled extends Error {
  constructor() {
    super("La lecture ne répond pas.");
    this.name = "ReadStalled";
  }
}

/**
 * A Dexie query as a Solid signal that follows the database: it re-runs when the tables it read change (in this
 * tab or another). `source` is read reactively; the query re-subscribes when it changes, or when `retry` is
 * called after a failed read (Dexie's live query stops at its first error).
 */
export function useLive<S, T>(source: () => S, query: (source: S) => T | Promise<T>, options: { stalledAfterMs?: number } = {}): Live<T> {
  const [value, setValue] = createSignal<T>();
  const [error, setError] = createSignal<unknown>(null);
  const [attempt, setAttempt] = createSignal(0);
  createEffect(() => {
    attempt();
    const s = source();
    let answered = false;
    const stalled = setTimeout(() => answered || setError(() => new ReadStalled()), options.stalledAfterMs ?? STALLED_AFTER_MS);
    const subscription = liveQuery(() => query(s)).subscribe({
      next: (v) => {
        answered = true;
        clearTimeout(stalled);
        setError(null);
        setValue(() => v);
      },
      error: (e) => {
        answered = true;
        clearTimeout(stalled);
        console.error("[store] live query failed", e);
        setError(() => e ?? new Error("read failed"));
      },
    });
    onCleanup(() => {
      clearTimeout(stalled);
      subscription.unsubscribe();
    });
  });
  return Object.assign(() => value(), {
    error,
    retry: () => {
      setError(null);
      setAttempt((n) => n + 1);
    },
  });
}

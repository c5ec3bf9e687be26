import { Show, type Accessor, type JSX } from "solid-js";
import { Spinner } from "./Spinner";

/**
 * Where a screen waits for the phone's store: a spinner while the first read runs, or, when the read failed,
 * what happened and a button to read again. Never a spinner for ever.
 */
export function LiveWait(props: { live: { error: Accessor<unknown>; retry(): void }; children?: JSX.Element }) {
  return (
    <Show when={props.live.error()} fallback={props.children ?? <Spinner />}>
      {(error) => (
        <div class="empty read-failed" role="alert" data-read-failed>
          <p>Lecture impossible des données du téléphone.</p>
          <p class="muted">{describe(error())}</p>
          <button type="button" class="button secondary" onClick={() => props.live.retry()}>
            Réessayer
          </button>
        </div>
      )}
    </Show>
  );
}

/** What the browser said, once (Dexie wraps IndexedDB's error and repeats its message). */
function describe(error: unknown): string {
  const e = ((error as { inner?: unknown })?.inner ?? error) as { name?: string; message?: string };
  if (e?.name === "QuotaExceededError") return "La mémoire du téléphone est pleine.";
  return e?.message || String(error);
}

import { For, Show } from "solid-js";
import { problemsOf } from "../api";

/**
 * The end of an office form: what the server refused (each problem a line), "Enregistré" once saved, and the
 * submit button — sticky above the status bar on long forms.
 */
export function SaveBar(props: { label: string; error: unknown; saved: boolean; pending: boolean; editable: boolean; sticky?: boolean }) {
  return (
    <>
      <Show when={props.error}>
        <Problems list={problemsOf(props.error)} />
      </Show>
      <Show when={props.editable}>
        <div class={props.sticky === false ? "form-actions" : "sticky-actions"}>
          <Show when={props.saved}>
            <span class="ok-text" role="status">
              Enregistré
            </span>
          </Show>
          <button type="submit" class="button primary" disabled={props.pending}>
            {props.label}
          </button>
        </div>
      </Show>
    </>
  );
}

/** What is wrong, a line each, announced to screen readers. */
export function Problems(props: { list: readonly string[] }) {
  return (
    <Show when={props.list.length > 0}>
      <ul class="form-error" role="alert">
        <For each={props.list}>{(p) => <li>{p}</li>}</For>
      </ul>
    </Show>
  );
}

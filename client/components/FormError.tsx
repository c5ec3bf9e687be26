import { Show } from "solid-js";

/** Why a form or an action did not go through, read out to screen readers; nothing when there is no message. */
export function FormError(props: { message: string | null | undefined | false }) {
  return (
    <Show when={props.message}>
      <p class="form-error" role="alert">
        {props.message}
      </p>
    </Show>
  );
}

import { Show, createSignal, createUniqueId } from "solid-js";
import { counted, formatCount } from "../../shared/plural";

/** From this share of the limit on, the count shows under the field. */
const NEAR = 0.9;

/**
 * A free text with a length limit (the mutation schema's). Nothing typed or pasted is ever cut: near the limit a
 * count shows under the field, past it the count says by how much and the form refuses to save (`tooLong`) — a
 * browser's `maxlength` would drop the end of a pasted note without a word.
 */
export function LimitedText(props: { label: string; name: string; max: number; rows: number; placeholder?: string }) {
  const id = createUniqueId();
  const [length, setLength] = createSignal(0);
  const over = () => length() - props.max;
  return (
    <div class="field limited-text">
      <label for={id}>{props.label}</label>
      <textarea
        id={id}
        name={props.name}
        rows={props.rows}
        placeholder={props.placeholder}
        aria-describedby={`${id}-count`}
        aria-invalid={over() > 0}
        onInput={(e) => setLength(e.currentTarget.value.trim().length)}
      />
      <Show when={length() >= props.max * NEAR}>
        <p id={`${id}-count`} class="text-count" classList={{ over: over() > 0 }} aria-live="polite" data-length={length()}>
          {over() > 0 ? tooLong(length(), props.max) : `${formatCount(length())} / ${counted(props.max, "caractère")}`}
        </p>
      </Show>
    </div>
  );
}

/** What the form says when a text is longer than the limit; null when it fits. */
export function tooLong(length: number, max: number): string | null {
  if (length <= max) return null;
  return `${counted(length - max, "caractère")} de trop (${formatCount(max)} au plus)\u202f: raccourcissez le texte avant d'enregistrer.`;
}

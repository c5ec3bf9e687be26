import { createSignal, type JSX } from "solid-js";
import { FormError } from "./FormError";

/**
 * One save at a time, for a form or a button that records something: two quick taps record one action. While a
 * save runs, a second `run` is dropped and the buttons say they are saving; a failed save says why and the button
 * can be tapped again.
 *
 * The guard is a plain variable set before the first `await`, not only the button's `disabled` attribute: a second
 * tap can be on its way before the page has redrawn, and a form can be submitted by other means (Enter).
 */
export function useSaving() {
  const [saving, setSaving] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  let running = false;
  return {
    saving,
    /** Why the last try did not go through (a refused input or a failed save), or null. */
    error,
    /** For a form's own checks, inside `run`: shows `message`, records nothing. */
    fail(message: string): void {
      setError(message);
    },
    /** Runs `save` unless one is already running (then does nothing); a save that throws is shown as not saved. */
    async run(save: () => Promise<unknown>): Promise<void> {
      if (running) return;
      running = true;
      setSaving(true);
      setError(null);
      try {
        await save();
      } catch (e) {
        setError(notSaved(e));
      } finally {
        running = false;
        setSaving(false);
      }
    },
  };
}

/**
 * The button that starts a save: disabled and marked busy while `saving`, saying so ("Enregistrement…", or its own
 * label kept with a bar moving under it when `savingLabel` is null: a small button in a row must not change width).
 * `disabled` keeps it off for another reason (another button of the same form is saving, photos still loading).
 */
export function SaveButton(props: {
  saving: boolean;
  children: JSX.Element;
  type?: "submit" | "button";
  class?: string;
  disabled?: boolean;
  savingLabel?: string | null;
  /** A name that says more than the visible words ("Réactiver Valérie Thomas" in a list of people). */
  label?: string;
  onClick?: () => void;
}) {
  return (
    <button
      type={props.type ?? "submit"}
      class={props.class ?? "button primary block big"}
      disabled={props.saving || props.disabled}
      aria-busy={props.saving}
      aria-label={props.label}
      onClick={() => props.onClick?.()}
    >
      {props.saving && props.savingLabel !== null ? (props.savingLabel ?? "Enregistrement…") : props.children}
    </button>
  );
}

/**
 * A one-tap action ("Fait", "Suspendre le code") with its own guard, and why it failed under it if it did. It
 * takes taps only a moment after it appears (`arrives`): "Suspendre" saved becomes "Rétablir" under the finger,
 * and the second tap of a double tap must not undo the first.
 */
export function ActionButton(props: { class: string; action: () => Promise<unknown>; children: JSX.Element; label?: string }) {
  const save = useSaving();
  return (
    <>
      <SaveButton type="button" class={`${props.class} arrives`} saving={save.saving()} savingLabel={null} label={props.label} onClick={() => void save.run(props.action)}>
        {props.children}
      </SaveButton>
      <FormError message={save.error()} />
    </>
  );
}

/** A failed save, for the user: the phone's storage full is the likely one; anything else is named as it came. */
function notSaved(e: unknown): string {
  // Dexie wraps the browser's error in `inner`.
  const names = [(e as { name?: string })?.name, (e as { inner?: { name?: string } })?.inner?.name];
  if (names.includes("QuotaExceededError")) {
    return "Non enregistré : la mémoire du téléphone est pleine. Laissez partir ce qui est en attente (réseau), puis réessayez.";
  }
  const issues = (e as { issues?: { message: string }[] })?.issues;
  const reason = issues?.length ? issues.map((i) => i.message).join(", ") : e instanceof Error ? e.message : String(e);
  return `Non enregistré : ${reason}. Réessayez.`;
}

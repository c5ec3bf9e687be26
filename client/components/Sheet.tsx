import { Show, onCleanup, onMount, type JSX } from "solid-js";
import { Portal } from "solid-js/web";

/**
 * A panel that slides up from the bottom, within reach of the thumb: the floor's forms and choices live in
 * these. Closes on the backdrop, the close button or Escape.
 */
export function Sheet(props: { title: string; open: boolean; onClose: () => void; children: JSX.Element }) {
  return (
    <Show when={props.open}>
      <Portal>
        <SheetBody {...props} />
      </Portal>
    </Show>
  );
}

/**
 * A sheet closed by its save button leaves the screen under the user's finger: the second tap of a double tap
 * must not land on whatever was beneath it. For a moment a transparent layer takes taps and does nothing.
 */
function shieldTaps(ms = 400): void {
  const shield = document.createElement("div");
  shield.className = "tap-shield";
  shield.setAttribute("aria-hidden", "true");
  document.body.append(shield);
  setTimeout(() => shield.remove(), ms);
}

function SheetBody(props: { title: string; onClose: () => void; children: JSX.Element }) {
  let panel: HTMLDivElement | undefined;
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") props.onClose();
  };
  onMount(() => {
    document.addEventListener("keydown", onKey);
    panel?.focus();
  });
  onCleanup(() => {
    document.removeEventListener("keydown", onKey);
    shieldTaps();
  });
  return (
    <div class="sheet-backdrop" onClick={(e) => e.target === e.currentTarget && props.onClose()}>
      <div class="sheet" role="dialog" aria-modal="true" aria-label={props.title} tabIndex={-1} ref={panel}>
        <div class="sheet-head">
          <h2>{props.title}</h2>
          <button type="button" class="icon-button dark" aria-label="Fermer" onClick={() => props.onClose()}>
            <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true">
              <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" />
            </svg>
          </button>
        </div>
        {props.children}
      </div>
    </div>
  );
}

import { Show, createSignal, onCleanup, onMount } from "solid-js";
import { reachable } from "../api";

/** A thin bar saying the phone has no connection, so that what is shown is read as "the last known state". */
export function ConnectionBanner() {
  const [online, setOnline] = createSignal(navigator.onLine);
  onMount(() => {
    const update = () => setOnline(navigator.onLine);
    window.addEventListener("online", update);
    window.addEventListener("offline", update);
    onCleanup(() => {
      window.removeEventListener("online", update);
      window.removeEventListener("offline", update);
    });
  });
  return (
    <Show when={!online() || !reachable()}>
      <div class="connection-banner" role="status">
        <strong>Hors connexion</strong> · dernières données connues
      </div>
    </Show>
  );
}

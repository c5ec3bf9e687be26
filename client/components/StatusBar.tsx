import { For, Show, createSignal, onCleanup, onMount } from "solid-js";
import { formatInstantShort, formatTime } from "../format";
import { db, syncNow } from "../store";
import { getMeta } from "../store/db";
import { useLive } from "../store/live";
import { user } from "../session";
import { Sheet } from "./Sheet";

/**
 * Always on screen: how many actions and photos are waiting to reach the server, when the phone last synced, and the
 * actions the server refused, which stay listed until the user has read them.
 */
export function StatusBar() {
  const userId = () => user()?.id ?? "";
  const pending = useLive(userId, (id) => db.outbox.where("userId").equals(id).filter((e) => e.status === "pending").count());
  const rejected = useLive(userId, (id) => db.rejected.where("userId").equals(id).sortBy("seq"));
  const photosQueued = useLive(
    () => null,
    () => db.photos.where("state").equals("queued").count(),
  );
  const lastSync = useLive(
    () => null,
    () => getMeta(db, "lastSyncAt"),
  );
  const problem = useLive(
    () => null,
    () => getMeta(db, "syncProblem"),
  );
  const lastOutcome = useLive(
    () => null,
    () => getMeta(db, "lastOutcome"),
  );
  const [online, setOnline] = createSignal(navigator.onLine);
  const [showRejected, setShowRejected] = createSignal(false);
  onMount(() => {
    const update = () => setOnline(navigator.onLine);
    window.addEventListener("online", update);
    window.addEventListener("offline", update);
    onCleanup(() => {
      window.removeEventListener("online", update);
      window.removeEventListener("offline", update);
    });
  });

  const waiting = () => pending() ?? 0;
  const refused = () => rejected()?.length ?? 0;
  const photos = () => photosQueued() ?? 0;
  const state = () => (!online() || lastOutcome() === "offline" ? "offline" : waiting() + photos() > 0 ? "waiting" : problem() ? "problem" : "synced");

  return (
    <>
      <div class={`status-bar ${state()}`} role="status" aria-live="polite">
        <button type="button" class="status-main" onClick={() => syncNow()} aria-label="Synchroniser maintenant">
          <span class="status-dot" />
          <span class="status-text">
            <Show when={waiting() + photos() > 0} fallback={<>{state() === "offline" ? "Hors connexion · tout est enregistré" : problem() ?? "Tout est envoyé"}</>}>
              {[
                waiting() > 0 ? `${waiting()} action${waiting() > 1 ? "s" : ""} en attente` : "",
                photos() > 0 ? `${photos()} photo${photos() > 1 ? "s" : ""} à envoyer` : "",
              ]
                .filter(Boolean)
                .join(" · ")}
            </Show>
            <Show when={lastSync()}>{(at) => <span class="status-time"> · {sinceLabel(at())}</span>}</Show>
          </span>
        </button>
        <Show when={refused() > 0}>
          <button type="button" class="status-refused" onClick={() => setShowRejected(true)}>
            {refused()} refusée{refused() > 1 ? "s" : ""}
          </button>
        </Show>
      </div>
      <Sheet title="Actions refusées par le serveur" open={showRejected()} onClose={() => setShowRejected(false)}>
        <ul class="plain-list rejected-list">
          <For each={rejected()}>
            {(r) => (
              <li>
                <strong>{r.summary}</strong>
                <span class="muted">{formatInstantShort(r.happenedAt)}</span>
                <span class="flag refused">{r.reason.message}</span>
                <button type="button" class="button secondary small" onClick={() => void db.rejected.delete(r.id)}>
                  J'ai compris
                </button>
              </li>
            )}
          </For>
        </ul>
      </Sheet>
    </>
  );
}

/** "synchro 14:02" today, "synchro 21/11" before. */
function sinceLabel(instant: string): string {
  const sameDay = new Date(instant).toDateString() === new Date().toDateString();
  return `synchro ${sameDay ? formatTime(instant) : formatInstantShort(instant).slice(0, 5)}`;
}

import { For, Show, createSignal, onCleanup, onMount } from "solid-js";
import { formatInstantShort, formatTime } from "../format";
import { dismissPhotoRefusal, dismissRejectedAction, retrySetAsideNow, sendPhotoAgain, syncNow, useSyncStatus } from "../store";
import { syncStateOf } from "../store/status";
import { user } from "../session";
import { counted } from "../../shared/plural";
import { PhotoThumb } from "./Photos";
import { Sheet } from "./Sheet";

/**
 * Always on screen: how many actions and photos are waiting to reach the server, when the phone last synced, what
 * the server refused (actions and photos) and what was set aside after repeated server faults, which stay named
 * until the user has read them. `data-sync-state` is set only once the counts are read (e2e tests wait on it).
 */
export function StatusBar() {
  const status = useSyncStatus(() => user()?.id ?? "");
  const [online, setOnline] = createSignal(navigator.onLine);
  const [showRejected, setShowRejected] = createSignal(false);
  const [showTrouble, setShowTrouble] = createSignal(false);
  onMount(() => {
    const update = () => setOnline(navigator.onLine);
    window.addEventListener("online", update);
    window.addEventListener("offline", update);
    onCleanup(() => {
      window.removeEventListener("online", update);
      window.removeEventListener("offline", update);
    });
  });

  const waiting = () => status()?.pending ?? 0;
  const photos = () => status()?.photosQueued ?? 0;
  const setAside = () => status()?.setAside ?? [];
  const refusedPhotos = () => status()?.refusedPhotos ?? [];
  const rejected = () => status()?.rejected ?? [];
  const state = () => {
    const s = status();
    return s ? syncStateOf(s, online()) : "loading";
  };
  const hasTrouble = () => setAside().length + refusedPhotos().length > 0;
  const counts = () =>
    [
      waiting() > 0 ? counted(waiting(), "action en attente", "actions en attente") : "",
      photos() > 0 ? counted(photos(), "photo à envoyer", "photos à envoyer") : "",
      setAside().length > 0 ? counted(setAside().length, "action mise de côté", "actions mises de côté") : "",
      refusedPhotos().length > 0 ? counted(refusedPhotos().length, "photo refusée", "photos refusées") : "",
    ]
      .filter(Boolean)
      .join(" · ");
  const onMain = () => {
    if (status.error()) status.retry();
    syncNow();
    if (hasTrouble()) setShowTrouble(true);
  };

  return (
    <>
      <div
        class={`status-bar ${state() === "pending" ? "waiting" : state()}`}
        role="status"
        aria-live="polite"
        data-sync-state={state()}
        data-pending={status() ? waiting() : undefined}
        data-photos-queued={status() ? photos() : undefined}
        data-set-aside={status() ? setAside().length : undefined}
        data-photos-refused={status() ? refusedPhotos().length : undefined}
        data-rejected={status() ? rejected().length : undefined}
      >
        {/* Its name starts with the words it shows (WCAG 2.5.3), then says what a tap does. */}
        <button type="button" class="status-main" onClick={onMain}>
          <span class="status-dot" />
          <span class="status-text">
            <Show when={status()} fallback={<>{status.error() ? "Lecture impossible · Réessayer" : "Lecture…"}</>}>
              <Show when={counts()} fallback={<>{state() === "offline" ? "Hors connexion · tout est enregistré" : state() === "first-sync" ? "Première synchronisation…" : (status()?.problem ?? "Tout est envoyé")}</>}>
                {/* Waiting with no network: said in words, not only by the dot's grey. */}
                <Show when={state() === "offline"}>
                  <span class="status-offline">Hors connexion · </span>
                </Show>
                {counts()}
              </Show>
              <Show when={status()?.lastSyncAt}>{(at) => <span class="status-time"> · {sinceLabel(at())}</span>}</Show>
            </Show>
          </span>
          <span class="visually-hidden"> — {hasTrouble() ? "voir ce qui n'est pas parti" : "synchroniser maintenant"}</span>
        </button>
        <Show when={rejected().length > 0}>
          <button type="button" class="status-refused" onClick={() => setShowRejected(true)}>
            {counted(rejected().length, "refusée", "refusées")}
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
                <button type="button" class="button secondary small" onClick={() => void dismissRejectedAction(r.id)}>
                  J'ai compris
                </button>
              </li>
            )}
          </For>
        </ul>
      </Sheet>
      <Sheet title="Pas encore parti" open={showTrouble() && hasTrouble()} onClose={() => setShowTrouble(false)}>
        <Show when={setAside().length > 0}>
          <h3 class="sheet-section">Actions mises de côté</h3>
          <p class="hint">
            Le serveur a échoué plusieurs fois en les enregistrant. Elles restent sur le téléphone et sont renvoyées à chaque ouverture de l'application et
            toutes les heures&#8239;; le bureau est prévenu.
          </p>
          <ul class="plain-list rejected-list" data-set-aside-list>
            <For each={setAside()}>
              {(a) => (
                <li>
                  <strong>{a.summary}</strong>
                  <span class="muted">
                    {a.debtorName ? `${a.debtorName} · ` : ""}
                    {formatInstantShort(a.happenedAt)}
                  </span>
                  <span class="flag refused">
                    Erreur du serveur, {a.faults} fois{a.lastError ? ` (${a.lastError})` : ""}
                  </span>
                </li>
              )}
            </For>
          </ul>
          <button type="button" class="button secondary block" onClick={() => retrySetAsideNow()}>
            Réessayer maintenant
          </button>
        </Show>
        <Show when={refusedPhotos().length > 0}>
          <h3 class="sheet-section">Photos refusées par le serveur</h3>
          <ul class="plain-list rejected-list" data-refused-photos>
            <For each={refusedPhotos()}>
              {(p) => (
                <li class="refused-photo">
                  <PhotoThumb sha256={p.sha256} />
                  <div>
                    <strong>{p.action ?? "Photo"}</strong>
                    <span class="muted">
                      {p.debtorName ? `${p.debtorName} · ` : ""}prise le {formatInstantShort(p.takenAt)}
                    </span>
                    <span class="flag refused">{p.reason}</span>
                    <div class="history-actions">
                      <button type="button" class="button secondary small" onClick={() => void sendPhotoAgain(p.sha256)}>
                        Renvoyer
                      </button>
                      <button type="button" class="button secondary small" onClick={() => void dismissPhotoRefusal(p.sha256)}>
                        J'ai compris
                      </button>
                    </div>
                  </div>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </Sheet>
    </>
  );
}

/** "synchro 14:02" today, "synchro 21/11" before. */
function sinceLabel(instant: string): string {
  const sameDay = new Date(instant).toDateString() === new Date().toDateString();
  return `synchro ${sameDay ? formatTime(instant) : formatInstantShort(instant).slice(0, 5)}`;
}

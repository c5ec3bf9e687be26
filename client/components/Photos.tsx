import { For, Show, createResource, createSignal, onCleanup } from "solid-js";
import type { PhotoRow } from "../store/db";
import { discardPhotoDraft, keepPhotoDraft, photoBytes, useDraftPhotos, usePhoto, usePhotoStates } from "../store/queries";
import { Sheet } from "./Sheet";
import { FormError } from "./FormError";

/**
 * Photos on the floor's screens: taking them (camera, several per action), showing them from the phone's own
 * copy (no network needed), and where each stands on its way to the server.
 */

type Role = PhotoRow["role"];

/** The photos taken so far in a form, as they are stored (they survive the app being closed mid-form). */
export function useDrafts(draftKey: () => string) {
  return useDraftPhotos(draftKey);
}

/**
 * The camera button and the photos taken with it. Each photo is made upright, reduced and hashed on the phone,
 * then stored at once: a photo taken is never lost, even if the form is not finished.
 */
export function PhotoPicker(props: { draftKey: string; role?: Role; label: string; photos: PhotoRow[]; hint?: string }) {
  const [busy, setBusy] = createSignal(0);
  const [error, setError] = createSignal<string | null>(null);
  const take = async (input: HTMLInputElement) => {
    const files = [...(input.files ?? [])];
    input.value = "";
    setError(null);
    setBusy((n) => n + files.length);
    const { preparePhoto, PhotoError } = await import("../photos/prepare");
    for (const file of files) {
      try {
        const started = performance.now();
        const photo = await preparePhoto(file);
        await keepPhotoDraft(photo, props.draftKey, props.role ?? null);
        // For the photo benchmark: from the file chosen to the photo stored on the phone.
        performance.measure("cadenas:photo-kept", { start: started });
      } catch (e) {
        setError(
          e instanceof PhotoError
            ? e.message
            : (e as Error)?.name === "QuotaExceededError" || (e as { inner?: Error })?.inner?.name === "QuotaExceededError"
              ? "Mémoire du téléphone pleine : photo non gardée. Laissez les photos en attente partir (réseau), puis reprenez-la."
              : `Photo « ${file.name} » non gardée : ${e instanceof Error ? e.message : String(e)}`,
        );
      } finally {
        setBusy((n) => n - 1);
      }
    }
  };
  const remove = async (sha: string) => {
    await discardPhotoDraft(sha);
  };
  return (
    <div class="photo-picker">
      <div class="photo-grid">
        <For each={props.photos}>
          {(p) => (
            <div class="photo-cell">
              <PhotoThumb sha256={p.sha256} />
              <button type="button" class="photo-remove" aria-label="Retirer cette photo" onClick={() => void remove(p.sha256)}>
                ×
              </button>
            </div>
          )}
        </For>
        <Show when={busy() > 0}>
          <div class="photo-cell busy" aria-live="polite">
            Préparation…
          </div>
        </Show>
        <label class="photo-take">
          <input type="file" accept="image/*" capture="environment" multiple onChange={(e) => void take(e.currentTarget)} />
          <CameraIcon />
          <span>{props.label}</span>
        </label>
      </div>
      <Show when={props.hint}>
        <p class="hint">{props.hint}</p>
      </Show>
      <FormError message={error()} />
    </div>
  );
}

/**
 * How many of these photos have not reached the server yet: this phone's own by their upload state, the others'
 * by what the server said in the debtor's last copy (`missing`).
 */
export function usePendingCount(shas: () => readonly string[], missing: () => readonly string[]) {
  const states = usePhotoStates(shas, (all) => all);
  return () => {
    const known = states();
    if (!known) return undefined;
    const notOnServer = missing();
    return known.shas.filter((sha, i) => {
      const row = known.rows[i];
      return row ? row.state !== "sent" : notOnServer.includes(sha);
    }).length;
  };
}

/** A row of photos named by their SHA-256 (a history line, an opening), each with where it stands. */
export function PhotoStrip(props: { photos: readonly string[]; serverMissing?: readonly string[] }) {
  return (
    <div class="photo-strip">
      <For each={props.photos}>{(sha) => <PhotoThumb sha256={sha} withState missingOnServer={props.serverMissing?.includes(sha)} />}</For>
    </div>
  );
}

/**
 * One photo: from the phone's copy when it has one, else from the server. `withState` adds where it stands
 * ("en attente", the share sent, "reçue", or why the server refused it).
 */
export function PhotoThumb(props: { sha256: string; withState?: boolean; missingOnServer?: boolean }) {
  const row = usePhoto(() => props.sha256);
  let objectUrl: string | undefined;
  const [src] = createResource(
    () => props.sha256,
    async (sha) => {
      const blob = await photoBytes(sha);
      if (objectUrl) URL.revokeObjectURL(objectUrl);
      objectUrl = blob ? URL.createObjectURL(new Blob([blob.bytes], { type: blob.mime })) : undefined;
      return objectUrl ?? `/api/blobs/${sha}`;
    },
  );
  onCleanup(() => objectUrl && URL.revokeObjectURL(objectUrl));
  const [broken, setBroken] = createSignal(false);
  const [zoomed, setZoomed] = createSignal(false);
  const state = () => {
    const r = row();
    if (r) return r.state;
    return props.missingOnServer ? "elsewhere" : "sent";
  };
  return (
    <figure class={`photo-thumb ${props.withState ? state() : ""}`} data-sha256={props.sha256}>
      <Show when={src() && !broken()} fallback={<div class="photo-placeholder">Photo</div>}>
        <button type="button" class="photo-open" aria-label="Voir la photo en grand" onClick={() => setZoomed(true)}>
          <img src={src()} alt="" loading="lazy" decoding="async" onError={() => setBroken(true)} />
        </button>
      </Show>
      <Sheet title="Photo" open={zoomed()} onClose={() => setZoomed(false)}>
        <img class="photo-full" src={src()} alt="Photo en grand" />
        <p class="photo-hash">SHA-256&#8239;: {props.sha256}</p>
      </Sheet>
      <Show when={props.withState}>
        <figcaption>
          <PhotoState row={row()} missingOnServer={props.missingOnServer} />
        </figcaption>
      </Show>
    </figure>
  );
}

function PhotoState(props: { row: PhotoRow | undefined; missingOnServer?: boolean }) {
  const r = () => props.row;
  return (
    <Show
      when={r()}
      fallback={<span>{props.missingOnServer ? "Envoi depuis un autre téléphone" : "Reçue"}</span>}
    >
      {(p) => (
        <>
          <Show when={p().state === "sent"}>
            <span>Reçue ✓</span>
          </Show>
          <Show when={p().state === "queued" || p().state === "draft"}>
            <span>{p().sent > 0 ? `Envoi ${Math.floor((100 * p().sent) / p().size)} %` : "En attente"}</span>
            <progress max={p().size} value={p().sent} aria-label="Envoi de la photo" />
          </Show>
          <Show when={p().state === "refused"}>
            <span class="refused" title={p().error ?? ""}>
              Refusée&#8239;: {p().error}
            </span>
          </Show>
        </>
      )}
    </Show>
  );
}

function CameraIcon() {
  return (
    <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true">
      <path
        d="M4 8h3l2-3h6l2 3h3a1 1 0 0 1 1 1v9a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V9a1 1 0 0 1 1-1z"
        fill="none"
        stroke="currentColor"
        stroke-width="2"
        stroke-linejoin="round"
      />
      <circle cx="12" cy="13" r="3.5" fill="none" stroke="currentColor" stroke-width="2" />
    </svg>
  );
}

import { useQuery } from "@tanstack/solid-query";
import { For, Show, createSignal } from "solid-js";
import type { SavedViewSaved, SavedViewsResponse } from "../../../shared/schemas/office-actions";
import { ApiError, apiDelete, apiGet, apiPost } from "../../api";
import { queryClient } from "../../query";

/**
 * The user's own saved views of the follow-up table: the current view saved under a name (the same name replaces
 * it, and says so), the list opening each (the address becomes the view), and deleting one.
 */
export function SavedViews(props: { query: string; onOpen: (query: string) => void }) {
  const views = useQuery(() => ({ queryKey: ["followup-views"], queryFn: () => apiGet<SavedViewsResponse>("/followup/views") }));
  const [naming, setNaming] = createSignal(false);
  const [message, setMessage] = createSignal<string | null>(null);
  const [working, setWorking] = createSignal(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["followup-views"] });

  const save = async (e: SubmitEvent) => {
    e.preventDefault();
    const name = String(new FormData(e.currentTarget as HTMLFormElement).get("name") ?? "").trim();
    if (!name) return setMessage("Donnez un nom à la vue.");
    setWorking(true);
    try {
      const saved = await apiPost<SavedViewSaved>("/followup/views", { name, query: props.query });
      setMessage(saved.replaced ? `Vue « ${name} » remplacée.` : `Vue « ${name} » enregistrée.`);
      setNaming(false);
      await refresh();
    } catch (error) {
      setMessage(error instanceof ApiError ? error.message : "La vue n'a pas pu être enregistrée.");
    } finally {
      setWorking(false);
    }
  };
  const remove = async (id: string, name: string) => {
    try {
      await apiDelete(`/followup/views/${id}`);
      setMessage(`Vue « ${name} » supprimée.`);
      await refresh();
    } catch (error) {
      setMessage(error instanceof ApiError ? error.message : "La vue n'a pas pu être supprimée.");
    }
  };

  return (
    <div class="fu-views" data-saved-views={views.data?.views.length ?? ""}>
      <Show when={(views.data?.views.length ?? 0) > 0}>
        <ul class="fu-view-list" aria-label="Mes vues">
          <For each={views.data?.views}>
            {(v) => (
              <li class="fu-view">
                <button type="button" class="chip" data-view-name={v.name} onClick={() => props.onOpen(v.query)} title={v.query || "tout le suivi"}>
                  {v.name}
                </button>
                <button type="button" class="fu-view-delete" aria-label={`Supprimer la vue ${v.name}`} onClick={() => void remove(v.id, v.name)}>
                  ×
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Show
        when={naming()}
        fallback={
          <button type="button" class="button secondary" onClick={() => { setMessage(null); setNaming(true); }}>
            Enregistrer cette vue
          </button>
        }
      >
        <form class="fu-view-form" onSubmit={save}>
          <input name="name" maxLength={80} placeholder="Nom de la vue" aria-label="Nom de la vue" autofocus />
          <button type="submit" class="button primary" disabled={working()}>
            Enregistrer
          </button>
          <button type="button" class="button secondary" onClick={() => setNaming(false)}>
            Annuler
          </button>
        </form>
      </Show>
      <Show when={message()}>
        <span class="fu-view-message" role="status">
          {message()}
        </span>
      </Show>
    </div>
  );
}

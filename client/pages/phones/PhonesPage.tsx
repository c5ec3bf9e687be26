import { useQuery } from "@tanstack/solid-query";
import { For, Match, Show, Switch } from "solid-js";
import type { SetAsideList } from "../../../shared/schemas/mutations";
import { apiGet } from "../../api";
import { AppBar } from "../../components/AppBar";
import { QueryState } from "../../components/QueryState";
import { formatInstantShort } from "../../format";
import { withQueries } from "../../query";

/**
 * The actions a phone set aside after the server failed on them again and again: who, which action, since when
 * and why, and whether a later try went through. The phone keeps them and tries again every hour and at each
 * start; this is where the office learns that one is stuck (and tells us).
 */
export const PhonesPage = withQueries(Phones);

function Phones() {
  const list = useQuery(() => ({ queryKey: ["set-aside"], queryFn: () => apiGet<SetAsideList>("/sync/set-aside"), refetchInterval: 60_000 }));
  const stuck = () => (list.data?.items ?? []).filter((i) => !i.processed);
  return (
    <>
      <AppBar title="Actions en échec" subtitle={list.data ? `${stuck().length} en attente sur les téléphones` : undefined} back="/" />
      <main class="page set-aside-page with-status-bar">
        <QueryState query={list} failed="La liste n'a pas pu être chargée.">
          <Switch>
            <Match when={list.data?.items.length === 0}>
              <div class="empty">
                <p>Aucune action en échec&#8239;: tout ce que les téléphones ont envoyé a été enregistré.</p>
              </div>
            </Match>
            <Match when={list.data}>
              <p class="muted">
                Le serveur a échoué plusieurs fois sur ces actions. Le téléphone les garde et les renvoie toutes les heures et à chaque ouverture de
                l'application.
              </p>
              <ul class="plain-list set-aside-list">
                <For each={list.data!.items}>
                  {(i) => (
                    <li class="card" data-processed={i.processed ? i.processed.outcome : "no"}>
                      <strong>{i.summary ?? i.kind}</strong>
                      <span class="muted">
                        {i.userName} · action n° {i.seq} · {i.faults} échec{i.faults > 1 ? "s" : ""} · signalée le {formatInstantShort(i.firstReportedAt)}
                      </span>
                      <Show when={i.lastError}>{(e) => <span class="muted">Dernière erreur&#8239;: {e()}</span>}</Show>
                      <Show when={(i.pendingOnPhone ?? 0) > 0 && !i.processed}>
                        <span class="muted">
                          {/* The phone's last count is of everything it has not sent, set-aside actions included. */}
                          {i.pendingOnPhone} action{i.pendingOnPhone! > 1 ? "s" : ""} non envoyée{i.pendingOnPhone! > 1 ? "s" : ""} sur ce téléphone, celle-ci comprise
                        </span>
                      </Show>
                      <Switch fallback={<span class="flag refused">Toujours en échec</span>}>
                        <Match when={i.processed?.outcome === "applied"}>
                          <span class="flag ok">Enregistrée le {formatInstantShort(i.processed!.at)}</span>
                        </Match>
                        <Match when={i.processed?.outcome === "rejected"}>
                          <span class="flag refused">Refusée le {formatInstantShort(i.processed!.at)}</span>
                        </Match>
                      </Switch>
                    </li>
                  )}
                </For>
              </ul>
            </Match>
          </Switch>
        </QueryState>
      </main>
    </>
  );
}

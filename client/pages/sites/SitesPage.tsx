import { useQuery } from "@tanstack/solid-query";
import { For, Match, Show, Switch, createSignal } from "solid-js";
import type { SiteItem, SitesResponse } from "../../../shared/schemas/sites";
import { apiGet } from "../../api";
import { AppBar } from "../../components/AppBar";
import { QueryState } from "../../components/QueryState";
import { queryClient, withQueries } from "../../query";
import { refreshSession } from "../../session";
import { SiteForm } from "./SiteForm";

/**
 * The sites as the office sets them up: identity, address, how their messages go out, the letters' letterhead,
 * their calendar, the gate's hours and who works there. A Manager sees their own sites, read-only. Boxes keep
 * coming from the billing software's files.
 */
export const SitesPage = withQueries(Sites);

function Sites() {
  const list = useQuery(() => ({ queryKey: ["sites"], queryFn: () => apiGet<SitesResponse>("/sites") }));
  /** The site open in the form: one of the list, "new", or none (the list). */
  const [open, setOpen] = createSignal<string | "new" | null>(null);
  const opened = () => list.data?.sites.find((s) => s.id === open()) ?? null;
  const saved = (site: SiteItem) => {
    queryClient.setQueryData<SitesResponse>(["sites"], (old) =>
      old ? { ...old, sites: (old.sites.some((s) => s.id === site.id) ? old.sites.map((s) => (s.id === site.id ? site : s)) : [...old.sites, site]).sort((a, b) => a.code.localeCompare(b.code)) } : old,
    );
    setOpen(site.id);
    // The phone's header and the user menu show the sites' names and hours from the session.
    void refreshSession();
  };
  return (
    <>
      <AppBar title="Sites" subtitle={list.data ? `${list.data.sites.length} site${list.data.sites.length > 1 ? "s" : ""}${list.data.editable ? "" : " · lecture seule"}` : undefined} back="/" />
      <main class="page sites-page with-status-bar" data-sites-state={list.isSuccess ? "ready" : "loading"}>
        <QueryState query={list} failed="Les sites n'ont pas pu être chargés.">
          <Switch>
            <Match when={open() !== null && list.data}>
              <button type="button" class="button secondary back-to-list" onClick={() => setOpen(null)}>
                ← Tous les sites
              </button>
              <SiteForm site={opened()} defaultTimeZone={list.data!.defaultTimeZone} editable={list.data!.editable} onSaved={saved} />
            </Match>
            <Match when={list.data}>
              <Show when={list.data!.editable}>
                <button type="button" class="button primary" onClick={() => setOpen("new")}>
                  Nouveau site
                </button>
              </Show>
              <Show when={list.data!.sites.length === 0}>
                <div class="empty">
                  <p>Aucun site pour l'instant.</p>
                </div>
              </Show>
              <ul class="plain-list site-list">
                <For each={list.data!.sites}>
                  {(s) => (
                    <li>
                      <button type="button" class="card site-row" data-site={s.code} onClick={() => setOpen(s.id)}>
                        <strong>
                          {s.code} · {s.name}
                        </strong>
                        <span class="muted">{[s.address, [s.postalCode, s.city].filter(Boolean).join(" ")].filter(Boolean).join(", ") || "Adresse à renseigner"}</span>
                        <span class="muted">
                          {s.boxes} box · {s.users.length} personne{s.users.length > 1 ? "s" : ""}
                          {s.legalName ? ` · ${s.legalName}` : " · mentions légales à renseigner"}
                        </span>
                      </button>
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

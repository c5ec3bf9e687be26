import { A } from "@solidjs/router";
import { useQuery } from "@tanstack/solid-query";
import { For, Match, Show, Switch, createMemo, createSignal } from "solid-js";
import type { DebtorSummary, TodayResponse } from "../../../shared/schemas/debtors";
import { apiGet } from "../../api";
import { AppBar } from "../../components/AppBar";
import { DaysLateBadge, LevelBadge, PadlockIcon, StageLabel } from "../../components/Badges";
import { UserMenu } from "../../components/UserMenu";
import { formatEuros, formatInstantShort, formatLongDay } from "../../format";
import { user } from "../../session";
import { Spinner } from "../../components/Spinner";

export function TodayPage() {
  const today = useQuery(() => ({ queryKey: ["today"], queryFn: () => apiGet<TodayResponse>("/today") }));
  const [search, setSearch] = createSignal("");

  const shown = createMemo(() => {
    const debtors = today.data?.debtors ?? [];
    const words = normalize(search()).split(/\s+/).filter(Boolean);
    if (words.length === 0) return debtors;
    return debtors.filter((d) => {
      const haystack = normalize([d.name, d.ref, ...d.units.map((u) => u.number)].join(" "));
      return words.every((w) => haystack.includes(w));
    });
  });

  const subtitle = () => {
    const sites = user()?.sites ?? [];
    const where = sites.length === 1 ? sites[0]!.name.replace(/^Cadenas Self-Stockage /, "") : `${sites.length} sites`;
    return today.data ? `${formatLongDay(today.data.asOf)} · ${where}` : where;
  };

  return (
    <>
      <AppBar title="Aujourd'hui" subtitle={subtitle()}>
        <Show when={user()}>{(u) => <UserMenu user={u()} />}</Show>
      </AppBar>
      <main class="page">
        <Show when={today.data}>
          {(data) => (
            <p class="summary">
              <strong>{data().totals.debtors}</strong> débiteurs · <strong>{formatEuros(data().totals.balanceCents)}</strong> dus
            </p>
          )}
        </Show>
        <label class="search">
          <span class="visually-hidden">Rechercher</span>
          <input type="search" placeholder="Nom, référence ou n° de box" value={search()} onInput={(e) => setSearch(e.currentTarget.value)} />
        </label>
        <Switch>
          <Match when={today.isPending}>
            <Spinner />
          </Match>
          <Match when={today.isError && !today.data}>
            <div class="empty">
              <p>La liste n'a pas pu être chargée{today.error?.message ? ` : ${today.error.message}` : "."}</p>
              <button type="button" class="button primary" onClick={() => void today.refetch()}>
                Réessayer
              </button>
            </div>
          </Match>
          <Match when={shown().length === 0}>
            <p class="empty">{search() ? "Aucun débiteur ne correspond à cette recherche." : "Aucun impayé sur vos sites. Bonne journée !"}</p>
          </Match>
          <Match when={true}>
            <ul class="debtor-list" aria-label="Débiteurs">
              <For each={shown()}>{(debtor) => <DebtorRow debtor={debtor} />}</For>
            </ul>
          </Match>
        </Switch>
      </main>
    </>
  );
}

function DebtorRow(props: { debtor: DebtorSummary }) {
  const d = () => props.debtor;
  const severity = () => (d().daysLate >= 60 ? "critical" : d().daysLate >= 45 ? "danger" : d().daysLate >= 14 ? "warning" : "info");
  return (
    <li>
      <A href={`/debiteurs/${d().customerId}`} class={`debtor-row ${severity()}`}>
        <div class="row-line">
          <span class="debtor-name">{d().name}</span>
          <span class="amount">{formatEuros(d().balanceCents)}</span>
        </div>
        <div class="row-line meta">
          <span class="units">
            <For each={d().units}>
              {(u) => (
                <span class="unit-chip">
                  {u.number}
                  <Show when={u.padlock === "second_padlock"}>
                    <PadlockIcon />
                  </Show>
                </span>
              )}
            </For>
          </span>
          <span class="badges">
            <Show when={d().stop}>
              <span class="badge stop">STOP</span>
            </Show>
            <LevelBadge level={d().level} />
            <DaysLateBadge days={d().daysLate} />
          </span>
        </div>
        <div class="row-line detail">
          <StageLabel stage={d().stage} />
          <Show when={d().openTasks > 0}>
            <span class="tasks-count">
              {d().openTasks} tâche{d().openTasks > 1 ? "s" : ""}
            </span>
          </Show>
        </div>
        <Show when={d().lastAction}>
          {(a) => (
            <p class="last-action">
              {a().initials} · {formatInstantShort(a().happenedAt)} · {a().text}
            </p>
          )}
        </Show>
      </A>
    </li>
  );
}

function normalize(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
}

import { For, Match, Show, Switch, createMemo, createSignal, onCleanup } from "solid-js";
import { todayIn } from "../../../shared/dates";
import type { DueItem } from "../../../shared/floor/due";
import { AppBar } from "../../components/AppBar";
import { DaysLateBadge, LevelBadge, PadlockIcon, StageLabel } from "../../components/Badges";
import { Spinner } from "../../components/Spinner";
import { LiveWait } from "../../components/LiveWait";
import { UserMenu } from "../../components/UserMenu";
import { formatDateFr, formatEuros, formatInstantShort, formatLongDay } from "../../format";
import { TASK_LABEL } from "../../labels";
import { settings, user } from "../../session";
import { useTodayReads } from "../../store/first-screen";
import { lineOf, normalize, type Line } from "./lines";
import { createWindow } from "./windowed";

type Filter = "todo" | "all";
type Order = "priority" | "walk";

const ORDERS: Record<Order, (a: Line, b: Line) => number> = {
  priority: (a, b) => b.score - a.score,
  walk: (a, b) => (a.walk < b.walk ? -1 : a.walk > b.walk ? 1 : 0),
};

/**
 * A list of thousands is windowed (windowed.ts): only the rows near the screen are drawn, so a scroll or a toggle
 * stays within a frame on a mid-range phone. A row is about 108 px high, 10 px apart (styles.css, .debtor-list).
 */
const WINDOW = { estimate: 108, gap: 10, overscan: 600, drawAllUpTo: 30 };

export function TodayPage() {
  // The site's day, looked at every minute: left open overnight, the list becomes the new day's (every line computed
  // again); until then, a debtor's line is computed once per write of their row, as the store reads it
  // (store/list-rows.ts, store/stamp.ts).
  const [now, setNow] = createSignal(new Date());
  const minutely = setInterval(() => setNow(new Date()), 60_000);
  onCleanup(() => clearInterval(minutely));
  const today = createMemo(() => todayIn(settings().timeZone, now()));
  const { rows, lastSyncAt: everSynced } = useTodayReads(today, lineOf);
  const [filter, setFilter] = createSignal<Filter>("todo");
  const [order, setOrder] = createSignal<Order>("priority");
  const [search, setSearch] = createSignal("");

  const lines = (): Line[] => rows() ?? [];
  const todo = createMemo(() => lines().filter((l) => l.due.length > 0));
  // Each order sorted once per change of the debtors, when first asked for: a toggle or a search only filters
  // (a stable sort then a filter keeps the same order as a filter then a sort).
  const sortedBy = createMemo(() => (lines(), new Map<Order, Line[]>()));
  const sorted = (o: Order) => {
    const cache = sortedBy();
    let list = cache.get(o);
    if (!list) cache.set(o, (list = [...lines()].sort(ORDERS[o])));
    return list;
  };
  const visible = createMemo(() => {
    const words = normalize(search()).split(/\s+/).filter(Boolean);
    const all = sorted(order());
    // A search looks at everyone followed, not only today's list.
    if (words.length > 0) return all.filter((l) => words.every((w) => l.haystack.includes(w)));
    return filter() === "all" ? all : all.filter((l) => l.due.length > 0);
  });
  const win = createWindow(visible, (l) => l.id, WINDOW);
  const owed = createMemo(() => lines().reduce((sum, l) => sum + Math.max(0, l.doc.balanceCents), 0));

  const subtitle = () => {
    const sites = user()?.sites ?? [];
    const where = sites.length === 1 ? sites[0]!.name.replace(/^Cadenas Self-Stockage /, "") : `${sites.length} sites`;
    return `${formatLongDay(today())} · ${where}`;
  };

  return (
    <>
      <AppBar title="Aujourd'hui" subtitle={subtitle()}>
        <Show when={user()}>{(u) => <UserMenu user={u()} />}</Show>
      </AppBar>
      <main class="page with-status-bar">
        <Show when={!rows.error()}>
          <p class="summary">
            <strong>{todo().length}</strong> à traiter · <strong>{lines().length}</strong> suivis · <strong>{formatEuros(owed())}</strong> dus
          </p>
        </Show>
        <div class="toolbar" role="group" aria-label="Affichage">
          <div class="segmented">
            <button type="button" aria-pressed={filter() === "todo"} onClick={() => setFilter("todo")}>
              À faire ({todo().length})
            </button>
            <button type="button" aria-pressed={filter() === "all"} onClick={() => setFilter("all")}>
              Tous ({lines().length})
            </button>
          </div>
          <div class="segmented">
            <button type="button" aria-pressed={order() === "priority"} onClick={() => setOrder("priority")}>
              Priorité
            </button>
            <button type="button" aria-pressed={order() === "walk"} onClick={() => setOrder("walk")}>
              Tournée
            </button>
          </div>
        </div>
        <label class="search">
          <span class="visually-hidden">Rechercher</span>
          <input type="search" placeholder="Nom, référence ou n° de box" value={search()} onInput={(e) => setSearch(e.currentTarget.value)} />
        </label>
        <Switch>
          <Match when={rows.error()}>
            <LiveWait live={rows} />
          </Match>
          <Match when={rows() === undefined || (rows()!.length === 0 && everSynced() === undefined)}>
            <div class="empty">
              <Spinner />
              <p>Première synchronisation… Les débiteurs de vos sites restent ensuite disponibles sans réseau.</p>
            </div>
          </Match>
          <Match when={visible().length === 0}>
            <p class="empty">
              {search() ? "Aucun débiteur ne correspond à cette recherche." : filter() === "todo" ? "Rien à faire aujourd'hui sur vos sites." : "Aucun impayé sur vos sites."}
            </p>
          </Match>
          <Match when={true}>
            <ul
              ref={win.list}
              class="debtor-list"
              aria-label="Débiteurs"
              style={{ "padding-top": `${win.range().before}px`, "padding-bottom": `${win.range().after}px` }}
            >
              {/* A debtor whose row did not change keeps its line object (store/stamp.ts): it is not drawn again. */}
              <For each={win.rows()}>
                {(line, i) => (
                  <li ref={(el) => win.row(el, line)} aria-setsize={visible().length} aria-posinset={win.range().start + i() + 1}>
                    <DebtorRow line={line} walking={order() === "walk"} />
                  </li>
                )}
              </For>
            </ul>
          </Match>
        </Switch>
      </main>
    </>
  );
}

/** A row's content (its `li` is the list's, which measures it). */
function DebtorRow(props: { line: Line; walking: boolean }) {
  const d = () => props.line.doc;
  const late = () => props.line.late;
  const severity = () => {
    const l = late() ?? 0;
    return l >= 60 ? "critical" : l >= 45 ? "danger" : l >= 14 ? "warning" : "info";
  };
  const last = () => d().history[0];
  // A plain link (the router follows it): the router's <A> costs a few reactive computations a row.
  return (
    <a href={`/debiteurs/${d().customerId}`} class={`debtor-row ${severity()}`}>
      <div class="row-line">
        <span class="debtor-name">{d().name}</span>
        <span class="amount">{formatEuros(d().balanceCents)}</span>
      </div>
      <div class="row-line meta">
        <span class="units">
          <For each={d().units}>
            {(u) => (
              <span class="unit-chip">
                <Show when={props.walking}>
                  <span class="aisle">
                    {u.building}
                    {u.aisle}·
                  </span>
                </Show>
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
          <Show when={d().dispute}>
            <span class="badge stop">LITIGE</span>
          </Show>
          <Show when={d().case}>{(k) => <LevelBadge level={k().level} />}</Show>
          <Show when={late() !== null} fallback={<span class="badge ok">Payé</span>}>
            <DaysLateBadge days={late()!} />
          </Show>
        </span>
      </div>
      <Show when={props.line.due.length > 0} fallback={<StageLabel stage={d().case?.stage ?? null} />}>
        <ul class="due-list" aria-label="À faire">
          <For each={props.line.due}>{(item) => <li class="due-chip">{dueLabel(item)}</li>}</For>
        </ul>
      </Show>
      <Show when={last()}>
        {(a) => (
          <p class="last-action">
            <Show when={a().pending}>
              <span class="pending-dot" title="En attente d'envoi" />
            </Show>
            {a().initials} · {formatInstantShort(a().happenedAt)} · {a().text}
          </p>
        )}
      </Show>
    </a>
  );
}

function dueLabel(item: DueItem): string {
  if (item.type === "promise") return `Promesse du ${formatDateFr(item.promisedOn).slice(0, 5)} à vérifier (${formatEuros(item.amountCents)})`;
  const what = item.task.kind === "office_request" && item.task.note ? `Bureau : ${item.task.note}` : TASK_LABEL[item.task.kind];
  return item.task.unitId && item.unit ? `${what} · ${item.unit.number}` : what;
}

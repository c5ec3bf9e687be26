import { A, useLocation, useNavigate, useSearchParams } from "@solidjs/router";
import { useQuery } from "@tanstack/solid-query";
import { For, Show, batch, createEffect, createMemo, createSignal, on, onCleanup, onMount, type JSX } from "solid-js";
import { CUSTOMER_KINDS, LEVELS, SEGMENTS } from "../../../shared/enums";
import { LATE_BUCKETS, PROMISE_STATES, type FollowUpResponse, type FollowUpRow, type FollowUpSort } from "../../../shared/schemas/follow-up";
import type { SitesResponse } from "../../../shared/schemas/sites";
import { ApiError, apiGet } from "../../api";
import { AppBar } from "../../components/AppBar";
import { daysLateLabel, formatDateFr, formatEuros, formatInstantShort, plural } from "../../format";
import { CUSTOMER_KIND_LABEL, LATE_BUCKET_LABEL, LEVEL_LABEL, PROMISE_STATE_LABEL, SEGMENT_LABEL, STAGE_LABEL } from "../../labels";
import { queryClient, withQueries } from "../../query";
import { user } from "../../session";
import { activeFilters, apiQueryOf, nextSort, pagesFor, paramsOf, viewOf, windowOf, type FollowUpView } from "./view";
import { BulkBar, type Selection } from "./Bulk";
import { SavedViews } from "./SavedViews";
import "./follow-up.css";

/**
 * *Suivi des impayés*: every customer who owes money or has an open case across the user's sites, filtered, searched
 * and sorted by the server a page at a time. The table is windowed — only the rows in sight (and a few either side)
 * are in the DOM, at a fixed height — so a hundred thousand rows scroll as smoothly as ten. The view lives in the
 * address; the scroll position is kept for the way back from a debtor's page.
 */
export const FollowUpPage = withQueries(FollowUp);

const ROW_HEIGHT = 56;
const PAGE_SIZE = 100;
const OVERSCAN = 8;
const SEARCH_DELAY_MS = 300;
const SCROLL_KEY = "cadenas.follow-up.scroll";

/** The columns a header click sorts by, in the order they are shown. */
const COLUMNS: { label: string; sort?: FollowUpSort; class?: string }[] = [
  { label: "Client", sort: "name", class: "fu-name" },
  { label: "Réf.", sort: "ref", class: "fu-ref" },
  { label: "Site · box", sort: "site", class: "fu-site" },
  { label: "Solde", sort: "balance", class: "fu-amount" },
  { label: "Impayé depuis", sort: "oldestDue", class: "fu-date" },
  { label: "Retard", sort: "daysLate", class: "fu-late" },
  { label: "Niveau · étape", sort: "level", class: "fu-level" },
  { label: "Prochaine étape", sort: "nextStepOn", class: "fu-next" },
  { label: "Promesse", class: "fu-promise" },
  { label: "Signaux", class: "fu-flags" },
  { label: "Dernière action", sort: "lastActionAt", class: "fu-last" },
];

function FollowUp() {
  const [params, setParams] = useSearchParams();
  const location = useLocation();
  const view = createMemo(() => viewOf(params));
  const key = createMemo(() => apiQueryOf(view()));
  const change = (patch: Partial<FollowUpView>) => setParams(paramsOf(patch));
  const navigate = useNavigate();

  // The selection for the bulk actions: ticked rows, or every row of the view; a new view starts with none.
  const [ticked, setTicked] = createSignal<ReadonlySet<string>>(new Set());
  const [wholeView, setWholeView] = createSignal(false);
  const clearSelection = () => batch(() => { setTicked(new Set<string>()); setWholeView(false); });
  const toggle = (id: string) => {
    setWholeView(false);
    setTicked((s) => { const n = new Set(s); if (n.has(id)) n.delete(id); else n.add(id); return n; });
  };
  const selection = (): Selection => (wholeView() ? { view: key(), count: total() ?? 0 } : { ids: [...ticked()] });
  const selectedCount = () => (wholeView() ? (total() ?? 0) : ticked().size);

  // The pages of the current view, by page number; a new view starts empty (its pages may still be in the cache).
  const [pages, setPages] = createSignal(new Map<number, FollowUpResponse>());
  const [failure, setFailure] = createSignal<string | null>(null);
  const asked = new Set<string>();
  const [scrollTop, setScrollTop] = createSignal(0);
  const [height, setHeight] = createSignal(800);
  let scroller: HTMLDivElement | undefined;

  const head = () => pages().get(0) ?? pages().values().next().value;
  const total = () => head()?.total;
  const range = createMemo(() => windowOf(scrollTop(), height(), ROW_HEIGHT, total() ?? 0, OVERSCAN));
  const indices = createMemo(() => Array.from({ length: range().last - range().first }, (_, i) => range().first + i));
  const rowAt = (index: number): FollowUpRow | undefined => pages().get(Math.floor(index / PAGE_SIZE))?.rows[index % PAGE_SIZE];
  const state = () => (failure() ? "error" : total() === undefined ? "loading" : "ready");

  const load = (forKey: string, page: number) => {
    const id = `${forKey}#${page}`;
    if (asked.has(id)) return;
    asked.add(id);
    queryClient
      .fetchQuery({
        queryKey: ["follow-up", forKey, page],
        queryFn: () => apiGet<FollowUpResponse>(`/followup?${forKey}&offset=${page * PAGE_SIZE}&limit=${PAGE_SIZE}`),
        staleTime: 30_000,
      })
      .then((answer) => {
        if (key() === forKey) setPages((m) => new Map(m).set(page, answer));
      })
      .catch((error: unknown) => {
        asked.delete(id);
        if (key() === forKey) setFailure(error instanceof ApiError ? error.message : "Le suivi n'a pas pu être chargé.");
      });
  };

  // Coming back to the same view (from a debtor's page, or by back/forward) puts the table where it was.
  let restoreTo: number | null = null;
  createEffect(
    on(key, (k, previous) => {
      batch(() => {
        setPages(new Map());
        setFailure(null);
        asked.clear();
        setTicked(new Set<string>());
        setWholeView(false);
      });
      const saved = savedScroll();
      restoreTo = saved && saved.search === k ? saved.top : null;
      if (previous !== undefined && restoreTo === null && scroller) {
        scroller.scrollTop = 0;
        setScrollTop(0);
      }
    }),
  );
  createEffect(() => {
    const k = key();
    const known = total() !== undefined;
    for (const page of known ? pagesFor(range().first, range().last, PAGE_SIZE) : [0]) load(k, page);
  });
  createEffect(() => {
    if (state() !== "ready" || restoreTo === null || !scroller) return;
    const top = restoreTo;
    restoreTo = null;
    scroller.scrollTop = top;
    setScrollTop(scroller.scrollTop || top);
  });

  onMount(() => {
    if (!scroller) return;
    const measure = () => setHeight(scroller!.clientHeight || 800);
    measure();
    const observer = typeof ResizeObserver === "function" ? new ResizeObserver(measure) : null;
    observer?.observe(scroller);
    onCleanup(() => observer?.disconnect());
  });
  /** After a bulk action: every page of every view read again (stop, dispute, scenario changed). */
  const refresh = () => {
    queryClient.removeQueries({ queryKey: ["follow-up"] });
    batch(() => {
      asked.clear();
      setFailure(null);
      setPages(new Map());
    });
  };
  const onScroll = () => {
    if (!scroller) return;
    setScrollTop(scroller.scrollTop);
    sessionStorage.setItem(SCROLL_KEY, JSON.stringify({ search: key(), top: scroller.scrollTop }));
  };

  const [filtersOpen, setFiltersOpen] = createSignal(false);
  const sort = (column: FollowUpSort) => change(nextSort(view(), column));
  const ariaSort = (column?: FollowUpSort): JSX.AriaAttributes["aria-sort"] => (column && view().sort === column ? (view().dir === "asc" ? "ascending" : "descending") : column ? "none" : undefined);
  const returnHere = () => encodeURIComponent(`${location.pathname}${location.search}`);

  return (
    <>
      <AppBar title="Suivi des impayés" back="/" />
      <main class="page follow-up-page" data-follow-up-state={state()} data-total={total() ?? ""} data-total-balance={head()?.totalBalanceCents ?? ""}>
        <div class="fu-toolbar">
          <SearchBox value={view().q ?? ""} onSearch={(q) => change({ q })} />
          <button type="button" class="button secondary fu-filters-button" aria-expanded={filtersOpen()} aria-controls="fu-filters" onClick={() => setFiltersOpen(!filtersOpen())}>
            Filtres
            <Show when={activeFilters(view()) > 0}>
              <span class="fu-count" data-active-filters={activeFilters(view())}>
                {activeFilters(view())}
              </span>
            </Show>
          </button>
          <Show when={activeFilters(view()) > 0 || view().q}>
            <button type="button" class="button secondary" onClick={() => setParams(Object.fromEntries(Object.keys(params).map((k) => [k, undefined])))}>
              Tout effacer
            </button>
          </Show>
          {/* The same view, every page, as a file for Excel: a plain download link (the browser shows its progress). */}
          <a class="button secondary" href={`/api/followup.csv?${apiQueryOf(view())}`} download="">
            Exporter (CSV)
          </a>
          <a class="button secondary" href={`/api/followup.xlsx?${apiQueryOf(view())}`} download="">
            Exporter (XLSX)
          </a>
          <Show when={(total() ?? 0) > 0}>
            <button type="button" class="button secondary" aria-pressed={wholeView()} data-testid="fu-select-view" onClick={() => (wholeView() ? clearSelection() : setWholeView(true))}>
              Tout sélectionner ({total()} lignes de la vue)
            </button>
          </Show>
          <SavedViews query={key()} onOpen={(q) => navigate(`${location.pathname}${q ? `?${q}` : ""}`)} />
          <p class="fu-summary" aria-live="polite">
            <Show when={head()} fallback={state() === "error" ? "" : "Chargement…"}>
              {(h) => (
                <>
                  <strong data-testid="fu-total">{h().total}</strong> {plural(h().total, "client")} · solde total <strong data-testid="fu-total-balance">{formatEuros(h().totalBalanceCents)}</strong>
                  <span class="muted"> · au {formatDateFr(h().asOf)}</span>
                </>
              )}
            </Show>
          </p>
        </div>
        <Show when={selectedCount() > 0}>
          <BulkBar selection={selection()} count={selectedCount()} onClear={clearSelection} onDone={refresh} />
        </Show>
        <Show when={filtersOpen()}>
          <Filters view={view()} onChange={change} />
        </Show>
        <Show when={failure()}>
          {(message) => (
            <div class="notice warn" role="alert">
              {message()}{" "}
              <button type="button" class="button secondary" onClick={() => { asked.clear(); setFailure(null); setPages(new Map(pages())); }}>
                Réessayer
              </button>
            </div>
          )}
        </Show>
        <div class="fu-scroller" ref={scroller} onScroll={onScroll} tabindex="0" aria-label="Tableau du suivi des impayés" data-rows-in-dom={indices().length}>
          {/* The row height is set through the CSSOM: the CSP refuses a style attribute written in the markup. */}
          <table class="fu-table" aria-rowcount={(total() ?? 0) + 1} ref={(el) => el.style.setProperty("--fu-row", `${ROW_HEIGHT}px`)}>
            <thead>
              <tr aria-rowindex={1}>
                <th scope="col" class="fu-select">
                  <span class="visually-hidden">Sélection</span>
                </th>
                <For each={COLUMNS}>
                  {(c) => (
                    <th scope="col" class={c.class} aria-sort={ariaSort(c.sort)}>
                      <Show when={c.sort} fallback={c.label}>
                        <button type="button" class="fu-sort" data-sort={c.sort} onClick={() => sort(c.sort!)}>
                          {c.label}
                          <span aria-hidden="true" class="fu-sort-mark">
                            {view().sort === c.sort ? (view().dir === "asc" ? "▲" : "▼") : ""}
                          </span>
                        </button>
                      </Show>
                    </th>
                  )}
                </For>
              </tr>
            </thead>
            <tbody>
              <tr class="fu-spacer" aria-hidden="true" style={{ height: `${range().first * ROW_HEIGHT}px` }} />
              <For each={indices()}>{(index) => <Line index={index} row={rowAt(index)} returnTo={returnHere()} selected={(id) => wholeView() || ticked().has(id)} onToggle={toggle} />}</For>
              <tr class="fu-spacer" aria-hidden="true" style={{ height: `${Math.max(0, (total() ?? 0) - range().last) * ROW_HEIGHT}px` }} />
            </tbody>
          </table>
          <Show when={total() === 0}>
            <div class="empty">
              <p>Aucun client ne correspond à ces critères.</p>
            </div>
          </Show>
        </div>
      </main>
    </>
  );
}

function savedScroll(): { search: string; top: number } | null {
  try {
    const saved = JSON.parse(sessionStorage.getItem(SCROLL_KEY) ?? "null") as { search?: unknown; top?: unknown } | null;
    return saved && typeof saved.search === "string" && typeof saved.top === "number" ? { search: saved.search, top: saved.top } : null;
  } catch {
    return null;
  }
}

/** One customer's row; a placeholder of the same height while its page is on its way. */
function Line(props: { index: number; row: FollowUpRow | undefined; returnTo: string; selected: (id: string) => boolean; onToggle: (id: string) => void }) {
  return (
    <Show
      when={props.row}
      fallback={
        <tr class="fu-row fu-pending" aria-rowindex={props.index + 2} data-row-index={props.index}>
          <td colSpan={COLUMNS.length + 1}>Chargement…</td>
        </tr>
      }
    >
      {(r) => (
        <tr class="fu-row" aria-rowindex={props.index + 2} data-row-index={props.index} data-customer-id={r().customerId} data-level={r().level} data-selected={props.selected(r().customerId) ? "yes" : "no"} data-stop={r().stop ? "yes" : "no"}>
          <td class="fu-select">
            <label class="fu-check">
              <input type="checkbox" checked={props.selected(r().customerId)} onChange={() => props.onToggle(r().customerId)} aria-label={`Sélectionner ${r().name}`} />
            </label>
          </td>
          <td class="fu-name">
            <A href={`/debiteurs/${r().customerId}?retour=${props.returnTo}`} class="fu-link">
              <span class="fu-main">{r().name}</span>
              <span class="fu-sub">{CUSTOMER_KIND_LABEL[r().kind]} · {SEGMENT_LABEL[r().scenario]}</span>
            </A>
          </td>
          <td class="fu-ref">{r().ref}</td>
          <td class="fu-site">
            <span class="fu-main" title={r().site.name}>{r().site.code}</span>
            <span class="fu-sub">{r().units.join(", ") || "—"}</span>
          </td>
          <td class="fu-amount">{formatEuros(r().balanceCents)}</td>
          <td class="fu-date">{r().oldestDueOn ? formatDateFr(r().oldestDueOn!) : "—"}</td>
          <td class="fu-late">{daysLateLabel(r().daysLate)}</td>
          <td class="fu-level">
            <span class="fu-main">{LEVEL_LABEL[r().level]}</span>
            <span class="fu-sub">{r().stage ? (STAGE_LABEL[r().stage!] ?? r().stage) : "—"}</span>
          </td>
          <td class="fu-next">
            <Show when={r().nextStep} fallback="—">
              {(s) => (
                <>
                  <span class="fu-main">{STAGE_LABEL[s().code] ?? s().code}</span>
                  <span class="fu-sub">{formatDateFr(s().on)}</span>
                </>
              )}
            </Show>
          </td>
          <td class="fu-promise">
            <Show when={r().promise} fallback="—">
              {(p) => (
                <>
                  <span class="fu-main">
                    {formatEuros(p().amountCents)} le {formatDateFr(p().on)}
                  </span>
                  <span class={`fu-sub fu-promise-${p().state}`}>{PROMISE_STATE_LABEL[p().state]}</span>
                </>
              )}
            </Show>
          </td>
          <td class="fu-flags">
            <div class="fu-flag-box">
              <Show when={r().stop}>
                <span class="fu-flag fu-flag-stop">Stop</span>
              </Show>
              <Show when={r().dispute}>{(d) => <span class="fu-flag fu-flag-stop" title={d().note}>Litige</span>}</Show>
              <Show when={r().handedOverAt}>
                <span class="fu-flag fu-flag-stop" title="Transmis au contentieux">Contentieux</span>
              </Show>
              <Show when={r().padlock}>
                <span class="fu-flag">Cadenas</span>
              </Show>
              <Show when={r().gateSuspended}>
                <span class="fu-flag" title="Code d'accès suspendu">Code susp.</span>
              </Show>
              <Show when={r().paymentPlan}>
                <span class="fu-flag">Échéancier</span>
              </Show>
            </div>
          </td>
          <td class="fu-last">
            <Show when={r().lastAction} fallback="—">
              {(a) => (
                <>
                  <span class="fu-main" title={a().text}>{a().text}</span>
                  <span class="fu-sub">
                    {a().initials} · {formatInstantShort(a().at)}
                  </span>
                </>
              )}
            </Show>
          </td>
        </tr>
      )}
    </Show>
  );
}

/** The search box: the address changes once typing pauses, not at each key. */
function SearchBox(props: { value: string; onSearch: (q: string) => void }) {
  const [text, setText] = createSignal(props.value);
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Back/forward changes the address under the box: follow it.
  createEffect(on(() => props.value, (v) => setText(v), { defer: true }));
  onCleanup(() => clearTimeout(timer));
  const typed = (value: string) => {
    setText(value);
    clearTimeout(timer);
    timer = setTimeout(() => props.onSearch(value.trim()), SEARCH_DELAY_MS);
  };
  return (
    <label class="fu-search">
      <span class="visually-hidden">Rechercher</span>
      <input
        type="search"
        placeholder="Nom, réf., box, téléphone, e-mail"
        value={text()}
        onInput={(e) => typed(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key !== "Enter") return;
          clearTimeout(timer);
          props.onSearch(text().trim());
        }}
        data-testid="fu-search"
      />
    </label>
  );
}

/** The filters, each a group of toggles or a field; they all combine. */
function Filters(props: { view: FollowUpView; onChange: (patch: Partial<FollowUpView>) => void }) {
  const mine = () => user()?.sites ?? [];
  // The office works on every site, and its session lists none: ask for them.
  const all = useQuery(() => ({ queryKey: ["sites"], queryFn: () => apiGet<SitesResponse>("/sites"), enabled: mine().length === 0 }));
  const sites = () => (mine().length > 0 ? mine() : (all.data?.sites ?? [])).map((s) => ({ code: s.code, label: s.name }));
  return (
    <form id="fu-filters" class="fu-filters" onSubmit={(e) => e.preventDefault()}>
      <Toggles legend="Site" name="site" options={sites().map((s) => [s.code, s.label] as const)} selected={props.view.site} onChange={(site) => props.onChange({ site })} />
      <Toggles legend="Niveau" name="level" options={LEVELS.map((l) => [l, LEVEL_LABEL[l]] as const)} selected={props.view.level} onChange={(level) => props.onChange({ level })} />
      <Toggles legend="Retard" name="lateBucket" options={LATE_BUCKETS.map((b) => [b, LATE_BUCKET_LABEL[b]] as const)} selected={props.view.lateBucket} onChange={(lateBucket) => props.onChange({ lateBucket })} />
      <Toggles legend="Étape" name="stage" options={Object.entries(STAGE_LABEL)} selected={props.view.stage} onChange={(stage) => props.onChange({ stage })} />
      <Toggles legend="Scénario" name="scenario" options={SEGMENTS.map((s) => [s, SEGMENT_LABEL[s]] as const)} selected={props.view.scenario} onChange={(scenario) => props.onChange({ scenario })} />
      <Toggles legend="Client" name="kind" options={CUSTOMER_KINDS.map((k) => [k, CUSTOMER_KIND_LABEL[k]] as const)} selected={props.view.kind} onChange={(kind) => props.onChange({ kind })} />
      <Toggles legend="Promesse" name="promise" options={PROMISE_STATES.map((p) => [p, PROMISE_STATE_LABEL[p]] as const)} selected={props.view.promise} onChange={(promise) => props.onChange({ promise })} />
      <YesNo legend="Double cadenas" name="padlock" value={props.view.padlock} yes="Posé" no="Sans" onChange={(padlock) => props.onChange({ padlock })} />
      <YesNo legend="En stop" name="stop" value={props.view.stop} yes="Oui" no="Non" onChange={(stop) => props.onChange({ stop })} />
      <YesNo legend="En litige" name="dispute" value={props.view.dispute} yes="Oui" no="Non" onChange={(dispute) => props.onChange({ dispute })} />
      <fieldset class="fu-group fu-numbers">
        <legend>Solde (€)</legend>
        <NumberField label="Solde minimum" placeholder="min." value={props.view.minBalance} onChange={(minBalance) => props.onChange({ minBalance })} decimals />
        <NumberField label="Solde maximum" placeholder="max." value={props.view.maxBalance} onChange={(maxBalance) => props.onChange({ maxBalance })} decimals />
      </fieldset>
      <fieldset class="fu-group fu-numbers">
        <legend>Sans action depuis</legend>
        <NumberField label="Nombre de jours sans action" placeholder="jours" value={props.view.idleDays} onChange={(idleDays) => props.onChange({ idleDays })} />
      </fieldset>
    </form>
  );
}

function Toggles<T extends string>(props: { legend: string; name: string; options: readonly (readonly [T, string])[]; selected: T[] | undefined; onChange: (next: T[]) => void }) {
  const on = (value: T) => props.selected?.includes(value) ?? false;
  const toggle = (value: T) => props.onChange(on(value) ? (props.selected ?? []).filter((v) => v !== value) : [...(props.selected ?? []), value]);
  return (
    <fieldset class="fu-group" data-filter={props.name}>
      <legend>{props.legend}</legend>
      <div class="fu-chips">
        <For each={props.options}>
          {([value, label]) => (
            <button type="button" class="chip" aria-pressed={on(value)} data-value={value} title={label} onClick={() => toggle(value)}>
              {label}
            </button>
          )}
        </For>
      </div>
    </fieldset>
  );
}

function YesNo(props: { legend: string; name: string; value: "yes" | "no" | undefined; yes: string; no: string; onChange: (next: "yes" | "no" | undefined) => void }) {
  return (
    <fieldset class="fu-group" data-filter={props.name}>
      <legend>{props.legend}</legend>
      <div class="fu-chips">
        <For each={[["yes", props.yes], ["no", props.no]] as const}>
          {([value, label]) => (
            <button type="button" class="chip" aria-pressed={props.value === value} data-value={value} onClick={() => props.onChange(props.value === value ? undefined : value)}>
              {label}
            </button>
          )}
        </For>
      </div>
    </fieldset>
  );
}

/** A number typed in French (a decimal comma is fine); applied when the field is left or Enter pressed. */
function NumberField(props: { label: string; placeholder: string; value: number | undefined; onChange: (next: number | undefined) => void; decimals?: boolean }) {
  const apply = (text: string) => {
    const n = Number(text.replace(",", ".").replace(/\s/g, ""));
    props.onChange(text.trim() === "" || !Number.isFinite(n) || n < 0 ? undefined : props.decimals ? n : Math.max(1, Math.round(n)));
  };
  return (
    <input
      class="fu-number"
      inputMode={props.decimals ? "decimal" : "numeric"}
      aria-label={props.label}
      placeholder={props.placeholder}
      value={props.value === undefined ? "" : String(props.value).replace(".", ",")}
      onChange={(e) => apply(e.currentTarget.value)}
      onKeyDown={(e) => {
        if (e.key === "Enter") apply(e.currentTarget.value);
      }}
    />
  );
}

import { useNavigate, useSearchParams } from "@solidjs/router";
import { useQuery } from "@tanstack/solid-query";
import { For, Show, createEffect, createMemo, createSignal, onCleanup, onMount, type JSX } from "solid-js";
import { formatEuros } from "../../../shared/money";
import { FUNNEL_STAGES, PAYOFF_STEPS, type DashboardFigures, type DashboardResponse, type FunnelStage, type PayoffStep } from "../../../shared/schemas/dashboard";
import { LATE_BUCKETS } from "../../../shared/schemas/follow-up";
import type { SitesResponse } from "../../../shared/schemas/sites";
import { ApiError, apiGet } from "../../api";
import { AppBar } from "../../components/AppBar";
import { counted, formatDateFr } from "../../format";
import { LATE_BUCKET_LABEL } from "../../labels";
import { withQueries } from "../../query";
import { user } from "../../session";
import type { BarSpec } from "./chart";
import { apiQueryOf, followUpHref, paramsOf, shareText, viewOf, type DashboardView } from "./view";
import "./dashboard.css";

/**
 * *Tableau de bord*: the whole debt of the user's sites at a glance — today's balance by days late (a bar opens the
 * follow-up table filtered to it), the procedure's funnel, what each kind of step brings in, and recovery over the
 * period. Each chart has its numbers in a table beside it. The sites and the period live in the address.
 */
export const DashboardPage = withQueries(Dashboard);

const FUNNEL_LABEL: Record<FunnelStage, string> = { opened: "Dossiers ouverts", R1: "R1", padlock: "Double cadenas", R2: "R2 (LRAR)", R3: "R3 (mise en demeure)", exit: "Sortie du contrat" };
const PAYOFF_LABEL: Record<PayoffStep, string> = {
  first_call: "Premier appel",
  sms: "SMS",
  email_R1: "Courriel R1",
  padlock: "Double cadenas",
  registered_R2: "LRAR R2",
  notice_R3: "Mise en demeure R3",
};
const COLORS = { navy: "#21466d", amber: "#f2a541", ok: "#15803d", muted: "#94a3b8" };

function Dashboard() {
  const [params, setParams] = useSearchParams();
  const view = createMemo(() => viewOf(params));
  const change = (patch: Partial<DashboardView>) => setParams(paramsOf(patch));
  const navigate = useNavigate();
  const answer = useQuery(() => ({
    queryKey: ["dashboard", apiQueryOf(view())],
    queryFn: () => apiGet<DashboardResponse>(`/dashboard?${apiQueryOf(view())}`),
    staleTime: 60_000,
  }));
  const state = () => (answer.isError ? "error" : answer.isSuccess && !answer.isFetching ? "ready" : "loading");
  const figures = () => answer.data?.all;

  return (
    <>
      <AppBar title="Tableau de bord" back="/" />
      <main class="page dashboard-page" data-state={state()}>
        <Controls view={view()} data={answer.data} onChange={change} />
        <Show when={answer.isError}>
          <p class="banner error" role="alert">
            {answer.error instanceof ApiError ? answer.error.message : "Le tableau de bord n'a pas pu être chargé."}
          </p>
        </Show>
        <Show when={figures()} fallback={<Show when={!answer.isError}><p class="muted">Chargement…</p></Show>}>
          {(f) => (
            <div class="db-grid">
              <Kpis figures={f()} />
              <AgedBalance figures={f()} onBucket={(i) => navigate(followUpHref(LATE_BUCKETS[i]!, view()))} view={view()} asOf={answer.data!.asOf} />
              <Funnel figures={f()} />
              <Payoff figures={f()} />
              <Cash figures={f()} />
              <Cohorts figures={f()} />
              <Show when={answer.data!.bySite.length > 1}>
                <BySite data={answer.data!} />
              </Show>
            </div>
          )}
        </Show>
      </main>
    </>
  );
}

/** The sites (toggles) and the period (two dates), both in the address. */
function Controls(props: { view: DashboardView; data: DashboardResponse | undefined; onChange: (patch: Partial<DashboardView>) => void }) {
  const mine = () => user()?.sites ?? [];
  // The office works on every site, and its session lists none: ask for them.
  const all = useQuery(() => ({ queryKey: ["sites"], queryFn: () => apiGet<SitesResponse>("/sites"), enabled: mine().length === 0 }));
  const sites = () => (mine().length > 0 ? mine() : (all.data?.sites ?? [])).map((s) => ({ code: s.code, name: s.name }));
  const on = (code: string) => props.view.site?.includes(code) ?? false;
  const toggle = (code: string) => props.onChange({ site: on(code) ? (props.view.site ?? []).filter((c) => c !== code) : [...(props.view.site ?? []), code] });
  return (
    <form class="db-controls" onSubmit={(e) => e.preventDefault()}>
      <fieldset class="db-sites">
        <legend>Sites</legend>
        <div class="chips">
          <button type="button" class="chip" aria-pressed={!props.view.site} onClick={() => props.onChange({ site: undefined })}>
            Tous
          </button>
          <For each={sites()}>
            {(s) => (
              <button type="button" class="chip" aria-pressed={on(s.code)} data-site={s.code} title={s.name} onClick={() => toggle(s.code)}>
                {s.code}
              </button>
            )}
          </For>
        </div>
      </fieldset>
      <fieldset class="db-period">
        <legend>Période</legend>
        <label>
          Du
          <input type="date" name="from" value={props.view.from ?? props.data?.from ?? ""} max={props.view.to ?? props.data?.to} onChange={(e) => props.onChange({ from: e.currentTarget.value || undefined })} />
        </label>
        <label>
          au
          <input type="date" name="to" value={props.view.to ?? props.data?.to ?? ""} min={props.view.from ?? props.data?.from} onChange={(e) => props.onChange({ to: e.currentTarget.value || undefined })} />
        </label>
        <Show when={props.view.from || props.view.to}>
          <button type="button" class="button secondary" onClick={() => props.onChange({ from: undefined, to: undefined })}>
            12 derniers mois
          </button>
        </Show>
      </fieldset>
    </form>
  );
}

function Kpis(props: { figures: DashboardFigures }) {
  const f = () => props.figures;
  const owed = () => f().agedBalance.reduce((s, b) => s + b.amountCents, 0);
  const promises = () => f().promises;
  return (
    <section class="card db-kpis" aria-label="Chiffres clés">
      <Kpi label="Encours en retard" value={formatEuros(owed())} testid="db-owed" />
      <Kpi label="DSO (méthode countback)" value={f().dsoDays === null ? "—" : `${f().dsoDays!.toLocaleString("fr-FR")} j`} testid="db-dso" />
      <Kpi label="Promesses tenues / non tenues" value={`${promises().kept} / ${promises().broken}`} hint={promises().pending > 0 ? `${promises().pending} en cours` : undefined} testid="db-promises" />
      <Kpi label="Passé en perte" value={formatEuros(f().writtenOffCents)} testid="db-written-off" />
      <Kpi label="Transmis au contentieux" value={formatEuros(f().handedOver.amountCents)} hint={counted(f().handedOver.count, "dossier")} testid="db-handed-over" />
    </section>
  );
}

function Kpi(props: { label: string; value: string; hint?: string; testid: string }) {
  return (
    <div class="db-kpi" data-testid={props.testid}>
      <span class="db-kpi-label">{props.label}</span>
      <strong>{props.value}</strong>
      <Show when={props.hint}>
        <span class="muted">{props.hint}</span>
      </Show>
    </div>
  );
}

function AgedBalance(props: { figures: DashboardFigures; view: DashboardView; asOf: string; onBucket: (index: number) => void }) {
  const spec = (): BarSpec => ({
    labels: props.figures.agedBalance.map((b) => LATE_BUCKET_LABEL[b.bucket]),
    series: [{ label: "Solde", values: props.figures.agedBalance.map((b) => b.amountCents), color: COLORS.navy }],
    format: euros,
  });
  return (
    <Card title="Encours par retard" subtitle={`Au ${formatDateFr(props.asOf)} — cliquez une barre pour voir les clients`} class="db-aged" id="db-aged">
      <BarChart spec={spec()} onBar={props.onBucket} label="Encours par tranche de retard" testid="db-aged-chart" />
      <table class="db-table">
        <thead>
          <tr>
            <th scope="col">Retard</th>
            <th scope="col" class="num">Clients</th>
            <th scope="col" class="num">Solde</th>
          </tr>
        </thead>
        <tbody>
          <For each={props.figures.agedBalance}>
            {(b) => (
              <tr data-bucket={b.bucket}>
                <th scope="row">
                  <a href={followUpHref(b.bucket, props.view)}>{LATE_BUCKET_LABEL[b.bucket]}</a>
                </th>
                <td class="num">{b.count}</td>
                <td class="num">{formatEuros(b.amountCents)}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </Card>
  );
}

function Funnel(props: { figures: DashboardFigures }) {
  const spec = (): BarSpec => ({
    labels: FUNNEL_STAGES.map((s) => FUNNEL_LABEL[s]),
    series: [
      { label: "Atteint", values: props.figures.funnel.map((s) => s.reached), color: COLORS.navy },
      { label: "Payé à cette étape", values: props.figures.funnel.map((s) => s.paid), color: COLORS.ok },
    ],
    horizontal: true,
    format: (n) => n.toLocaleString("fr-FR"),
  });
  return (
    <Card title="Entonnoir de la procédure" subtitle="Dossiers ouverts sur la période : étapes atteintes, et payés à l'étape la plus avancée atteinte" class="db-funnel" id="db-funnel">
      <BarChart spec={spec()} label="Entonnoir de la procédure" testid="db-funnel-chart" />
      <table class="db-table">
        <thead>
          <tr>
            <th scope="col">Étape</th>
            <th scope="col" class="num">Atteinte</th>
            <th scope="col" class="num">Payés à l'étape</th>
          </tr>
        </thead>
        <tbody>
          <For each={props.figures.funnel}>
            {(s) => (
              <tr data-stage={s.stage}>
                <th scope="row">{FUNNEL_LABEL[s.stage]}</th>
                <td class="num">{s.reached}</td>
                <td class="num">{s.paid}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </Card>
  );
}

function Payoff(props: { figures: DashboardFigures }) {
  const spec = (): BarSpec => ({
    labels: PAYOFF_STEPS.map((s) => PAYOFF_LABEL[s]),
    series: [
      { label: "Payé sous 7 j", values: props.figures.payoff.map((p) => p.paid7Cents), color: COLORS.ok },
      { label: "Payé sous 15 j", values: props.figures.payoff.map((p) => p.paid15Cents), color: COLORS.amber },
    ],
    format: euros,
  });
  return (
    <Card title="Ce qui fait payer" subtitle="Encaissé dans les 7 et 15 jours après chaque étape (le jour même compris)" class="db-payoff" id="db-payoff">
      <p class="db-note" data-testid="db-shared-credit">
        Crédit partagé&#8239;: un paiement compte pour chaque étape dont la fenêtre le contient. Le R1 et la pose du double cadenas, le même jour,
        sont crédités tous les deux&#8239;: les montants ne s'additionnent pas d'une étape à l'autre.
      </p>
      <BarChart spec={spec()} label="Montants payés après chaque étape" testid="db-payoff-chart" />
      <table class="db-table">
        <thead>
          <tr>
            <th scope="col">Étape</th>
            <th scope="col" class="num">Dossiers</th>
            <th scope="col" class="num">Payé sous 7 j</th>
            <th scope="col" class="num">Payé sous 15 j</th>
            <th scope="col" class="num">Soldés sous 15 j</th>
          </tr>
        </thead>
        <tbody>
          <For each={props.figures.payoff}>
            {(p) => (
              <tr data-step={p.step}>
                <th scope="row">{PAYOFF_LABEL[p.step]}</th>
                <td class="num">{p.count}</td>
                <td class="num">{formatEuros(p.paid7Cents)}</td>
                <td class="num">{formatEuros(p.paid15Cents)}</td>
                <td class="num">{shareText(p.casesPaid, p.count)}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </Card>
  );
}

function Cash(props: { figures: DashboardFigures }) {
  const spec = (): BarSpec => ({
    labels: props.figures.cash.map((c) => monthLabel(c.month)),
    series: [{ label: "Encaissé", values: props.figures.cash.map((c) => c.amountCents), color: COLORS.navy }],
    format: euros,
  });
  return (
    <Card title="Encaissements par mois" class="db-cash" id="db-cash">
      <BarChart spec={spec()} label="Encaissements par mois" testid="db-cash-chart" />
      <table class="db-table">
        <thead>
          <tr>
            <th scope="col">Mois</th>
            <th scope="col" class="num">Encaissé</th>
          </tr>
        </thead>
        <tbody>
          <For each={props.figures.cash}>
            {(c) => (
              <tr data-month={c.month}>
                <th scope="row">{monthLabel(c.month)}</th>
                <td class="num">{formatEuros(c.amountCents)}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </Card>
  );
}

function Cohorts(props: { figures: DashboardFigures }) {
  const pct = (paid: number | null, due: number) => (paid === null ? "en cours" : shareText(paid, due));
  return (
    <Card title="Factures payées à temps" subtitle="Par mois d'échéance : part du montant payé dans les 15, 30 et 60 jours (paiements qui nomment la facture)" class="db-cohorts" id="db-cohorts">
      <table class="db-table">
        <thead>
          <tr>
            <th scope="col">Échéance</th>
            <th scope="col" class="num">Montant dû</th>
            <th scope="col" class="num">Sous 15 j</th>
            <th scope="col" class="num">Sous 30 j</th>
            <th scope="col" class="num">Sous 60 j</th>
          </tr>
        </thead>
        <tbody>
          <For each={props.figures.cohorts}>
            {(c) => (
              <tr data-month={c.month}>
                <th scope="row">{monthLabel(c.month)}</th>
                <td class="num">{formatEuros(c.dueCents)}</td>
                <td class="num">{pct(c.paid15Cents, c.dueCents)}</td>
                <td class="num">{pct(c.paid30Cents, c.dueCents)}</td>
                <td class="num">{pct(c.paid60Cents, c.dueCents)}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </Card>
  );
}

function BySite(props: { data: DashboardResponse }) {
  const owed = (f: DashboardFigures) => f.agedBalance.reduce((s, b) => s + b.amountCents, 0);
  const late60 = (f: DashboardFigures) => f.agedBalance.find((b) => b.bucket === "60+")!.amountCents;
  const cash = (f: DashboardFigures) => f.cash.reduce((s, c) => s + c.amountCents, 0);
  return (
    <Card title="Par site" class="db-by-site" id="db-by-site">
      <table class="db-table">
        <thead>
          <tr>
            <th scope="col">Site</th>
            <th scope="col" class="num">Encours en retard</th>
            <th scope="col" class="num">Dont plus de 60 j</th>
            <th scope="col" class="num">Encaissé sur la période</th>
            <th scope="col" class="num">DSO</th>
            <th scope="col" class="num">Promesses tenues / non tenues</th>
            <th scope="col" class="num">Perte</th>
          </tr>
        </thead>
        <tbody>
          <For each={props.data.bySite}>
            {(s) => (
              <tr data-site={s.site.code}>
                <th scope="row">
                  {s.site.code} <span class="muted">{s.site.name}</span>
                </th>
                <td class="num">{formatEuros(owed(s.figures))}</td>
                <td class="num">{formatEuros(late60(s.figures))}</td>
                <td class="num">{formatEuros(cash(s.figures))}</td>
                <td class="num">{s.figures.dsoDays === null ? "—" : `${s.figures.dsoDays.toLocaleString("fr-FR")} j`}</td>
                <td class="num">
                  {s.figures.promises.kept} / {s.figures.promises.broken}
                </td>
                <td class="num">{formatEuros(s.figures.writtenOffCents)}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </Card>
  );
}

function Card(props: { title: string; subtitle?: string; class: string; id: string; children: JSX.Element }) {
  return (
    <section class={`card db-card ${props.class}`} aria-labelledby={`${props.id}-title`}>
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      <Show when={props.subtitle}>
        <p class="muted db-subtitle">{props.subtitle}</p>
      </Show>
      {props.children}
    </section>
  );
}

/**
 * A bar chart drawn by Chart.js, loaded only when the first chart is on screen. The canvas is a picture for those who
 * see it; its numbers are in the table next to it, which screen readers read instead.
 */
function BarChart(props: { spec: BarSpec; label: string; testid: string; onBar?: (index: number) => void }) {
  let canvas: HTMLCanvasElement | undefined;
  const [drawn, setDrawn] = createSignal(false);
  let chart: { update(spec: BarSpec): void; destroy(): void } | undefined;
  let gone = false;
  onMount(() => {
    void import("./chart").then(({ drawBars }) => {
      if (gone || !canvas) return;
      chart = drawBars(canvas, props.spec, (i) => props.onBar?.(i));
      setDrawn(true);
    });
  });
  createEffect(() => {
    const spec = props.spec;
    if (drawn()) chart?.update(spec);
  });
  onCleanup(() => {
    gone = true;
    chart?.destroy();
  });
  return (
    <div class="db-chart" data-chart-state={drawn() ? "ready" : "loading"}>
      <canvas ref={canvas} role="img" aria-label={`${props.label} (les chiffres sont dans le tableau)`} data-testid={props.testid} />
    </div>
  );
}

function euros(cents: number): string {
  return formatEuros(cents).replace(/,00(?=\s*€)/, "");
}

const MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."];
function monthLabel(month: string): string {
  return `${MONTHS[Number(month.slice(5, 7)) - 1]} ${month.slice(0, 4)}`;
}

import { useMutation, useQuery } from "@tanstack/solid-query";
import { For, Index, Match, Show, Switch, createEffect, createSignal } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import { stepDate } from "../../../shared/engine/schedule";
import type { ScenarioStep, StepAction } from "../../../shared/engine/scenarios";
import type { ScenarioBody, ScenarioResponse, ScenariosResponse } from "../../../shared/schemas/scenarios";
import { formatEurosInput, parseEuros } from "../../../shared/money";
import { RECOVERY_INDEMNITY_CENTS, type Settings } from "../../../shared/schemas/settings";
import { RETENTION_YEARS } from "../../../shared/privacy/retention";
import { apiGet, apiPut } from "../../api";
import { AppBar } from "../../components/AppBar";
import { SaveBar } from "../../components/SaveBar";
import { QueryState } from "../../components/QueryState";
import { formatDateFr, formatEuros } from "../../format";
import { CHANNEL_LABEL, STAGE_LABEL, TASK_LABEL } from "../../labels";
import type { MessageChannel } from "../../../shared/enums";
import { plain, queryClient, withQueries } from "../../query";
import { user } from "../../session";

/** The office's screen for the reminder scenarios (one per customer type) and the procedure's settings. */
export const ScenariosPage = withQueries(Scenarios);

const FROM_LABEL = { due: "de l'échéance", previous: "de l'étape précédente", payment: "du paiement", receipt: "de la réception (AR ou pli non réclamé)" } as const;
const FEE_WORD: Record<string, string> = { sepa_reject: "frais de rejet SEPA", late_penalties: "pénalités de retard (pro)", recovery_indemnity: "indemnité de 40 € (pro)" };
/** An example due date for the preview of each step's day (a Monday, as in CONTRACT.md). */
const EXAMPLE_DUE = "2026-03-02";

function actionWord(a: StepAction): string {
  switch (a.action) {
    case "message":
      return CHANNEL_LABEL[a.channel as MessageChannel] ?? a.channel;
    case "task":
      return TASK_LABEL[a.task];
    case "fee":
      return `Facturer ${FEE_WORD[a.fee]}`;
    case "level":
      return `Niveau ${a.level}`;
    case "contract_end":
      return "Fin du contrat";
    case "approval":
      return "Décision du bureau";
  }
}

function Scenarios() {
  const list = useQuery(() => ({ queryKey: ["scenarios"], queryFn: () => apiGet<ScenariosResponse>("/scenarios") }));
  useQuery(settingsQuery); // at the same time, for the settings card below the scenario
  const [code, setCode] = createSignal<ScenarioResponse["code"]>("box");
  const [draft, setDraft] = createStore<ScenarioBody>({ name: "", steps: [] });
  const [saved, setSaved] = createSignal(false);
  const current = () => list.data?.scenarios.find((s) => s.code === code());
  const editable = () => user()?.role !== "site_manager";
  createEffect(() => {
    const s = current();
    if (s) setDraft(reconcile(plain({ name: s.name, steps: s.steps })));
  });
  const save = useMutation(() => ({
    mutationFn: (body: ScenarioBody) => apiPut<ScenarioResponse>(`/scenarios/${code()}`, body),
    onSuccess: () => {
      setSaved(true);
      void queryClient.invalidateQueries({ queryKey: ["scenarios"] });
    },
  }));
  const edit = (fn: () => void) => {
    setSaved(false);
    fn();
  };

  return (
    <>
      <AppBar title="Scénarios de relance" subtitle={current()?.name} back="/" />
      <main class="page scenarios with-status-bar">
        <QueryState query={list} failed="Les scénarios n'ont pas pu être chargés.">
          <Switch>
            <Match when={list.data}>
              <nav class="chips" aria-label="Scénario">
                <For each={list.data!.scenarios}>
                  {(s) => (
                    <button type="button" class="chip" aria-pressed={s.code === code()} onClick={() => (setSaved(false), setCode(s.code))}>
                      {s.name} <span class="muted">· {s.customers}</span>
                    </button>
                  )}
                </For>
              </nav>
              <form
                class="scenario-form"
                onSubmit={(e) => {
                  e.preventDefault();
                  save.mutate(plain({ name: draft.name, steps: draft.steps }));
                }}
              >
                <label class="field">
                  Nom
                  <input value={draft.name} disabled={!editable()} onInput={(e) => edit(() => setDraft("name", e.currentTarget.value))} />
                </label>
                <p class="muted">Jours d'exemple pour une échéance au {formatDateFr(EXAMPLE_DUE)}&#8239;; un dimanche ou un jour férié passe au jour ouvré suivant.</p>
                <ol class="step-list">
                  <Index each={draft.steps}>
                    {(step, i) => <StepCard step={step()} editable={editable()} templates={list.data!.templates} templateLabels={list.data!.templateLabels} onChange={(fn) => edit(() => setDraft("steps", i, fn))} />}
                  </Index>
                </ol>
                <SaveBar label="Enregistrer le scénario" error={save.error} saved={saved()} pending={save.isPending} editable={editable()} />
              </form>
              <SettingsCard editable={editable()} />
            </Match>
          </Switch>
        </QueryState>
      </main>
    </>
  );
}

function StepCard(props: { step: ScenarioStep; editable: boolean; templates: string[]; templateLabels: Record<string, string>; onChange: (fn: (s: ScenarioStep) => ScenarioStep) => void }) {
  const when = () => props.step.when;
  const setWhen = (patch: Partial<ScenarioStep["when"]>) => props.onChange((s) => ({ ...s, when: { ...s.when, ...patch } }));
  const example = () => (when().from === "due" ? formatDateFr(stepDate(when(), EXAMPLE_DUE)) : null);
  const number = (value: string) => (value.trim() === "" ? undefined : Math.trunc(Number(value)));
  /** The step as the office names it: its code stays internal. */
  const name = () => STAGE_LABEL[props.step.code] ?? props.step.code;
  return (
    <li class="card step-card" classList={{ off: !props.step.enabled }}>
      <div class="step-head">
        <label class="check">
          <input type="checkbox" checked={props.step.enabled} disabled={!props.editable} onChange={(e) => props.onChange((s) => ({ ...s, enabled: e.currentTarget.checked }))} />
          <strong>{name()}</strong>
        </label>
      </div>
      <div class="step-when">
        <label>
          <input type="number" inputmode="numeric" value={when().days ?? ""} disabled={!props.editable} onChange={(e) => setWhen({ days: number(e.currentTarget.value) })} aria-label={`${name()} : jours`} />
          <span>j</span>
        </label>
        <label>
          <input type="number" inputmode="numeric" min="0" value={when().months ?? ""} disabled={!props.editable} onChange={(e) => setWhen({ months: number(e.currentTarget.value) })} aria-label={`${name()} : mois`} />
          <span>mois</span>
        </label>
        <select value={when().from} disabled={!props.editable} onChange={(e) => setWhen({ from: e.currentTarget.value as ScenarioStep["when"]["from"] })} aria-label={`${name()} : à partir`}>
          <For each={Object.entries(FROM_LABEL)}>{([value, label]) => <option value={value}>{label}</option>}</For>
        </select>
        <Show when={when().from === "receipt" && when().step}>{(s) => <span class="muted">de la LRAR {s()}, délai passé</span>}</Show>
        <label class="check">
          <input type="checkbox" checked={Boolean(when().endOfMonth)} disabled={!props.editable} onChange={(e) => setWhen({ endOfMonth: e.currentTarget.checked || undefined })} />
          fin de mois
        </label>
        <Show when={example()}>{(d) => <span class="muted">→ {d()}</span>}</Show>
      </div>
      <ul class="step-actions">
        <Index each={props.step.actions}>
          {(a, n) => (
            <li>
              {actionWord(a())}
              <Show when={a().action === "message" ? (a() as Extract<StepAction, { action: "message" }>) : undefined}>
                {(m) => (
                  <select
                    value={m().template}
                    disabled={!props.editable}
                    aria-label={`${name()} : modèle ${CHANNEL_LABEL[m().channel as MessageChannel]}`}
                    onChange={(e) => props.onChange((s) => ({ ...s, actions: s.actions.map((x, k) => (k === n && x.action === "message" ? { ...x, template: e.currentTarget.value } : x)) }))}
                  >
                    <For each={props.templates.includes(m().template) ? props.templates : [m().template, ...props.templates]}>{(t) => <option value={t}>{props.templateLabels[t] ?? t}</option>}</For>
                  </select>
                )}
              </Show>
            </li>
          )}
        </Index>
      </ul>
      <label class="check">
        <input type="checkbox" checked={props.step.needsApproval} disabled={!props.editable} onChange={(e) => props.onChange((s) => ({ ...s, needsApproval: e.currentTarget.checked }))} />
        Validation avant envoi
      </label>
    </li>
  );
}

/** Amounts shown and typed in euros, stored in cents. */
/** The procedure's settings, asked for with the scenarios (not after them). */
const settingsQuery = () => ({ queryKey: ["settings"], queryFn: () => apiGet<Settings>("/settings") });

function SettingsCard(props: { editable: boolean }) {
  const settings = useQuery(settingsQuery);
  const [saved, setSaved] = createSignal(false);
  const save = useMutation(() => ({
    mutationFn: async (body: Settings) => {
      if (!Number.isFinite(body.sepaRejectFeeCents) || !Number.isFinite(body.minBalanceCents)) throw new Error("Montant illisible : tapez par exemple 15,00");
      if (!Number.isFinite(body.latePenaltyRatePercent)) throw new Error("Taux illisible : tapez par exemple 12,15");
      if (!Number.isInteger(body.collectionPeriodDays) || !Number.isInteger(body.keepGoodsDays)) throw new Error("Nombre de jours illisible : tapez par exemple 30");
      if (!Number.isInteger(body.retentionYears)) throw new Error("Durée de conservation illisible : tapez un nombre d'années, par exemple 3");
      return apiPut<Settings>("/settings", body);
    },
    onSuccess: (data) => {
      setSaved(true);
      queryClient.setQueryData(["settings"], data);
    },
  }));
  const cents = (v: FormDataEntryValue | null) => parseEuros(String(v ?? "")) ?? Number.NaN;
  return (
    <Show when={settings.data}>
      {(s) => (
        <form
          class="card settings-form"
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.currentTarget);
            save.mutate({
              sepaRejectFeeCents: cents(f.get("sepa")),
              latePenaltyRatePercent: Number(String(f.get("rate")).replace(",", ".")),
              minBalanceCents: cents(f.get("min")),
              collectionPeriodDays: Number(f.get("collect")),
              keepGoodsDays: Number(f.get("keep")),
              allowPlainWitness: f.get("plainWitness") === "on",
              terminationClause: String(f.get("clause") ?? "").trim(),
              twoFactorRequired: f.get("twoFactor") === "on",
              retentionYears: Number(f.get("retention")),
            });
          }}
          onInput={() => setSaved(false)}
        >
          <h2>Réglages de la procédure</h2>
          <label class="field">
            Frais de rejet de prélèvement (€)
            <input name="sepa" inputmode="decimal" value={formatEurosInput(s().sepaRejectFeeCents)} disabled={!props.editable} />
          </label>
          <label class="field">
            Taux des pénalités de retard, clients professionnels (% par an)
            <input name="rate" inputmode="decimal" value={String(s().latePenaltyRatePercent).replace(".", ",")} disabled={!props.editable} />
          </label>
          <label class="field">
            Pas de relance en dessous de (€)
            <input name="min" inputmode="decimal" value={formatEurosInput(s().minBalanceCents)} disabled={!props.editable} />
          </label>
          <label class="field">
            Clause résolutoire nommée par la mise en demeure, après « conformément à »
            <input name="clause" value={s().terminationClause} maxlength="200" placeholder="l'article 12 de vos conditions générales" disabled={!props.editable} />
          </label>
          <label class="field">
            Délai laissé pour retirer les biens après la résiliation (jours, à compter de la réception)
            <input name="collect" type="number" inputmode="numeric" min="8" max="180" value={s().collectionPeriodDays} disabled={!props.editable} />
          </label>
          <label class="field">
            Conservation des biens inventoriés avant toute mise au rebut, vente ou don (jours)
            <input name="keep" type="number" inputmode="numeric" min="0" max="365" value={s().keepGoodsDays} disabled={!props.editable} />
          </label>
          <label class="field">
            Conservation des données personnelles d'un client après la fin de la relation — dette soldée et contrats terminés (années&#8239;; la CNIL
            recommande 3 ans). Ensuite, nom, coordonnées, textes libres et photos sont effacés&#8239;; les lignes comptables restent.
            <input name="retention" type="number" inputmode="numeric" min={RETENTION_YEARS.min} max={RETENTION_YEARS.max} value={s().retentionYears} disabled={!props.editable} />
          </label>
          <label class="check">
            <input name="plainWitness" type="checkbox" checked={s().allowPlainWitness} disabled={!props.editable} />
            <span>Accepter un simple témoin à l'ouverture d'un box (par défaut&#8239;: un commissaire de justice)</span>
          </label>
          <label class="check">
            <input name="twoFactor" type="checkbox" checked={s().twoFactorRequired} disabled={!props.editable} />
            <span>
              Exiger la double authentification (code d'une application sur téléphone) pour le bureau et les Managers&#8239;: un compte qui ne l'a pas
              l'active à sa prochaine connexion. Les gestionnaires de site ne sont pas concernés.
            </span>
          </label>
          <p class="muted">Indemnité forfaitaire de recouvrement&#8239;: {formatEuros(RECOVERY_INDEMNITY_CENTS)} par facture, fixée par la loi, clients professionnels seulement.</p>
          <SaveBar label="Enregistrer les réglages" error={save.error} saved={saved()} pending={save.isPending} editable={props.editable} sticky={false} />
        </form>
      )}
    </Show>
  );
}

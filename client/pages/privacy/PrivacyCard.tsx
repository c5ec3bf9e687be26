import { For, Match, Show, Switch, createResource, createSignal } from "solid-js";
import { todayIn } from "../../../shared/dates";
import type { ErasureResponse, PrivacyStatus, RetentionObstacleItem } from "../../../shared/schemas/privacy";
import { ApiError, apiGet, apiPost, apiPut, problemsOf } from "../../api";
import { Problems } from "../../components/SaveBar";
import { SaveButton, useSaving } from "../../components/Saving";
import { formatDateFr, formatInstantShort } from "../../format";
import { settings } from "../../session";
import { syncNow } from "../../store";
import { AccessRequestButton } from "../debtor/PersonalData";

// A customer's personal data, for the office (online: the server decides and records): where they stand in the
// retention life cycle, the legal hold (set or lifted with a reason), and a person's erasure request — carried out
// where the law allows, refused with the reasons where it does not.

const STATE_TEXT = {
  kept: "Données conservées : la relation n'est pas terminée.",
  archived: "Archive intermédiaire : relation terminée.",
  due: "Durée de conservation écoulée : les données seront effacées lors du prochain passage quotidien.",
  pseudonymised: "Données personnelles effacées.",
} as const;

/** The card, for one customer: by id (the debtor's page) or from a status already loaded (the search page). */
export function PrivacyCard(props: { customerId: string; initial?: PrivacyStatus }) {
  const [status, { mutate, refetch }] = createResource(
    () => props.customerId,
    (id) => apiGet<PrivacyStatus>(`/customers/${id}/privacy`),
    props.initial ? { initialValue: props.initial } : {},
  );
  return (
    <section class="card privacy-card" data-privacy-state={status()?.state ?? "loading"}>
      <h2>Données personnelles</h2>
      <Switch>
        <Match when={status.error}>
          <p class="muted">
            {(status.error as { code?: string }).code === "NETWORK" ? "Pas de réseau pour l'instant : réessayez plus tard." : `Indisponible : ${(status.error as Error).message}`}
          </p>
        </Match>
        <Match when={status()}>{(s) => <PrivacyView status={s()} onChange={(next) => (next ? mutate(next) : void refetch())} />}</Match>
      </Switch>
      <AccessRequestButton customerId={props.customerId} />
    </section>
  );
}

function PrivacyView(props: { status: PrivacyStatus; onChange: (next?: PrivacyStatus) => void }) {
  const s = () => props.status;
  const [panel, setPanel] = createSignal<"hold" | "erase" | null>(null);
  return (
    <>
      <p data-testid="privacy-state">
        {STATE_TEXT[s().state]}
        <Show when={s().state === "archived" || s().state === "due"}>
          {" "}
          Fin de la relation le {formatDateFr(s().endedOn!)}&#8239;; effacement prévu le {formatDateFr(s().dueOn!)} ({s().retentionYears} ans).
        </Show>
        <Show when={s().pseudonymisedAt}>{(at) => <> Le {formatInstantShort(at())}&#8239;; les références et montants comptables restent.</>}</Show>
      </p>
      <Show when={s().legalHold}>
        {(h) => (
          <p class="stop-note" data-testid="legal-hold">
            Conservation pour motif légal&#8239;: {h().reason}
            <Show when={h().at}> (depuis le {formatInstantShort(h().at!)}{h().byInitials ? `, ${h().byInitials}` : ""})</Show>. Rien n'est effacé tant qu'elle dure.
          </p>
        )}
      </Show>
      <Show when={s().obstacles.length > 0 && s().state === "kept"}>
        <ObstacleList list={s().obstacles.filter((o) => o.code !== "legal_hold")} />
      </Show>
      <Show when={s().state !== "pseudonymised"}>
        <div class="quick-actions">
          <button type="button" class="button secondary" aria-expanded={panel() === "hold"} onClick={() => setPanel(panel() === "hold" ? null : "hold")}>
            {s().legalHold ? "Lever la conservation" : "Conservation pour motif légal"}
          </button>
          <button type="button" class="button secondary" aria-expanded={panel() === "erase"} onClick={() => setPanel(panel() === "erase" ? null : "erase")}>
            Demande d'effacement
          </button>
        </div>
      </Show>
      <Show when={panel() === "hold"}>
        <HoldForm status={s()} onDone={(next) => { setPanel(null); props.onChange(next); }} />
      </Show>
      <Show when={panel() === "erase"}>
        <ErasureForm status={s()} onDone={() => { setPanel(null); props.onChange(); }} />
      </Show>
    </>
  );
}

function ObstacleList(props: { list: RetentionObstacleItem[] }) {
  return (
    <ul class="plain-list privacy-obstacles">
      <For each={props.list}>{(o) => <li data-obstacle={o.code}>{o.text}</li>}</For>
    </ul>
  );
}

/** Sets or lifts the legal hold: a dispute, a hand-over to a bailiff or to court. Always with the reason. */
function HoldForm(props: { status: PrivacyStatus; onDone: (next: PrivacyStatus) => void }) {
  const [problems, setProblems] = createSignal<string[]>([]);
  const save = useSaving();
  const held = () => props.status.legalHold !== null;
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    if (save.saving()) return;
    const reason = String(new FormData(e.currentTarget as HTMLFormElement).get("reason") ?? "").trim();
    if (reason.length < 3) return setProblems(["Dites pourquoi en quelques mots."]);
    await save.run(async () => {
      try {
        props.onDone(await apiPut<PrivacyStatus>(`/customers/${props.status.customerId}/legal-hold`, { held: !held(), reason }));
        syncNow();
      } catch (error) {
        setProblems(problemsOf(error));
      }
    });
  };
  return (
    <form class="sheet-form" onSubmit={submit} novalidate>
      <p class="muted">
        {held()
          ? "La conservation levée, les données suivent de nouveau la durée de conservation ; une demande d'effacement pourra être satisfaite."
          : "Litige, contestation, dossier remis au commissaire de justice ou au tribunal : tant que la conservation dure, rien n'est effacé, ni par la durée de conservation ni sur demande."}
      </p>
      <label class="field">
        <span>Pourquoi</span>
        <input name="reason" maxLength={500} placeholder={held() ? "ex. : jugement rendu, litige clos" : "ex. : contestation devant le tribunal judiciaire"} required />
      </label>
      <Problems list={problems()} />
      <SaveButton saving={save.saving()}>{held() ? "Lever la conservation" : "Placer en conservation"}</SaveButton>
    </form>
  );
}

/** A person's erasure request as received: carried out at once, or refused with the reasons (both recorded). */
function ErasureForm(props: { status: PrivacyStatus; onDone: () => void }) {
  const [problems, setProblems] = createSignal<string[]>([]);
  const [refused, setRefused] = createSignal<RetentionObstacleItem[] | null>(null);
  const [done, setDone] = createSignal<ErasureResponse | null>(null);
  const save = useSaving();
  const today = todayIn(settings().timeZone);
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    if (save.saving()) return;
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const reference = String(form.get("reference") ?? "").trim();
    const requestedOn = String(form.get("requestedOn") ?? "");
    const note = String(form.get("note") ?? "").trim();
    if (reference.length < 3) return setProblems(["Dites comment la demande est arrivée (courrier, e-mail…) et sa référence."]);
    setProblems([]);
    setRefused(null);
    await save.run(async () => {
      try {
        setDone(await apiPost<ErasureResponse>(`/customers/${props.status.customerId}/erasure-requests`, { requestedOn, reference, ...(note ? { note } : {}) }));
        syncNow();
      } catch (error) {
        const obstacles = error instanceof ApiError ? (error.details as { obstacles?: RetentionObstacleItem[] } | undefined)?.obstacles : undefined;
        if (obstacles) {
          setRefused(obstacles);
          syncNow();
        } else setProblems(problemsOf(error));
      }
    });
  };
  return (
    <Show
      when={!done()}
      fallback={
        <div class="sheet-form" role="status" data-erasure="done">
          <p class="evidence-ok">Données effacées&#8239;: nom, coordonnées, textes libres et photos. La demande est enregistrée au journal.</p>
          <button type="button" class="button secondary" onClick={() => props.onDone()}>
            Fermer
          </button>
        </div>
      }
    >
      <form class="sheet-form" onSubmit={submit} novalidate>
        <p class="muted">
          Effacée tout de suite si rien ne l'interdit&#8239;; refusée, avec la raison à transmettre à la personne, tant qu'une dette reste due, qu'un contrat ou un dossier
          est en cours ou qu'une conservation pour motif légal dure. Les lignes comptables (références, montants, dates) sont toujours conservées (10 ans, Code de
          commerce).
        </p>
        <label class="field">
          <span>Reçue le</span>
          <input name="requestedOn" type="date" max={today} value={today} required />
        </label>
        <label class="field">
          <span>Comment et référence</span>
          <input name="reference" maxLength={200} placeholder="ex. : courrier du 12/11, réf. RGPD-12" required />
        </label>
        <label class="field">
          <span>Note (facultatif)</span>
          <input name="note" maxLength={500} />
        </label>
        <Show when={refused()}>
          {(list) => (
            <div class="form-error" role="alert" data-erasure="refused">
              <p>Effacement refusé (la demande et la raison sont enregistrées)&#8239;:</p>
              <ObstacleList list={list()} />
            </div>
          )}
        </Show>
        <Problems list={problems()} />
        <SaveButton saving={save.saving()}>Enregistrer la demande</SaveButton>
      </form>
    </Show>
  );
}

import { A, useParams, useSearchParams } from "@solidjs/router";
import { For, Match, Show, Switch, createEffect, createMemo, createResource, createSignal, onCleanup, onMount, untrack } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import { dateOfInstant, todayIn } from "../../../shared/dates";
import { daysLate, promiseStatus } from "../../../shared/floor/due";
import { bestHourToCall, priorityOf } from "../../../shared/engine/priority";
import type { SessionUser } from "../../../shared/schemas/auth";
import type { DebtorDoc, DocUnit } from "../../../shared/schemas/debtor-doc";
import { AppBar } from "../../components/AppBar";
import { DaysLateBadge, LevelBadge, PadlockIcon, StageLabel } from "../../components/Badges";
import { PhotoPicker, PhotoStrip, useDrafts, usePendingCount } from "../../components/Photos";
import { FormError } from "../../components/FormError";
import { ActionButton, SaveButton, useSaving } from "../../components/Saving";
import { Sheet } from "../../components/Sheet";
import { LiveWait } from "../../components/LiveWait";
import { counted, formatDateFr, formatEuros, formatInstantShort, smsHref, telHref } from "../../format";
import { PAYMENT_METHOD_LABEL, SEGMENT_LABEL, TASK_LABEL } from "../../labels";
import { settings, user } from "../../session";
import { act, onAction, preloadRecorder, type ActionProgress } from "../../store";
import { useDebtorRow } from "../../store/queries";
import { concerns, shown } from "../../store/views";
import { applyToDoc } from "../../../shared/floor/apply";
import { CallSheet, MessageChoices } from "./CallSheet";
import { PromiseForm, TextForm } from "./forms";
import { CloseCaseForm, PaymentPlanForm } from "./OfficeForms";
import { OfficeActions } from "./OfficeActions";
import { FullHistory } from "./FullHistory";
import { BillingLog } from "./BillingLog";
import { PrivacyCard } from "../privacy/PrivacyCard";
import { CaseFileCard } from "./CaseFile";
import { safeReturnPath } from "../../return-path";
import { HistoryList } from "./History";
import { PadlockSheet } from "./PadlockSheet";
import { KeepingAndBasis, useClearingGate } from "./Disposal";
import { DISPOSAL_METHODS, type DisposalMethod } from "../../../shared/floor/opening";
import { NOTE_MAX_CHARS } from "../../../shared/schemas/limits";
import { LimitedText, tooLong } from "../../components/LimitedText";

const DISPOSAL_LABEL: Record<DisposalMethod, string> = { dump: "Benne", sale: "Vente", charity: "Don" };

type Panel = "call" | "note" | "answer" | "promise" | "message" | "log" | "full" | "plan" | "close" | { padlock: DocUnit; on: boolean } | { clear: DocUnit } | null;

export function DebtorPage() {
  const params = useParams<{ customerId: string }>();
  // Reached from the follow-up table, the back arrow returns to it with its filters (`retour=`).
  const [search] = useSearchParams<{ retour?: string }>();
  const row = useDebtorRow(() => params.customerId);
  // Each change brings a whole new copy of the debtor from the store; reconciled into a Solid store, only what
  // differs is redrawn (a new history line is one <li> added, not the page rebuilt), which keeps a tap's answer
  // within a frame.
  const [shownDoc, setShownDoc] = createStore<{ doc: DebtorDoc | null }>({ doc: null });
  // The plain copy behind the store: what an action being saved is drawn onto.
  let plain: DebtorDoc | null = null;
  const show = (doc: DebtorDoc | null) => {
    plain = doc;
    setShownDoc("doc", doc ? reconcile(doc, { key: "id" }) : null);
  };
  // The actions drawn but not yet committed: their lines say « en cours d'enregistrement », never « en attente
  // d'envoi » (that is said once stored). Kept over any copy the store brings meanwhile (a sync landing), so a
  // line never disappears between the tap and its commit; one the copy already holds is not laid twice.
  const [inFlight, setInFlight] = createSignal<ReadonlyMap<string, Extract<ActionProgress, { phase: "saving" }>>>(new Map());
  const saving = createMemo(() => new Set(inFlight().keys()));
  const withInFlight = (doc: DebtorDoc) =>
    [...inFlight().values()].reduce((d, f) => (d.history.some((h) => h.id === f.mutation.id) ? d : applyToDoc(d, f.mutation, f.actor)), doc);
  const settle = (id: string) =>
    setInFlight((m) => {
      const rest = new Map(m);
      rest.delete(id);
      return rest;
    });
  createEffect(() => {
    const r = row();
    show(r ? untrack(() => withInFlight(shown(r))) : null);
  });
  // An action taken here shows as soon as it is checked, then as stored; the live query brings the same row a
  // moment later.
  onCleanup(
    onAction((p) => {
      if (p.phase === "saving" && plain && concerns(plain, p.mutation)) {
        setInFlight((m) => new Map(m).set(p.mutation.id, p));
        show(applyToDoc(plain, p.mutation, p.actor));
      } else if (p.phase === "saved" && p.row.customerId === params.customerId) {
        settle(p.mutation.id);
        show(withInFlight(shown(p.row)));
      } else if (p.phase === "failed" && inFlight().has(p.mutation.id)) {
        settle(p.mutation.id);
        const r = row();
        show(r ? withInFlight(shown(r)) : null);
      }
    }),
  );
  return (
    <>
      <AppBar title={row() ? shown(row()!).name : "Débiteur"} subtitle={row() ? shown(row()!).ref : undefined} back={safeReturnPath(search.retour)} />
      <main class="page with-status-bar">
        <Switch>
          <Match when={row() === undefined}>
            <LiveWait live={row} />
          </Match>
          <Match when={row() === null}>
            <div class="empty">
              <p>Ce client n'est pas suivi sur vos sites, ou pas encore arrivé sur ce téléphone.</p>
            </div>
          </Match>
          <Match when={row() && shownDoc.doc && user()}>
            <DebtorView doc={shownDoc.doc!} user={user()!} saving={saving()} />
          </Match>
        </Switch>
      </main>
    </>
  );
}

function DebtorView(props: { doc: DebtorDoc; user: SessionUser; saving: ReadonlySet<string> }) {
  const d = () => props.doc;
  const [panel, setPanel] = createSignal<Panel>(null);
  const close = () => setPanel(null);
  const today = () => todayIn(settings().timeZone);
  const late = () => daysLate(d(), today());
  const openTasks = () => d().tasks.filter((t) => t.status === "open");
  const unitNumber = (id: string | null) => d().units.find((u) => u.id === id)?.number;
  onMount(preloadRecorder);
  const priority = () => priorityOf(d(), today());
  const bestHour = () => bestHourToCall(d(), settings().timeZone);

  return (
    <>
      <section class="card hero">
        <div class="hero-amount">
          <span class="label">Solde dû</span>
          <strong class={d().balanceCents > 0 ? "owed" : "settled"}>{formatEuros(d().balanceCents)}</strong>
        </div>
        <div class="hero-case">
          <Show when={late() !== null} fallback={<span class="badge ok">Dossier soldé</span>}>
            <DaysLateBadge days={late()!} />
          </Show>
          <Show when={d().case}>
            {(k) => (
              <>
                <LevelBadge level={k().level} />
                <StageLabel stage={k().stage ?? null} />
              </>
            )}
          </Show>
        </div>
        <Show when={d().promise}>
          {(p) => (
            <p class={`promise-note ${promiseStatus(d(), today())}`}>
              {promiseStatus(d(), today()) === "broken"
                ? `Promesse non tenue : ${formatEuros(p().amountCents)} pour le ${formatDateFr(p().promisedOn)}`
                : `Promesse : ${formatEuros(p().amountCents)} le ${formatDateFr(p().promisedOn)}`}
            </p>
          )}
        </Show>
        <Show when={d().stop}>
          <p class="stop-note">Client en STOP&#8239;: aucune relance automatique.</p>
        </Show>
        <Show when={d().dispute}>
          {(x) => (
            <p class="stop-note" data-testid="dispute-note">
              En litige depuis le {formatDateFr(dateOfInstant(x().since, settings().timeZone))}&#8239;: aucune relance ni message. {x().note}
            </p>
          )}
        </Show>
        <Show when={d().handedOverAt}>
          <p class="stop-note">Transmis au contentieux&#8239;: plus de relance, le dossier est suivi par le bureau.</p>
        </Show>
        <Show when={d().phone} fallback={<span class="button disabled big">Pas de téléphone</span>}>
          {(phone) => (
            <a class="button primary big" href={telHref(phone())} onClick={() => setPanel("call")}>
              Appeler le {phone()}
            </a>
          )}
        </Show>
        <Show when={bestHour()}>
          {(h) => (
            <p class="hint">
              Joignable plutôt entre {h().from} h et {h().to} h ({counted(h().answered, "appel abouti", "appels aboutis")} à ces heures)
            </p>
          )}
        </Show>
        <Show when={priority().parts.length > 0}>
          <p class="hint priority-why">
            Priorité {priority().total}&#8239;: {priority().parts.map((p) => `${p.reason} (+${p.points})`).join(", ")}
          </p>
        </Show>
        <div class="quick-actions">
          <button type="button" class="button secondary" onClick={() => setPanel("call")}>
            Noter un appel
          </button>
          <button type="button" class="button secondary" onClick={() => setPanel("promise")}>
            Promesse
          </button>
          <button type="button" class="button secondary" onClick={() => setPanel("message")}>
            SMS / e-mail
          </button>
          <button type="button" class="button secondary" onClick={() => setPanel("answer")}>
            Réponse client
          </button>
          <button type="button" class="button secondary" onClick={() => setPanel("note")}>
            Note
          </button>
        </div>
      </section>

      <Show when={openTasks().length > 0}>
        <section class="card">
          <h2>À faire</h2>
          <ul class="plain-list">
            <For each={openTasks()}>
              {(t) => (
                <li class="task">
                  <div>
                    <strong>
                      {TASK_LABEL[t.kind]}
                      <Show when={unitNumber(t.unitId ?? null)}> · {unitNumber(t.unitId ?? null)}</Show>
                    </strong>
                    <span class="task-date">depuis le {formatDateFr(t.dueOn)}</span>
                    <Show when={t.note}>{(note) => <span class="task-note">{note()}</span>}</Show>
                  </div>
                  <Show
                    when={t.kind !== "open_box"}
                    fallback={
                      <Show when={props.user.role === "manager" && t.unitId} fallback={<span class="muted task-hint">Ouverture par le Manager</span>}>
                        <A class="button secondary small" href={`/debiteurs/${d().customerId}/ouverture/${t.unitId}`}>
                          Ouvrir
                        </A>
                      </Show>
                    }
                  >
                    <ActionButton class="button secondary small" action={() => act("task.done", { taskId: t.id })}>
                      Fait
                    </ActionButton>
                  </Show>
                </li>
              )}
            </For>
          </ul>
        </section>
      </Show>

      <section class="card">
        <h2>Box</h2>
        <ul class="plain-list">
          <For each={d().units}>
            {(u) => (
              <li class="unit">
                <div class="row-line">
                  <strong class="unit-number">
                    {u.number}
                    <Show when={u.padlock === "second_padlock"}>
                      <PadlockIcon />
                    </Show>
                  </strong>
                  <span class="muted">
                    {u.siteCode} · bât. {u.building ?? "—"} · allée {u.aisle ?? "—"}
                  </span>
                </div>
                <Show when={u.contractEnded}>{(end) => <span class="muted">Contrat terminé le {formatDateFr(end())}</span>}</Show>
                {/* An opened box is out of the padlock procedure: it carries the Manager's new padlock. */}
                <Show when={!u.opening}>
                  <div class="unit-actions">
                    <Show
                      when={u.padlock === "second_padlock"}
                      fallback={
                        <button type="button" class="button secondary" onClick={() => setPanel({ padlock: u, on: true })}>
                          Poser le double cadenas
                        </button>
                      }
                    >
                      <button type="button" class="button secondary on" onClick={() => setPanel({ padlock: u, on: false })}>
                        Retirer le double cadenas
                      </button>
                    </Show>
                    <Show
                      when={u.gate === "suspended"}
                      fallback={
                        <ActionButton class="button secondary" action={() => act("gate.suspended", { unitId: u.id })}>
                          Suspendre le code
                        </ActionButton>
                      }
                    >
                      <ActionButton class="button secondary on" action={() => act("gate.restored", { unitId: u.id })}>
                        Rétablir le code
                      </ActionButton>
                    </Show>
                  </div>
                  <div class="row-line states">
                    <span class={u.padlock === "second_padlock" ? "state on" : "state"}>{u.padlock === "second_padlock" ? "Double cadenas posé" : "Sans double cadenas"}</span>
                    <span class={u.gate === "suspended" ? "state on" : "state"}>{u.gate === "suspended" ? "Code suspendu" : "Code actif"}</span>
                  </div>
                </Show>
                <Show
                  when={u.opening}
                  fallback={
                    <Show when={props.user.role === "manager" && (u.contractEnded || openTasks().some((t) => t.kind === "open_box" && t.unitId === u.id))}>
                      <A class="button secondary block" href={`/debiteurs/${d().customerId}/ouverture/${u.id}`}>
                        Ouverture du box (procédure)
                      </A>
                    </Show>
                  }
                >
                  {(o) => (
                    <OpeningState
                      opening={o()}
                      unit={u}
                      caseId={d().case?.id ?? null}
                      canClear={props.user.role === "manager"}
                      canEnterBasis={props.user.role !== "site_manager"}
                      onClear={() => setPanel({ clear: u })}
                    />
                  )}
                </Show>
              </li>
            )}
          </For>
        </ul>
      </section>

      <section class="card">
        <h2>Historique</h2>
        <Show when={d().history.length > 0} fallback={<p class="muted">Aucune action enregistrée.</p>}>
          <HistoryList doc={d()} user={props.user} saving={props.saving} />
        </Show>
        <div class="history-actions">
          <button type="button" class="button ghost" onClick={() => setPanel("full")}>
            Tout l'historique
          </button>
          <button type="button" class="button ghost" onClick={() => setPanel("log")}>
            Journal au format WBM
          </button>
        </div>
      </section>

      <section class="card invoices-card">
        <h2>Factures impayées</h2>
        <Show when={d().invoices.length > 0} fallback={<p class="muted">Aucune facture impayée.</p>}>
          <table class="invoices">
            <thead>
              <tr>
                <th scope="col">Échéance</th>
                <th scope="col">Facture</th>
                <th scope="col" class="num">Montant</th>
                <th scope="col" class="num">Reste</th>
              </tr>
            </thead>
            <tbody>
              <For each={d().invoices}>
                {(i) => (
                  <tr class="unpaid">
                    <td data-label="Échéance">{formatDateFr(i.dueDate)}</td>
                    <td class="ref">{i.ref}</td>
                    <td class="num" data-label="Montant">{formatEuros(i.amountCents)}</td>
                    <td class="num rest" data-label="Reste">{formatEuros(i.amountCents - i.paidCents)}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </Show>
      </section>

      <Show when={props.user.role !== "site_manager" && d().case?.status === "open"}>
        <section class="card">
          <h2>Dossier</h2>
          <div class="quick-actions">
            <button type="button" class="button secondary" onClick={() => setPanel("plan")}>
              Échéancier
            </button>
            <button type="button" class="button secondary" onClick={() => setPanel("close")}>
              Clôturer
            </button>
          </div>
        </section>
      </Show>

      <Show when={props.user.role !== "site_manager"}><OfficeActions doc={d()} /></Show>
      <Show when={props.user.role !== "site_manager" && d().case}>
        {(k) => (
          <section class="card">
            <h2>Preuves</h2>
            <EvidenceCheck caseId={k().id} />
            <p class="hint">Chronologie, courriers, enregistrements de preuve et photos avec leur empreinte SHA-256.</p>
            <div class="quick-actions">
              <a class="button secondary" href={`/api/cases/${k().id}/evidence-pack.pdf`} download="">
                Dossier PDF
              </a>
              <a class="button secondary" href={`/api/cases/${k().id}/evidence-pack.zip`} download="">
                Photos (ZIP)
              </a>
            </div>
          </section>
        )}
      </Show>

      <CaseFileCard customerId={d().customerId} caseId={d().case?.id ?? null} caseOpen={d().case?.status === "open"} role={props.user.role} hasEmail={Boolean(d().email)} handedOverAt={d().handedOverAt ?? null} />

      <section class="card">
        <h2>Coordonnées</h2>
        <dl class="facts">
          <dt>Téléphone</dt>
          <dd>
            <Show when={d().phone} fallback="—">
              {(phone) => (
                <span class="contact-links">
                  {/* The call is noted like the big button's: the call sheet opens while the phone dials. */}
                  <a class="contact-link" href={telHref(phone())} onClick={() => setPanel("call")}>
                    {phone()}
                  </a>
                  <a class="contact-link" href={smsHref(phone())} aria-label={`SMS au ${phone()}`}>
                    SMS
                  </a>
                </span>
              )}
            </Show>
          </dd>
          <dt>E-mail</dt>
          <dd class="break">
            <Show when={d().email} fallback="—">
              {(email) => (
                <a class="contact-link" href={`mailto:${email()}`}>
                  {email()}
                </a>
              )}
            </Show>
          </dd>
          <dt>Adresse</dt>
          <dd>{[d().address, [d().postalCode, d().city].filter(Boolean).join(" ")].filter(Boolean).join(", ") || "—"}</dd>
          <dt>Paiement</dt>
          <dd>{PAYMENT_METHOD_LABEL[d().paymentMethod]}</dd>
          <dt>Scénario</dt>
          <dd>{SEGMENT_LABEL[d().segment]}</dd>
          <dt>Type</dt>
          <dd>{d().kind === "company" ? "Société" : "Particulier"}</dd>
        </dl>
      </section>

      <Show when={props.user.role === "office"}>
        <PrivacyCard customerId={d().customerId} />
      </Show>

      <CallSheet doc={d()} user={props.user} open={panel() === "call"} onClose={close} />
      <Sheet title="Promesse de paiement" open={panel() === "promise"} onClose={close}>
        <PromiseForm doc={d()} onDone={close} />
      </Sheet>
      <Sheet title="SMS / e-mail" open={panel() === "message"} onClose={close}>
        <MessageChoices doc={d()} user={props.user} onSent={close} />
      </Sheet>
      <Sheet title="Réponse du client" open={panel() === "answer"} onClose={close}>
        <TextForm label="Ce que le client a dit" placeholder="ex. : je passerai payer lundi" onSubmit={(text) => act("answer.logged", { customerId: d().customerId, text })} onDone={close} />
      </Sheet>
      <Show when={props.user.role !== "site_manager"}>
        <Sheet title="Échéancier" open={panel() === "plan"} onClose={close}>
          <PaymentPlanForm doc={d()} onDone={close} />
        </Sheet>
        <Sheet title="Clôturer le dossier" open={panel() === "close"} onClose={close}>
          <CloseCaseForm doc={d()} onDone={close} />
        </Sheet>
      </Show>
      <Sheet title="Note" open={panel() === "note"} onClose={close}>
        <TextForm label="Note" onSubmit={(text) => act("note.added", { customerId: d().customerId, text })} onDone={close} />
      </Sheet>
      <Show when={(() => {
        const p = panel();
        return p && typeof p === "object" && "padlock" in p ? p : null;
      })()}>
        {(p) => <PadlockSheet unit={p().padlock} on={p().on} onClose={close} />}
      </Show>
      <Show when={(() => {
        const p = panel();
        return p && typeof p === "object" && "clear" in p ? p.clear : null;
      })()}>
        {(u) => <ClearSheet unit={u()} onClose={close} />}
      </Show>
      <Sheet title="Tout l'historique" open={panel() === "full"} onClose={close}>
        <FullHistory customerId={d().customerId} />
      </Sheet>
      <Sheet title="Journal au format WBM" open={panel() === "log"} onClose={close}>
        <BillingLog doc={d()} />
      </Sheet>
    </>
  );
}

interface EvidenceIntegrity {
  ok: boolean;
  records: number;
  photosPending: string[];
  problems: string[];
}

/** The server's check of the case's evidence chain, for the office (needs the network; says so without it). */
function EvidenceCheck(props: { caseId: string }) {
  const [check] = createResource(
    () => props.caseId,
    async (id) => {
      const { apiGet } = await import("../../api");
      return (await apiGet<{ integrity: EvidenceIntegrity }>(`/cases/${id}/evidence`)).integrity;
    },
  );
  return (
    <Switch>
      <Match when={check.error}>
        <p class="muted">
          {(check.error as { code?: string }).code === "NETWORK"
            ? "Vérification des preuves : pas de réseau pour l'instant."
            : `Vérification des preuves impossible : ${(check.error as Error).message}`}
        </p>
      </Match>
      <Match when={check()}>
        {(c) => (
          <Show
            when={c().ok}
            fallback={
              <div class="form-error" role="alert">
                <p>Chaîne de preuves altérée&#8239;:</p>
                <ul>
                  <For each={c().problems}>{(p) => <li>{p}</li>}</For>
                </ul>
              </div>
            }
          >
            <Show when={c().records > 0} fallback={<p class="muted">Aucun enregistrement de preuve pour l'instant (photos de cadenas, ouverture).</p>}>
              <p class="evidence-ok">
                Chaîne de preuves intègre ({c().records} enregistrement{c().records > 1 ? "s" : ""})
                <Show when={c().photosPending.length > 0}>
                  {" "}
                  · {c().photosPending.length} photo{c().photosPending.length > 1 ? "s" : ""} pas encore reçue{c().photosPending.length > 1 ? "s" : ""}
                </Show>
              </p>
            </Show>
          </Show>
        )}
      </Match>
    </Switch>
  );
}

/**
 * An opened box: its evidence, whether every photo and signature has reached the server, how long the contents are
 * kept and on what legal basis they may go, and the clearing once all of it allows (`clearingRefusal`).
 */
function OpeningState(props: { opening: NonNullable<DocUnit["opening"]>; unit: DocUnit; caseId: string | null; canClear: boolean; canEnterBasis: boolean; onClear: () => void }) {
  const signatures = () => (props.opening.signatures ? [props.opening.signatures.witness, props.opening.signatures.inventory] : []);
  const shas = () => [...props.opening.photos.map((p) => p.sha256), ...signatures()];
  const pending = usePendingCount(shas, () => props.opening.missing);
  const gate = useClearingGate(() => props.opening);
  return (
    <div class="opening-state">
      <p>
        <strong>Box ouvert</strong> le {formatInstantShort(props.opening.openedAt)} ({props.opening.initials})
      </p>
      <PhotoStrip photos={shas()} serverMissing={props.opening.missing} />
      <Show
        when={(pending() ?? 1) === 0}
        fallback={
          <p class="evidence-pending" role="status">
            Preuves en cours d'envoi{pending() ? ` : ${pending()} photo${pending()! > 1 ? "s" : ""} ou signature${pending()! > 1 ? "s" : ""}` : ""}
          </p>
        }
      >
        <p class="evidence-ok">Preuves reçues par le serveur ✓</p>
      </Show>
      <KeepingAndBasis opening={props.opening} unit={props.unit} caseId={props.caseId} canEnter={props.canEnterBasis} />
      <Show
        when={props.opening.clearedAt}
        fallback={
          <Show when={props.canClear}>
            <button type="button" class="button secondary block" disabled={(pending() ?? 1) > 0 || gate.refusal() !== null} onClick={() => props.onClear()}>
              Enlèvement du contenu
            </button>
            <Show when={(pending() ?? 1) > 0}>
              <p class="hint">L'enlèvement attend que toutes les photos et signatures de l'ouverture soient arrivées.</p>
            </Show>
            <Show when={gate.refusal()}>{(r) => <p class="hint" data-refusal={r().code}>{r().message}</p>}</Show>
          </Show>
        }
      >
        {(at) => <p class="muted">Contenu enlevé le {formatInstantShort(at())}</p>}
      </Show>
    </div>
  );
}

/** Disposing of an opened box's contents (mise à la benne, vente, don), with optional photos of the empty box. */
function ClearSheet(props: { unit: DocUnit; onClose: () => void }) {
  const draftKey = () => `clear:${props.unit.id}`;
  const drafts = useDrafts(draftKey);
  const save = useSaving();
  const [method, setMethod] = createSignal<DisposalMethod>("dump");
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const note = String(new FormData(e.currentTarget as HTMLFormElement).get("note") ?? "").trim();
    void save.run(async () => {
      const long = tooLong(note.length, NOTE_MAX_CHARS);
      if (long) return save.fail(long);
      const photos = (drafts() ?? []).map((p) => p.sha256);
      await act("box.cleared", { unitId: props.unit.id, method: method(), ...(photos.length ? { photos } : {}), ...(note ? { note } : {}) });
      props.onClose();
    });
  };
  return (
    <Sheet title={`Enlèvement du contenu · box ${props.unit.number}`} open onClose={props.onClose}>
      <form class="sheet-form" onSubmit={submit}>
        <div class="segmented disposal-method" role="group" aria-label="Sort des biens">
          <For each={DISPOSAL_METHODS}>
            {(m) => (
              <button type="button" aria-pressed={method() === m} onClick={() => setMethod(m)}>
                {DISPOSAL_LABEL[m]}
              </button>
            )}
          </For>
        </div>
        <PhotoPicker draftKey={draftKey()} label="Photo du box vide" photos={drafts() ?? []} />
        <LimitedText label="Remarque (facultatif)" name="note" rows={3} max={NOTE_MAX_CHARS} />
        <FormError message={save.error()} />
        <SaveButton saving={save.saving()}>Enregistrer l'enlèvement</SaveButton>
      </form>
    </Sheet>
  );
}

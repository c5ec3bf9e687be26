import { For, Show, createResource, createSignal } from "solid-js";
import { RECIPIENT_KIND_LABEL, type HandOverRow, type RecipientsResponse } from "../../../shared/schemas/hand-over";
import type { StatementEmailResponse } from "../../../shared/schemas/statement";
import type { Role } from "../../../shared/enums";
import { apiGet, apiPost } from "../../api";
import { FormError } from "../../components/FormError";
import { SaveButton, useSaving } from "../../components/Saving";
import { Sheet } from "../../components/Sheet";
import { formatDateFr, formatEuros } from "../../format";
import "./case-file.css";

/**
 * The case file's documents on the debtor's page (online: the server makes them): the statement of account as a PDF,
 * sent by e-mail through the outbox (office and Manager), and — for the office — the hand-over to a bailiff or a
 * collection agency. Each says what happened: an e-mail is *queued*, not sent; a hand-over gives its ZIP.
 */
export function CaseFileCard(props: { customerId: string; caseId: string | null; caseOpen: boolean; role: Role; hasEmail: boolean; handedOverAt: string | null }) {
  const [handing, setHanding] = createSignal(false);
  const [handed, setHanded] = createSignal<HandOverRow | null>(null);
  return (
    <section class="card case-file" data-case-file={handed() ? "handed-over" : "open"}>
      <h2>Relevé et contentieux</h2>
      <p class="hint">Le relevé de compte liste les factures, paiements et avoirs avec le solde à ce jour.</p>
      <div class="quick-actions">
        <a class="button secondary" href={`/api/customers/${props.customerId}/statement.pdf`} download="" data-testid="statement-pdf">
          Relevé de compte (PDF)
        </a>
        <Show when={props.role !== "site_manager"}>
          <StatementEmailButton customerId={props.customerId} hasEmail={props.hasEmail} />
        </Show>
      </div>
      <Show when={props.handedOverAt && !handed()}>
        <p class="hand-over-done" role="status" data-hand-over-state="done">
          Transmis au contentieux le {formatDateFr(props.handedOverAt!.slice(0, 10))}. <a href="/contentieux">Voir les dossiers transmis</a>
        </p>
      </Show>
      <Show when={props.role === "office" && props.caseId && props.caseOpen && !props.handedOverAt}>
        <Show
          when={handed()}
          fallback={
            <button type="button" class="button danger block" data-testid="hand-over-open" onClick={() => setHanding(true)}>
              Transmettre au contentieux
            </button>
          }
        >
          {(h) => (
            <p class="hand-over-done" role="status" data-hand-over-state="done">
              Transmis au contentieux le {formatDateFr(h().handedOn)} à {h().recipient.name} ({formatEuros(h().amountCents)} dus).{" "}
              <a href={`/api/hand-overs/${h().id}/zip`} download="">
                Télécharger le dossier (ZIP)
              </a>
            </p>
          )}
        </Show>
        <Sheet title="Transmettre au contentieux" open={handing()} onClose={() => setHanding(false)}>
          <HandOverForm
            caseId={props.caseId!}
            onDone={(row) => {
              setHanded(row);
              setHanding(false);
            }}
          />
        </Sheet>
      </Show>
    </section>
  );
}

function StatementEmailButton(props: { customerId: string; hasEmail: boolean }) {
  const save = useSaving();
  const [queued, setQueued] = createSignal<StatementEmailResponse | null>(null);
  const state = () => (save.saving() ? "saving" : queued() ? (queued()!.alreadyQueued ? "already" : "queued") : save.error() ? "error" : "idle");
  return (
    <div class="statement-email" data-statement-email={state()}>
      <SaveButton
        type="button"
        class="button secondary"
        saving={save.saving()}
        savingLabel="Mise en file…"
        disabled={!props.hasEmail}
        onClick={() => void save.run(async () => setQueued(await apiPost<StatementEmailResponse>(`/customers/${props.customerId}/statement/email`, {})))}
      >
        Envoyer le relevé par e-mail
      </SaveButton>
      <Show when={!props.hasEmail}>
        <p class="hint">Pas d'adresse e-mail&#8239;: imprimez le relevé.</p>
      </Show>
      <Show when={queued()}>
        {(q) => (
          <p class="hint" role="status">
            {q().alreadyQueued
              ? `Déjà en file d'envoi pour ${q().recipient} (relevé au ${formatDateFr(q().at)}) : rien de plus n'est envoyé.`
              : `Courriel mis en file d'envoi pour ${q().recipient}, avec le relevé au ${formatDateFr(q().at)} : il part au prochain passage de l'envoi.`}
          </p>
        )}
      </Show>
      <FormError message={save.error()} />
    </div>
  );
}

function HandOverForm(props: { caseId: string; onDone: (row: HandOverRow) => void }) {
  const [list] = createResource(() => apiGet<RecipientsResponse>("/hand-over-recipients"));
  const active = () => (list()?.recipients ?? []).filter((r) => !r.archivedAt);
  const [recipientId, setRecipientId] = createSignal<string | null>(null);
  const [note, setNote] = createSignal("");
  const [confirmed, setConfirmed] = createSignal(false);
  const save = useSaving();
  const submit = (e: Event) => {
    e.preventDefault();
    void save.run(async () => {
      if (!recipientId()) return save.fail("Choisissez à qui le dossier est transmis.");
      if (!confirmed()) return save.fail("Cochez la confirmation : la transmission ne peut pas être annulée.");
      props.onDone(await apiPost<HandOverRow>(`/cases/${props.caseId}/hand-over`, { recipientId: recipientId(), note: note().trim() || undefined }));
    });
  };
  return (
    <form class="form hand-over-form" onSubmit={submit} data-hand-over-state={save.saving() ? "saving" : "idle"}>
      <p class="hint">
        Un fichier ZIP est préparé (dossier de preuves, relevé de compte, courriers avec leur suivi et leur avis de réception, synthèse CSV). Ensuite, plus aucune
        relance automatique ni message ne part pour ce client, et ses données sont conservées pour motif légal.
      </p>
      <fieldset class="choices">
        <legend>Destinataire</legend>
        <Show when={!list.loading} fallback={<p class="muted">Chargement…</p>}>
          <Show when={active().length > 0} fallback={<p class="muted">Aucun destinataire&#8239;: ajoutez-en un dans Contentieux.</p>}>
            <For each={active()}>
              {(r) => (
                <label class="choice">
                  <input type="radio" name="recipient" value={r.id} checked={recipientId() === r.id} onChange={() => setRecipientId(r.id)} />
                  <span>
                    <strong>{r.name}</strong> — {RECIPIENT_KIND_LABEL[r.kind]}
                    <br />
                    <span class="muted">{r.address}</span>
                  </span>
                </label>
              )}
            </For>
          </Show>
        </Show>
      </fieldset>
      <label class="field">
        <span>Note (facultative)</span>
        <textarea rows="3" maxLength={1000} value={note()} onInput={(e) => setNote(e.currentTarget.value)} />
      </label>
      <label class="choice">
        <input type="checkbox" checked={confirmed()} onChange={(e) => setConfirmed(e.currentTarget.checked)} data-testid="hand-over-confirm" />
        <span>Je confirme la transmission de ce dossier au contentieux.</span>
      </label>
      <FormError message={save.error()} />
      <SaveButton saving={save.saving()} savingLabel="Préparation du dossier…" class="button danger block" disabled={save.saving()}>
        Transmettre
      </SaveButton>
    </form>
  );
}

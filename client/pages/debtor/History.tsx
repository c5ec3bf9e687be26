import { For, Show, createSignal } from "solid-js";
import { correctionRefusal } from "../../../shared/floor/corrections";
import { HISTORY_LISTED } from "../../../shared/floor/history";
import type { SessionUser } from "../../../shared/schemas/auth";
import type { DebtorDoc, DocHistory } from "../../../shared/schemas/debtor-doc";
import { FormError } from "../../components/FormError";
import { PhotoStrip } from "../../components/Photos";
import { SaveButton, useSaving } from "../../components/Saving";
import { Sheet } from "../../components/Sheet";
import { formatInstantShort } from "../../format";
import { ACTION_LABEL, OUTCOME_LABEL } from "../../labels";
import { settings } from "../../session";
import { act } from "../../store";

/**
 * The debtor's history on the phone, newest first. An entry its author cancelled as a mistake stays, struck
 * through, with who corrected it and when; the user's own notes, calls, answers and promises of today offer
 * "Corriger" (the same rule the server applies, so the button is not offered where the server would refuse).
 */
export function HistoryList(props: { doc: DebtorDoc; user: SessionUser; saving?: ReadonlySet<string> }) {
  const [correcting, setCorrecting] = createSignal<DocHistory | null>(null);
  /** Drawn before its transaction committed: not yet « en attente d'envoi ». */
  const beingSaved = (h: DocHistory) => props.saving?.has(h.id) ?? false;
  const correctable = (h: DocHistory) => correctionRefusal(h, { userId: props.user.id, at: new Date().toISOString() }, settings().timeZone) === null;
  return (
    <>
      <ol class="timeline">
        {/* The newest lines, as many as the server keeps whole on the phone; the older ones are in « Tout l'historique ». */}
        <For each={props.doc.history.slice(0, HISTORY_LISTED)}>
          {(h) => (
            <li
              classList={{ saving: beingSaved(h), pending: Boolean(h.pending) && !beingSaved(h), refused: Boolean(h.rejectedReason), corrected: Boolean(h.correctedAt) }}
              data-entry-id={h.id}
              data-corrected={h.correctedAt ? "true" : undefined}
            >
              <div class="timeline-head">
                <span class="kind">
                  {ACTION_LABEL[h.kind]}
                  <Show when={h.outcome}>{(o) => <> · {OUTCOME_LABEL[o()]}</>}</Show>
                </span>
                <span class="muted">
                  {h.initials} · {formatInstantShort(h.happenedAt)}
                </span>
              </div>
              <p>{h.text}</p>
              <Show when={h.photos?.length}>
                <PhotoStrip photos={h.photos!} />
              </Show>
              <Show when={h.pending}>
                <Show when={beingSaved(h)} fallback={<span class="flag pending">En attente d'envoi</span>}>
                  <span class="flag saving">En cours d'enregistrement</span>
                </Show>
              </Show>
              <Show when={h.rejectedReason}>
                <span class="flag refused">Non pris en compte&#8239;: {h.rejectedReason}</span>
              </Show>
              <CorrectedFlag entry={h} />
              <Show when={correctable(h)}>
                <button type="button" class="button secondary small correct-button" onClick={() => setCorrecting(h)}>
                  Corriger
                </button>
              </Show>
            </li>
          )}
        </For>
      </ol>
      <Show when={correcting()}>
        {(entry) => <CorrectSheet customerId={props.doc.customerId} entry={entry()} onClose={() => setCorrecting(null)} />}
      </Show>
    </>
  );
}

/**
 * Confirms a correction. It cancels the entry and nothing more: the right one is then recorded with the usual
 * form, which the user already knows, rather than a second copy of each form here.
 */
/** "Corrigé par VT le 22/11 à 10:00" under an entry its author cancelled. */
export function CorrectedFlag(props: { entry: Pick<DocHistory, "correctedAt" | "correctedBy"> }) {
  return (
    <Show when={props.entry.correctedAt}>
      {(at) => (
        <span class="flag corrected">
          Corrigé par {props.entry.correctedBy} le {formatInstantShort(at())}
        </span>
      )}
    </Show>
  );
}

function CorrectSheet(props: { customerId: string; entry: DocHistory; onClose: () => void }) {
  const save = useSaving();
  const confirm = () =>
    void save.run(async () => {
      await act("entry.corrected", { customerId: props.customerId, actionId: props.entry.id });
      props.onClose();
    });
  return (
    <Sheet title="Corriger une saisie" open onClose={props.onClose}>
      <div class="sheet-form">
        <div class="correct-original">
          <span class="kind">
            {ACTION_LABEL[props.entry.kind]} · {formatInstantShort(props.entry.happenedAt)}
          </span>
          <p>{props.entry.text}</p>
        </div>
        <p class="hint">
          Cette saisie restera dans l'historique, barrée, avec votre nom et l'heure&#8239;; elle ne comptera plus
          {props.entry.kind === "promise" ? " (la promesse ne suspend plus les relances)" : ""}. Saisissez ensuite la bonne information.
        </p>
        <FormError message={save.error()} />
        <SaveButton type="button" saving={save.saving()} onClick={confirm}>
          Oui, annuler cette saisie
        </SaveButton>
        <button type="button" class="button ghost block" onClick={() => props.onClose()}>
          Non, la garder
        </button>
      </div>
    </Sheet>
  );
}

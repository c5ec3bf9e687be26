import { v7 as uuidv7 } from "uuid";
import { Show, createSignal } from "solid-js";
import type { DebtorDoc } from "../../../shared/schemas/debtor-doc";
import type { OfficeState } from "../../../shared/schemas/office-actions";
import { ApiError, apiPut } from "../../api";
import { Sheet } from "../../components/Sheet";
import { syncNow } from "../../store";
import { sendBulk } from "../follow-up/bulk-api";

// The office's and the Manager's decisions on one debtor, online (the server checks and records them at once, the
// phone's copy follows at the next sync): dispute on / off, stop / resume — each with a note for the history.

type Decision = "dispute" | "lift" | "stop" | "resume";
const TITLE: Record<Decision, string> = { dispute: "Mettre en litige", lift: "Lever le litige", stop: "Mettre en stop", resume: "Reprendre les relances" };

export function OfficeActions(props: { doc: DebtorDoc }) {
  const [open, setOpen] = createSignal<Decision | null>(null);
  const [done, setDone] = createSignal<string | null>(null);
  return (
    <section class="card" data-office-actions>
      <h2>Décisions du bureau</h2>
      <div class="quick-actions">
        <Show
          when={props.doc.dispute}
          fallback={
            <button type="button" class="button secondary" onClick={() => setOpen("dispute")}>
              Mettre en litige
            </button>
          }
        >
          <button type="button" class="button secondary" onClick={() => setOpen("lift")}>
            Lever le litige
          </button>
        </Show>
        <Show
          when={props.doc.stop}
          fallback={
            <button type="button" class="button secondary" onClick={() => setOpen("stop")}>
              Mettre en stop
            </button>
          }
        >
          <button type="button" class="button secondary" onClick={() => setOpen("resume")}>
            Reprendre
          </button>
        </Show>
      </div>
      <Show when={done()}>
        <p class="notice ok" role="status">
          {done()}
        </p>
      </Show>
      <Sheet title={TITLE[open() ?? "dispute"]} open={open() !== null} onClose={() => setOpen(null)}>
        <DecisionForm
          decision={open()!}
          customerId={props.doc.customerId}
          onDone={(text) => {
            setDone(text);
            setOpen(null);
            syncNow();
          }}
        />
      </Sheet>
    </section>
  );
}

function DecisionForm(props: { decision: Decision; customerId: string; onDone: (text: string) => void }) {
  const [working, setWorking] = createSignal(false);
  const [problem, setProblem] = createSignal<string | null>(null);
  const requestId = uuidv7();
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    if (working()) return;
    const note = String(new FormData(e.currentTarget as HTMLFormElement).get("note") ?? "").trim();
    if (note.length < 3) return setProblem("Écrivez une note (3 caractères au moins).");
    setWorking(true);
    setProblem(null);
    try {
      if (props.decision === "dispute" || props.decision === "lift") {
        await apiPut<OfficeState>(`/customers/${props.customerId}/dispute`, { dispute: props.decision === "dispute", note });
        props.onDone(props.decision === "dispute" ? "Client mis en litige : plus de relance ni de message." : "Litige levé.");
      } else {
        const outcome = await sendBulk({ ids: [props.customerId] }, { kind: props.decision, note }, requestId);
        if ("done" in outcome) props.onDone(props.decision === "stop" ? "Client mis en stop : plus de relance automatique." : "Relances reprises.");
        else setProblem("refused" in outcome ? outcome.refused.map((r) => r.reason).join(" ") : outcome.error);
      }
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : "La décision n'a pas pu être enregistrée.");
    } finally {
      setWorking(false);
    }
  };
  return (
    <form class="sheet-form" onSubmit={submit} novalidate>
      <label class="field">
        <span>Note (visible dans l'historique)</span>
        <textarea name="note" rows="3" maxLength={500} required placeholder={props.decision === "dispute" ? "ex. : conteste la facture de mars" : "ex. : accord trouvé avec le client"} />
      </label>
      <Show when={problem()}>
        <p class="form-error" role="alert">
          {problem()}
        </p>
      </Show>
      <button type="submit" class="button primary block" disabled={working()} aria-busy={working()}>
        {working() ? "En cours…" : TITLE[props.decision]}
      </button>
    </form>
  );
}

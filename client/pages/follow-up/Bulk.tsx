import { useQuery } from "@tanstack/solid-query";
import { v7 as uuidv7 } from "uuid";
import { For, Show, createSignal, type JSX } from "solid-js";
import { SEGMENTS } from "../../../shared/enums";
import type { BulkAction } from "../../../shared/schemas/office-actions";
import type { TemplatesResponse } from "../../../shared/schemas/templates";
import { apiGet } from "../../api";
import { sendBulk, type Outcome, type Selection } from "./bulk-api";

export type { Selection };
import { Sheet } from "../../components/Sheet";
import { SEGMENT_LABEL } from "../../labels";
import { counted, plural } from "../../format";

/**
 * The follow-up table's bulk actions: a toolbar when rows are ticked (or "every row of the view" is chosen), each
 * action asking what it needs in a small dialog, sent to the server all or nothing. The outcome is said in words:
 * how many were done, or each refused customer and why (nothing changed then).
 */

type Kind = BulkAction["kind"];
const ACTIONS: { kind: Kind; label: string }[] = [
  { kind: "stop", label: "Mettre en stop" },
  { kind: "resume", label: "Reprendre" },
  { kind: "dispute", label: "Litige" },
  { kind: "scenario", label: "Changer de scénario" },
  { kind: "template", label: "Envoyer un modèle" },
  { kind: "task", label: "Tâche pour le terrain" },
];

export function BulkBar(props: { selection: Selection; count: number; onClear: () => void; onDone: () => void }) {
  const [open, setOpen] = createSignal<Kind | null>(null);
  const [outcome, setOutcome] = createSignal<Outcome | null>(null);
  const label = () => ACTIONS.find((a) => a.kind === open())?.label ?? "";
  return (
    <div class="fu-bulk" role="toolbar" aria-label="Actions sur la sélection" data-bulk-count={props.count}>
      <span class="fu-bulk-count">
        <strong>{props.count}</strong> {plural(props.count, "client sélectionné", "clients sélectionnés")}
      </span>
      <For each={ACTIONS}>
        {(a) => (
          <button type="button" class="button secondary" data-bulk-action={a.kind} onClick={() => { setOutcome(null); setOpen(a.kind); }}>
            {a.label}
          </button>
        )}
      </For>
      <button type="button" class="button secondary" onClick={() => props.onClear()}>
        Désélectionner
      </button>
      <Show when={outcome()}>{(o) => <OutcomeText outcome={o()} />}</Show>
      <Sheet title={`${label()} — ${counted(props.count, "client")}`} open={open() !== null} onClose={() => setOpen(null)}>
        <BulkForm
          kind={open()!}
          selection={props.selection}
          count={props.count}
          onOutcome={(o) => {
            setOutcome(o);
            if ("done" in o) {
              setOpen(null);
              props.onDone();
            }
          }}
        />
      </Sheet>
    </div>
  );
}

function OutcomeText(props: { outcome: Outcome }) {
  const o = props.outcome;
  if ("done" in o) {
    return (
      <p class="fu-bulk-outcome notice ok" role="status" data-bulk-outcome="done" data-bulk-done={o.done}>
        Fait pour {counted(o.done, "client")}{o.replayed ? " (déjà fait : rien de refait)" : ""}.
      </p>
    );
  }
  if ("refused" in o) {
    return (
      <div class="fu-bulk-outcome notice warn" role="alert" data-bulk-outcome="refused">
        <p>
          <strong>Rien n'a été fait</strong>&#8239;: {counted(o.refused.length, "client refusé", "clients refusés")}.
        </p>
        <ul class="fu-refused">
          <For each={o.refused.slice(0, 50)}>{(r) => <li>{r.ref ? `${r.ref} — ${r.name}` : "Client d'un autre site"}&#8239;: {r.reason}</li>}</For>
          <Show when={o.refused.length > 50}>
            <li>… et {counted(o.refused.length - 50, "autre")}.</li>
          </Show>
        </ul>
      </div>
    );
  }
  return (
    <p class="fu-bulk-outcome notice warn" role="alert" data-bulk-outcome="error">
      {o.error}
    </p>
  );
}

/** The dialog of one action: what it needs, then sent; the button waits while it works. */
function BulkForm(props: { kind: Kind; selection: Selection; count: number; onOutcome: (o: Outcome) => void }) {
  const [working, setWorking] = createSignal(false);
  const [outcome, setOutcome] = createSignal<Outcome | null>(null);
  const [problem, setProblem] = createSignal<string | null>(null);
  // One id for this dialog: sending again after a lost answer does nothing twice.
  const requestId = uuidv7();
  const templates = useQuery(() => ({ queryKey: ["templates"], queryFn: () => apiGet<TemplatesResponse>("/templates"), enabled: props.kind === "template" }));

  const actionOf = (form: FormData): BulkAction | string => {
    const text = String(form.get("text") ?? "").trim();
    switch (props.kind) {
      case "stop":
      case "resume":
      case "dispute":
        return text.length < 3 ? "Écrivez une note (3 caractères au moins)." : { kind: props.kind, note: text };
      case "task": {
        const dueOn = String(form.get("dueOn") ?? "");
        return text.length < 3 ? "Décrivez la tâche (3 caractères au moins)." : { kind: "task", text, ...(dueOn ? { dueOn } : {}) };
      }
      case "scenario":
        return { kind: "scenario", scenario: String(form.get("scenario")) as (typeof SEGMENTS)[number] };
      case "template": {
        const [channel, code] = String(form.get("template") ?? "").split(":");
        return code ? { kind: "template", channel: channel as "sms" | "email", templateCode: code } : "Choisissez un modèle.";
      }
    }
  };

  const submit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (e) => {
    e.preventDefault();
    if (working()) return;
    const action = actionOf(new FormData(e.currentTarget));
    if (typeof action === "string") return setProblem(action);
    setProblem(null);
    setWorking(true);
    const o = await sendBulk(props.selection, action, requestId);
    setWorking(false);
    setOutcome(o);
    props.onOutcome(o);
  };

  return (
    <form class="sheet-form fu-bulk-form" onSubmit={submit} novalidate data-bulk-form={props.kind} data-bulk-state={working() ? "working" : "idle"}>
      <Show when={props.kind === "stop" || props.kind === "resume" || props.kind === "dispute"}>
        <label class="field">
          <span>Note (pourquoi&#8239;; visible dans l'historique)</span>
          <textarea name="text" rows="3" maxLength={500} required placeholder={props.kind === "dispute" ? "ex. : conteste la facture de mars" : "ex. : accord avec la direction"} />
        </label>
      </Show>
      <Show when={props.kind === "task"}>
        <label class="field">
          <span>Ce que le terrain doit faire</span>
          <textarea name="text" rows="3" maxLength={500} required placeholder="ex. : vérifier le box et photographier la porte" />
        </label>
        <label class="field">
          <span>Pour le (facultatif)</span>
          <input type="date" name="dueOn" />
        </label>
      </Show>
      <Show when={props.kind === "scenario"}>
        <label class="field">
          <span>Scénario</span>
          <select name="scenario">
            <For each={SEGMENTS}>{(s) => <option value={s}>{SEGMENT_LABEL[s]}</option>}</For>
          </select>
        </label>
      </Show>
      <Show when={props.kind === "template"}>
        <label class="field">
          <span>Modèle</span>
          <select name="template">
            <For each={(templates.data?.templates ?? []).flatMap((t) => [...(t.sms ? [["sms", t] as const] : []), ...(t.email ? [["email", t] as const] : [])])}>
              {([channel, t]) => <option value={`${channel}:${t.code}`}>{`${channel === "sms" ? "SMS" : "E-mail"} — ${t.label}`}</option>}
            </For>
          </select>
        </label>
        <p class="hint">Envoyé par Cadenas à chaque client (hors stop, litige et contentieux)&#8239;; refusé pour tous si l'un n'a pas de numéro ou d'e-mail.</p>
      </Show>
      <p class="hint">Tout ou rien&#8239;: si un seul client est refusé, rien n'est fait et la liste dit pourquoi.</p>
      <Show when={problem()}>
        <p class="form-error" role="alert">
          {problem()}
        </p>
      </Show>
      <Show when={outcome() && !("done" in outcome()!)}>
        <OutcomeText outcome={outcome()!} />
      </Show>
      <button type="submit" class="button primary block" disabled={working()} aria-busy={working()} data-testid="bulk-submit">
        {working() ? "En cours…" : `Appliquer à ${counted(props.count, "client")}`}
      </button>
    </form>
  );
}

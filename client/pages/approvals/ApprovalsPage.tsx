import { useMutation, useQuery } from "@tanstack/solid-query";
import { For, Match, Show, Switch, createMemo, createSignal } from "solid-js";
import type { ApprovalItem, ApprovalsResponse, DecisionBody } from "../../../shared/schemas/approvals";
import { ApiError, apiGet, apiPost } from "../../api";
import { AppBar } from "../../components/AppBar";
import { QueryState } from "../../components/QueryState";
import { formatDateFr, formatEuros, formatInstantShort } from "../../format";
import { LEVEL_LABEL, STAGE_LABEL } from "../../labels";
import { queryClient, withQueries } from "../../query";
import { user } from "../../session";
import { FormError } from "../../components/FormError";

const CHANNEL_LABEL: Record<string, string> = {
  email: "courriel",
  sms: "SMS",
  letter: "lettre simple",
  registered_letter: "LRAR",
  call: "appel",
  visit: "visite",
  padlock: "cadenas",
  gate_code: "code d'accès",
  open_box: "ouverture du box",
};
const ACTION_TEXT: Record<string, string> = {
  message: "envoi",
  task: "tâche",
  fee: "frais",
  level: "niveau",
  contract_end: "fin de contrat",
  approval: "décision",
  credit_note: "avoirs",
};

function actionText(a: ApprovalItem["actions"][number]): string {
  if (a.action === "credit_note" && a.amountCents !== undefined) return `avoirs de ${formatEuros(a.amountCents)} sur ${a.invoices?.join(", ")}`;
  return a.channel ? CHANNEL_LABEL[a.channel]! : ACTION_TEXT[a.action]!;
}

/** The office's queue: steps that wait for a decision (R2, registered letters, contract ends), decided in bulk. */
export const ApprovalsPage = withQueries(Approvals);

function Approvals() {
  const list = useQuery(() => ({ queryKey: ["approvals"], queryFn: () => apiGet<ApprovalsResponse>("/approvals") }));
  const [chosen, setChosen] = createSignal<ReadonlySet<string>>(new Set());
  const keyOf = (i: ApprovalItem) => `${i.customerId} ${i.step} ${i.date}`;
  const mine = (i: ApprovalItem) => i.decidedBy === "office" || user()?.role === "manager";
  const items = () => list.data?.items ?? [];
  const chosenItems = createMemo(() => items().filter((i) => chosen().has(keyOf(i))));
  const toggle = (i: ApprovalItem) => {
    const next = new Set(chosen());
    if (next.has(keyOf(i))) next.delete(keyOf(i));
    else next.add(keyOf(i));
    setChosen(next);
  };
  const decide = useMutation(() => ({
    mutationFn: (body: DecisionBody) => apiPost<{ decided: number }>("/approvals", body),
    onSuccess: () => {
      setChosen(new Set<string>());
      void queryClient.invalidateQueries({ queryKey: ["approvals"] });
    },
  }));
  const send = (decision: DecisionBody["decision"]) => decide.mutate({ decision, ids: chosenItems().flatMap((i) => i.actions.map((a) => a.id)) });

  return (
    <>
      <AppBar title="Validations" subtitle={list.data ? `${items().length} en attente` : undefined} back="/" />
      <main class="page approvals with-status-bar">
        <QueryState query={list} failed="La liste n'a pas pu être chargée.">
          <Switch>
            <Match when={items().length === 0}>
              <div class="empty">
                <p>Rien à valider pour le moment.</p>
              </div>
            </Match>
            <Match when={items().length > 0}>
              <div class="approval-bar card">
                <label class="check">
                  <input
                    type="checkbox"
                    checked={chosen().size > 0 && chosen().size === items().filter(mine).length}
                    onChange={(e) => setChosen(new Set(e.currentTarget.checked ? items().filter(mine).map(keyOf) : []))}
                  />
                  Tout sélectionner
                </label>
                <div class="approval-actions">
                  <button type="button" class="button primary" disabled={chosenItems().length === 0 || decide.isPending} onClick={() => send("approve")}>
                    Valider ({chosenItems().length})
                  </button>
                  <button type="button" class="button secondary" disabled={chosenItems().length === 0 || decide.isPending} onClick={() => send("reject")}>
                    Refuser
                  </button>
                </div>
                <FormError message={decide.isError && (decide.error instanceof ApiError ? decide.error.message : "La décision n'a pas été enregistrée.")} />
              </div>
              <ul class="approval-list">
                <For each={items()}>
                  {(i) => (
                    <li class="card" classList={{ chosen: chosen().has(keyOf(i)) }}>
                      <label class="check approval-head">
                        <input type="checkbox" checked={chosen().has(keyOf(i))} disabled={!mine(i)} onChange={() => toggle(i)} aria-label={`${i.name} : ${STAGE_LABEL[i.step] ?? i.step}`} />
                        <span class="approval-who">
                          <strong>{i.name}</strong>
                          <span class="muted">
                            {i.customerRef} · {i.sites.join(", ")} · {i.kind === "company" ? "professionnel" : "particulier"}
                          </span>
                        </span>
                        <strong class="owed">{formatEuros(i.balanceCents)}</strong>
                      </label>
                      <p>
                        <span class="badge level">{LEVEL_LABEL[i.level]}</span> <strong>{STAGE_LABEL[i.step] ?? i.step}</strong> · dû le {formatDateFr(i.date)} ·{" "}
                        {i.actions.map(actionText).join(", ")}
                      </p>
                      <Show when={!mine(i)}>
                        <p class="muted">Décision du Manager.</p>
                      </Show>
                      <ol class="approval-history">
                        <For each={i.history}>
                          {(h) => (
                            <li>
                              <span class="muted">
                                {h.initials} · {formatInstantShort(h.happenedAt)}
                              </span>{" "}
                              {h.text}
                            </li>
                          )}
                        </For>
                      </ol>
                    </li>
                  )}
                </For>
              </ul>
            </Match>
          </Switch>
        </QueryState>
      </main>
    </>
  );
}

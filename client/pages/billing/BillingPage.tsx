import { useMutation, useQuery } from "@tanstack/solid-query";
import { For, Match, Show, Switch, createSignal } from "solid-js";
import type { ToEnterItem } from "../../../shared/schemas/billing";
import { apiGet, apiPost, problemsOf } from "../../api";
import { AppBar } from "../../components/AppBar";
import { QueryState } from "../../components/QueryState";
import { formatDateFr, formatEuros, formatInstantDate } from "../../format";
import { queryClient, withQueries } from "../../query";
import { FormError } from "../../components/FormError";

/**
 * What Cadenas billed or credited (fees, credit notes, write-offs), for the office to enter in the billing
 * software under the same ref: a CSV to open in Excel, then marked as entered.
 */
export const BillingPage = withQueries(Billing);

const KIND_LABEL: Record<ToEnterItem["kind"], string> = { fee: "Frais", credit_note: "Avoir", write_off: "Perte" };

function Billing() {
  const [all, setAll] = createSignal(false);
  const list = useQuery(() => ({ queryKey: ["to-enter", all()], queryFn: () => apiGet<{ items: ToEnterItem[] }>(`/billing/to-enter${all() ? "?show=all" : ""}`) }));
  const pending = () => (list.data?.items ?? []).filter((i) => !i.exportedAt);
  const mark = useMutation(() => ({
    mutationFn: (refs: string[]) => apiPost<{ marked: number }>("/billing/to-enter/exported", { refs }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["to-enter"] }),
  }));
  return (
    <>
      <AppBar title="À saisir en facturation" subtitle={list.data ? `${pending().length} à saisir` : undefined} back="/" />
      <main class="page billing with-status-bar">
        <div class="card billing-bar">
          <div class="segmented" role="group" aria-label="Afficher">
            <button type="button" aria-pressed={!all()} onClick={() => setAll(false)}>
              À saisir
            </button>
            <button type="button" aria-pressed={all()} onClick={() => setAll(true)}>
              Tout
            </button>
          </div>
          <a class="button secondary" href={`/api/billing/to-enter.csv${all() ? "?show=all" : ""}`} download="cadenas-a-saisir.csv">
            Télécharger (Excel)
          </a>
          <button type="button" class="button primary" disabled={pending().length === 0 || mark.isPending} onClick={() => mark.mutate(pending().map((i) => i.ref))}>
            Marquer saisis ({pending().length})
          </button>
          <FormError message={mark.isError && problemsOf(mark.error).join(" ; ")} />
        </div>
        <QueryState query={list} failed="La liste n'a pas pu être chargée.">
          <Switch>
            <Match when={list.data?.items.length === 0}>
              <div class="empty">
                <p>Rien à saisir&#8239;: les frais, avoirs et pertes décidés dans Cadenas apparaîtront ici.</p>
              </div>
            </Match>
            <Match when={list.data}>
              <ul class="billing-list">
                <For each={list.data!.items}>
                  {(i) => (
                    <li class="card">
                      <div class="billing-line">
                        <strong>
                          {KIND_LABEL[i.kind]} · {i.ref}
                        </strong>
                        <strong classList={{ owed: i.amountCents > 0 }}>{formatEuros(i.amountCents)}</strong>
                      </div>
                      <p>
                        {i.customerName} <span class="muted">({i.customerRef})</span> · {formatDateFr(i.date)}
                        <Show when={i.appliesTo}> · sur {i.appliesTo}</Show>
                      </p>
                      <Show when={i.label}>
                        <p class="muted">{i.label}</p>
                      </Show>
                      <Show when={i.exportedAt}>
                        <p class="muted">Saisi le {formatInstantDate(i.exportedAt!)}</p>
                      </Show>
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

import { useQuery } from "@tanstack/solid-query";
import { For, Match, Show, Switch } from "solid-js";
import { HISTORY_LISTED } from "../../../shared/floor/history";
import type { DebtorDetail } from "../../../shared/schemas/debtors";
import { ApiError, apiGet } from "../../api";
import { Spinner } from "../../components/Spinner";
import { formatDateFr, formatEuros, formatInstantShort } from "../../format";
import { ACTION_LABEL, PAYMENT_METHOD_LABEL } from "../../labels";
import { withQueries } from "../../query";
import { CorrectedFlag } from "./History";

/** Everything the server holds on a debtor — older history, payments — read when there is a network. */
export const FullHistory = withQueries(FullHistoryBody);

function FullHistoryBody(props: { customerId: string }) {
  const detail = useQuery(() => ({
    queryKey: ["debtor", props.customerId],
    queryFn: () => apiGet<DebtorDetail>(`/debtors/${encodeURIComponent(props.customerId)}`),
  }));
  return (
    <Switch>
      <Match when={detail.isPending}>
        <Spinner />
      </Match>
      <Match when={detail.isError}>
        <p class="muted">
          {detail.error instanceof ApiError && detail.error.code === "NETWORK"
            ? `Hors connexion\u202f: il faut du réseau pour lire tout l'historique. Les ${HISTORY_LISTED} dernières actions restent sur le téléphone.`
            : "L'historique complet n'a pas pu être chargé."}
        </p>
      </Match>
      <Match when={detail.data}>
        {(d) => (
          <>
            <h3>Paiements</h3>
            <ul class="plain-list">
              <For each={d().payments} fallback={<li class="muted">Aucun paiement.</li>}>
                {(p) => (
                  <li>
                    <strong>
                      {formatDateFr(p.date)} · {formatEuros(p.amountCents)} · {PAYMENT_METHOD_LABEL[p.method]}
                    </strong>
                    {p.status === "rejected" ? <span class="flag refused">Rejeté&#8239;: {p.reason ?? "sans motif"}</span> : null}
                  </li>
                )}
              </For>
            </ul>
            <h3>Toutes les actions ({d().history.length})</h3>
            <ol class="timeline">
              <For each={d().history}>
                {(h) => (
                  <li classList={{ corrected: Boolean(h.correctedAt) }} data-entry-id={h.id} data-corrected={h.correctedAt ? "true" : undefined}>
                    <div class="timeline-head">
                      <span class="kind">{ACTION_LABEL[h.kind]}</span>
                      <span class="muted">
                        {h.initials} · {formatInstantShort(h.happenedAt)}
                      </span>
                    </div>
                    <p>{h.text}</p>
                    <CorrectedFlag entry={h} />
                  </li>
                )}
              </For>
            </ol>
          </>
        )}
      </Match>
    </Switch>
  );
}

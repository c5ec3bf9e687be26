import { useQuery } from "@tanstack/solid-query";
import { Match, Switch, createSignal } from "solid-js";
import { billingLines, toBillingLog, type HistoryLine } from "../../../shared/floor/action-log";
import { HISTORY_LISTED } from "../../../shared/floor/history";
import type { DebtorDoc } from "../../../shared/schemas/debtor-doc";
import type { DebtorDetail } from "../../../shared/schemas/debtors";
import { ApiError, apiGet } from "../../api";
import { Spinner } from "../../components/Spinner";
import { withQueries } from "../../query";
import { settings } from "../../session";

/**
 * The history in the billing software's format, to paste over its "Actions" column: the whole history, read online
 * when the phone keeps only the newest lines (never a shorter log, which would erase the older lines there).
 */
export const BillingLog = withQueries(BillingLogBody);

function BillingLogBody(props: { doc: DebtorDoc }) {
  const phone = () => props.doc.history as readonly HistoryLine[];
  const complete = () => billingLines(phone(), null, HISTORY_LISTED);
  // The same read as « Tout l'historique » (one cache): only when the phone's lines are not the whole history.
  const detail = useQuery(() => ({
    queryKey: ["debtor", props.doc.customerId],
    queryFn: () => apiGet<DebtorDetail>(`/debtors/${encodeURIComponent(props.doc.customerId)}`),
    enabled: complete() === null,
  }));
  const lines = () => complete() ?? (detail.data ? billingLines(phone(), detail.data.history, HISTORY_LISTED) : null);
  return (
    <Switch>
      <Match when={lines()}>{(l) => <LogText text={toBillingLog(l(), settings().timeZone)} />}</Match>
      <Match when={detail.isError}>
        <p class="muted">
          {detail.error instanceof ApiError && detail.error.code === "NETWORK"
            ? `Hors connexion\u202f: le journal complet demande du réseau. Le téléphone ne garde que les ${HISTORY_LISTED} dernières actions, et le journal remplace la colonne du logiciel de facturation.`
            : "Le journal complet n'a pas pu être chargé."}
        </p>
      </Match>
      <Match when={true}>
        <Spinner />
      </Match>
    </Switch>
  );
}

function LogText(props: { text: string }) {
  const [copied, setCopied] = createSignal(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div class="sheet-form">
      <textarea class="log-text" readOnly rows="8" value={props.text} onFocus={(e) => e.currentTarget.select()} />
      <button type="button" class="button primary block big" onClick={() => void copy()}>
        {copied() ? "Copié ✓" : "Copier"}
      </button>
    </div>
  );
}

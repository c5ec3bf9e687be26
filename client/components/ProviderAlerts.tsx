import { A } from "@solidjs/router";
import { useQuery } from "@tanstack/solid-query";
import { For, Show } from "solid-js";
import type { ProviderAlert, ProviderAlertsResponse } from "../../shared/schemas/messages";
import { apiGet } from "../api";
import { formatInstantShort } from "../format";
import { withQueries } from "../query";

/**
 * A provider refusing every message of a channel (a wrong key, a sender it will not take, AUTH refused, no credit):
 * one banner on every office screen while it lasts, linking to *Envois*, where the same alert heads the list. The
 * server clears it at the channel's next success. Loaded apart from the floor's screens: a site manager never gets it.
 */
export default withQueries(ProviderAlertsBanner);

export const providerAlertsQuery = () => ({
  queryKey: ["provider-alerts"],
  queryFn: () => apiGet<ProviderAlertsResponse>("/provider-alerts"),
  refetchInterval: 60_000,
});

export const ALERT_CHANNEL_LABEL: Record<ProviderAlert["channel"], string> = { email: "Courriels", sms: "SMS" };

/** "Courriels bloqués depuis le 23/11 à 10:00 · 6 en attente". */
export function alertTitle(a: ProviderAlert): string {
  const waiting = a.waiting === 0 ? "" : ` · ${a.waiting} en attente`;
  return `${ALERT_CHANNEL_LABEL[a.channel]} bloqués depuis le ${formatInstantShort(a.since)}${waiting}`;
}

function ProviderAlertsBanner() {
  const alerts = useQuery(providerAlertsQuery);
  return (
    <For each={alerts.data?.alerts ?? []}>
      {(a) => (
        <A href="/envois" class="provider-alert-banner" role="alert" data-provider-alert={a.channel}>
          <strong>{alertTitle(a)}</strong>
          <span class="provider-alert-what"> — {a.message}</span>
        </A>
      )}
    </For>
  );
}

/** The same alerts at the top of *Envois*, with what the provider said. */
export function ProviderAlertEntries() {
  const alerts = useQuery(providerAlertsQuery);
  return (
    <Show when={(alerts.data?.alerts.length ?? 0) > 0}>
      <section class="provider-alerts" aria-label="Envois bloqués">
        <For each={alerts.data!.alerts}>
          {(a) => (
            <article class="notice danger" data-provider-alert-entry={a.channel}>
              <h2>{alertTitle(a)}</h2>
              <p>{a.message}</p>
              <Show when={a.detail}>
                <p class="muted">
                  Réponse du fournisseur&#8239;: <code>{a.detail}</code>
                </p>
              </Show>
              <p class="muted">
                Les messages attendent dans la file, aucun n'est perdu ni compté en échec. Dernier refus le {formatInstantShort(a.lastAt)}&#8239;; nouvel essai toutes les 10 minutes.
                L'alerte disparaît au premier envoi réussi.
              </p>
            </article>
          )}
        </For>
      </section>
    </Show>
  );
}

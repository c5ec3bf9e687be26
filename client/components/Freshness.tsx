import { useQuery } from "@tanstack/solid-query";
import { Show } from "solid-js";
import { IMPORT_KIND_LABEL } from "../../shared/imports/kinds";
import { IMPORT_KINDS, type ImportFreshness } from "../../shared/schemas/imports";
import { apiGet } from "../api";
import { formatInstantShort } from "../format";
import { withQueries } from "../query";

/**
 * How fresh the billing data is, on every office screen: "Données du 30/11 à 06:12" (each kind's in the tooltip),
 * or a warning when it is older than the engine accepts — then no reminder goes out automatically. The server
 * says which, with the engine's own rule. Loaded apart from the floor's screens: a site manager never gets it.
 */
export default withQueries(Freshness);

function Freshness() {
  const fresh = useQuery(() => ({ queryKey: ["imports", "freshness"], queryFn: () => apiGet<ImportFreshness>("/imports/freshness"), refetchInterval: 5 * 60_000 }));
  const detail = () =>
    IMPORT_KINDS.map((k) => `${IMPORT_KIND_LABEL[k]} : ${fresh.data?.byKind[k] ? formatInstantShort(fresh.data.byKind[k]!) : "jamais importé"}`).join("\n");
  return (
    <Show when={fresh.data}>
      {(f) => (
        <p class="freshness" classList={{ stale: f().stale }} data-stale={f().stale ? "yes" : "no"} title={detail()} role={f().stale ? "alert" : undefined}>
          <Show when={f().stale} fallback={<>Données du {formatInstantShort(f().last!)}</>}>
            {f().last ? `Données de plus de ${f().staleAfterHours} h` : "Aucun import"}&#8239;: les relances automatiques sont suspendues
          </Show>
        </p>
      )}
    </Show>
  );
}

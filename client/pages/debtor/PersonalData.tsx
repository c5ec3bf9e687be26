import { createSignal } from "solid-js";
import { FormError } from "../../components/FormError";

/**
 * The office's answer to a customer's right-of-access request, in the personal-data card: one ZIP with everything Cadenas holds about them
 * (a readable PDF, the same data as JSON, the photos and letters). Fetched rather than linked so the button can
 * say it is working — the file takes a moment with photos — and why it failed; it needs the network.
 */
export function AccessRequestButton(props: { customerId: string }) {
  const [working, setWorking] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  // A second tap before the page redraws must not start a second download.
  let running = false;
  const download = async () => {
    if (running) return;
    running = true;
    setWorking(true);
    setError(null);
    try {
      const { apiDownload } = await import("../../api");
      const { blob, fileName } = await apiDownload(`/customers/${props.customerId}/personal-data.zip`);
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = fileName ?? "donnees-personnelles.zip";
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      const code = (e as { code?: string }).code;
      setError(code === "NETWORK" ? "Pas de réseau : le fichier n'a pas pu être préparé. Réessayez une fois connecté." : `Fichier non obtenu : ${(e as Error).message}`);
    } finally {
      running = false;
      setWorking(false);
    }
  };
  return (
    <div class="personal-data" data-personal-data={working() ? "working" : "idle"}>
      <p class="hint">Pour répondre à une demande d'accès (RGPD)&#8239;: tout ce que Cadenas conserve sur ce client, en PDF lisible et en JSON, avec les photos et les courriers, dans un fichier ZIP à lui transmettre.</p>
      <button type="button" class="button secondary block" disabled={working()} aria-busy={working()} onClick={() => void download()}>
        {working() ? "Préparation du fichier…" : "Données personnelles (droit d'accès)"}
      </button>
      <FormError message={error()} />
    </div>
  );
}

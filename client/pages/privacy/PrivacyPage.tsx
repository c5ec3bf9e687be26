import { Show, createSignal } from "solid-js";
import type { PrivacyStatus } from "../../../shared/schemas/privacy";
import { apiGet, problemsOf } from "../../api";
import { AppBar } from "../../components/AppBar";
import { Problems } from "../../components/SaveBar";
import { SaveButton, useSaving } from "../../components/Saving";
import { PrivacyCard } from "./PrivacyCard";

/**
 * The office's way to any customer's personal data by their billing ref — one the phones no longer follow (a
 * relationship ended years ago) included: the retention state, the legal hold and an erasure request.
 */
export function PrivacyPage() {
  const [found, setFound] = createSignal<PrivacyStatus | null>(null);
  const [problems, setProblems] = createSignal<string[]>([]);
  const save = useSaving();
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const ref = String(new FormData(e.currentTarget as HTMLFormElement).get("ref") ?? "").trim();
    if (!ref) return setProblems(["Tapez la référence du client (celle du logiciel de facturation)."]);
    setProblems([]);
    setFound(null);
    await save.run(async () => {
      try {
        setFound(await apiGet<PrivacyStatus>(`/privacy/customers?${new URLSearchParams({ ref })}`));
      } catch (error) {
        setProblems(problemsOf(error));
      }
    });
  };
  return (
    <>
      <AppBar title="Données personnelles" back="/" />
      <main class="page">
        <form class="card sheet-form" onSubmit={submit} novalidate>
          <label class="field">
            <span>Référence du client</span>
            <input name="ref" autocomplete="off" placeholder="ex. : CL1003" required />
          </label>
          <Problems list={problems()} />
          <SaveButton saving={save.saving()}>Rechercher</SaveButton>
        </form>
        <Show when={found()} keyed>
          {(s) => (
            <>
              <p class="muted">
                {s.name} — client {s.ref}
              </p>
              <PrivacyCard customerId={s.customerId} initial={s} />
            </>
          )}
        </Show>
        <p class="hint">
          Les données d'un client sont conservées tant que la relation dure, puis {/* the setting's value shows on each card */}pendant la durée réglée dans
          « Scénarios et réglages » après la dette soldée et les contrats terminés&#8239;; ensuite le passage quotidien les efface, sauf conservation pour motif légal.
        </p>
      </main>
    </>
  );
}

import { useQuery } from "@tanstack/solid-query";
import { Match, Show, Switch, createSignal } from "solid-js";
import type { EnrolmentSecret, RecoveryCodesResponse, TwoFactorStatus } from "../../../shared/schemas/two-factor";
import { ApiError, apiGet, apiPost, problemsOf } from "../../api";
import { AuthenticatorSetup, CodeField } from "../../components/AuthenticatorSetup";
import { FormError } from "../../components/FormError";
import { QueryState } from "../../components/QueryState";
import { RecoveryCodes } from "../../components/RecoveryCodes";
import { SaveButton, useSaving } from "../../components/Saving";
import { formatInstantShort } from "../../format";
import { queryClient } from "../../query";
import { user } from "../../session";

/**
 * "Mon compte", for the office and the Managers: two-factor sign-in on (scan the QR code, prove it with a code, keep
 * the recovery codes shown once), new recovery codes against a current code, off against the password and a code —
 * not while the operator requires it. Site managers do not see it.
 */
type Mode = { kind: "idle" } | { kind: "enrol"; secret: EnrolmentSecret } | { kind: "codes"; codes: string[] } | { kind: "regenerate" } | { kind: "disable" };

const statusQuery = () => ({ queryKey: ["two-factor"], queryFn: () => apiGet<TwoFactorStatus>("/auth/two-factor") });

export function TwoFactorCard() {
  const status = useQuery(statusQuery);
  const [mode, setMode] = createSignal<Mode>({ kind: "idle" });
  const start = useSaving();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["two-factor"] });
  const enrolling = () => {
    const m = mode();
    return m.kind === "enrol" ? m : null;
  };
  const showingCodes = () => {
    const m = mode();
    return m.kind === "codes" ? m : null;
  };

  const begin = () =>
    void start.run(async () => {
      try {
        setMode({ kind: "enrol", secret: await apiPost<EnrolmentSecret>("/auth/two-factor/start") });
      } catch (e) {
        start.fail(refusal(e));
      }
    });

  return (
    <Show when={status.isError || status.data?.available || status.data?.enabled}>
      <section class="card two-factor-card" data-two-factor={status.data ? (status.data.enabled ? "on" : "off") : "loading"}>
        <h2>Double authentification</h2>
        <QueryState query={status} failed="L'état de la double authentification n'a pas pu être chargé.">
          <Show when={status.data}>
            {(s) => (
              <Switch>
                <Match when={enrolling()} keyed>
                  {(m) => <Enrol secret={m.secret} onDone={(codes) => (setMode({ kind: "codes", codes }), void refresh())} onCancel={() => setMode({ kind: "idle" })} />}
                </Match>
                <Match when={showingCodes()} keyed>
                  {(m) => (
                    <div class="sheet-form">
                      <RecoveryCodes codes={m.codes} email={user()?.email ?? ""} />
                      <button type="button" class="button primary block" onClick={() => setMode({ kind: "idle" })}>
                        J'ai mis mes codes de côté
                      </button>
                    </div>
                  )}
                </Match>
                <Match when={mode().kind === "regenerate"}>
                  <Regenerate onDone={(codes) => (setMode({ kind: "codes", codes }), void refresh())} onCancel={() => setMode({ kind: "idle" })} />
                </Match>
                <Match when={mode().kind === "disable"}>
                  <Disable onDone={() => (setMode({ kind: "idle" }), void refresh())} onCancel={() => setMode({ kind: "idle" })} />
                </Match>
                <Match when={!s().enabled}>
                  <p>
                    Désactivée. En plus du mot de passe, un code à 6 chiffres donné par une application sur votre téléphone protège l'accès aux dossiers des
                    clients.
                  </p>
                  <Show when={s().required}>
                    <p class="note" role="note">
                      Le bureau l'exige pour votre rôle&#8239;: elle vous sera demandée à votre prochaine connexion.
                    </p>
                  </Show>
                  <FormError message={start.error()} />
                  <SaveButton type="button" saving={start.saving()} class="button primary block" onClick={begin} savingLabel="Préparation…">
                    Activer la double authentification
                  </SaveButton>
                </Match>
                <Match when={s().enabled}>
                  <p>
                    <span class="flag ok">Activée</span>
                    {s().enabledAt ? ` depuis le ${formatInstantShort(s().enabledAt!)}` : ""}. Codes de secours restants&#8239;: {s().recoveryCodesLeft}.
                  </p>
                  <Show when={s().recoveryCodesLeft <= 3}>
                    <p class="note" role="note">
                      Il vous reste peu de codes de secours&#8239;: créez-en de nouveaux.
                    </p>
                  </Show>
                  <div class="two-factor-actions">
                    <button type="button" class="button secondary block" onClick={() => setMode({ kind: "regenerate" })}>
                      Nouveaux codes de secours
                    </button>
                    <Show
                      when={!s().required}
                      fallback={
                        <p class="muted">Le bureau exige la double authentification pour votre rôle&#8239;: elle ne peut pas être désactivée.</p>
                      }
                    >
                      <button type="button" class="button ghost block danger-text" onClick={() => setMode({ kind: "disable" })}>
                        Désactiver
                      </button>
                    </Show>
                  </div>
                </Match>
              </Switch>
            )}
          </Show>
        </QueryState>
      </section>
    </Show>
  );
}

function Enrol(props: { secret: EnrolmentSecret; onDone: (codes: string[]) => void; onCancel: () => void }) {
  const save = useSaving();
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const code = String(new FormData(event.currentTarget as HTMLFormElement).get("code") ?? "").replace(/\s/g, "");
    void save.run(async () => {
      if (!/^\d{6}$/.test(code)) return save.fail("Saisissez le code à 6 chiffres affiché par l'application.");
      try {
        props.onDone((await apiPost<RecoveryCodesResponse>("/auth/two-factor/enable", { code })).recoveryCodes);
      } catch (e) {
        save.fail(refusal(e));
      }
    });
  };
  return (
    <form class="sheet-form" onSubmit={submit} novalidate data-two-factor-step="enrol">
      <AuthenticatorSetup secret={props.secret} />
      <CodeField label="Code à 6 chiffres affiché par l'application" />
      <FormError message={save.error()} />
      <SaveButton saving={save.saving()} class="button primary block" savingLabel="Vérification…">
        Confirmer
      </SaveButton>
      <button type="button" class="button ghost block" onClick={() => props.onCancel()}>
        Annuler
      </button>
    </form>
  );
}

function Regenerate(props: { onDone: (codes: string[]) => void; onCancel: () => void }) {
  const save = useSaving();
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const code = String(new FormData(event.currentTarget as HTMLFormElement).get("code") ?? "").trim();
    void save.run(async () => {
      if (!code) return save.fail("Saisissez le code de votre application.");
      try {
        props.onDone((await apiPost<RecoveryCodesResponse>("/auth/two-factor/recovery-codes", { code })).recoveryCodes);
      } catch (e) {
        save.fail(refusal(e));
      }
    });
  };
  return (
    <form class="sheet-form" onSubmit={submit} novalidate>
      <p>Les codes de secours actuels cesseront de fonctionner.</p>
      <CodeField label="Code à 6 chiffres de votre application d'authentification" />
      <FormError message={save.error()} />
      <SaveButton saving={save.saving()} class="button primary block" savingLabel="Vérification…">
        Créer de nouveaux codes
      </SaveButton>
      <button type="button" class="button ghost block" onClick={() => props.onCancel()}>
        Annuler
      </button>
    </form>
  );
}

function Disable(props: { onDone: () => void; onCancel: () => void }) {
  const save = useSaving();
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const password = String(data.get("password") ?? "");
    const code = String(data.get("code") ?? "").trim();
    void save.run(async () => {
      if (!password) return save.fail("Saisissez votre mot de passe.");
      if (!code) return save.fail("Saisissez le code de votre application.");
      try {
        await apiPost<TwoFactorStatus>("/auth/two-factor/disable", { password, code });
        props.onDone();
      } catch (e) {
        save.fail(refusal(e));
      }
    });
  };
  return (
    <form class="sheet-form" onSubmit={submit} novalidate>
      <p>Sans double authentification, votre mot de passe suffira pour vous connecter.</p>
      <label class="field">
        <span>Mot de passe</span>
        <input name="password" type="password" autocomplete="current-password" required />
      </label>
      <CodeField label="Code à 6 chiffres de votre application d'authentification" />
      <FormError message={save.error()} />
      <SaveButton saving={save.saving()} class="button danger block" savingLabel="Vérification…">
        Désactiver la double authentification
      </SaveButton>
      <button type="button" class="button ghost block" onClick={() => props.onCancel()}>
        Annuler
      </button>
    </form>
  );
}

function refusal(error: unknown): string {
  if (error instanceof ApiError && error.code === "NETWORK") return "Pas de connexion. Réessayez quand le réseau revient.";
  return problemsOf(error).join(" ");
}

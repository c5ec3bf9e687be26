import { Match, Show, Switch, createResource, createSignal } from "solid-js";
import type { EnrolledResponse, TwoFactorStep } from "../../../shared/schemas/two-factor";
import { tooManyAttempts } from "../../../shared/throttle";
import { ApiError } from "../../api";
import { AuthenticatorSetup, CodeField } from "../../components/AuthenticatorSetup";
import { FormError } from "../../components/FormError";
import { RecoveryCodes } from "../../components/RecoveryCodes";
import { finishSignInEnrolment, signInWithCode, signedIn, startSignInEnrolment } from "../../session";

/**
 * The sign-in's second step, once the password was right: the authenticator app's code (or a recovery code), or —
 * when the operator requires two factors and the account has none yet — setting an app up, then the recovery codes
 * shown once. `onRestart` goes back to the password (the step expired or took too many wrong codes).
 */
export function SecondFactor(props: { step: TwoFactorStep; email: string; onRestart: (why: string) => void; onDone: () => void }) {
  return (
    <Switch>
      <Match when={props.step.twoFactor === "code"}>
        <CodeStep {...props} />
      </Match>
      <Match when={props.step.twoFactor === "enrol"}>
        <EnrolStep {...props} />
      </Match>
    </Switch>
  );
}

function CodeStep(props: { step: TwoFactorStep; onRestart: (why: string) => void; onDone: () => void }) {
  const [recovery, setRecovery] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (busy()) return;
    const code = String(new FormData(event.currentTarget as HTMLFormElement).get("code") ?? "").trim();
    if (!code) return setError(recovery() ? "Saisissez un code de secours." : "Saisissez le code à 6 chiffres.");
    setBusy(true);
    setError(null);
    try {
      await signInWithCode(props.step.challenge, code);
      props.onDone();
    } catch (e) {
      if (e instanceof ApiError && e.code === "LINK_STALE") return props.onRestart(e.message);
      setError(codeRefusal(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card login-form" onSubmit={submit} novalidate data-second-factor="code">
      <h2>Vérification en deux étapes</h2>
      <Show
        when={recovery()}
        fallback={<CodeField label="Code à 6 chiffres de votre application d'authentification" />}
      >
        <label class="field">
          <span>Code de secours</span>
          <input name="code" autocomplete="off" autocapitalize="characters" spellcheck={false} maxlength="20" placeholder="ABCDE-FGHJK" required />
        </label>
      </Show>
      <FormError message={error()} />
      <button class="button primary block" type="submit" disabled={busy()} aria-busy={busy()}>
        {busy() ? "Vérification…" : "Valider"}
      </button>
      <button
        type="button"
        class="button ghost block text-link"
        onClick={() => {
          setRecovery(!recovery());
          setError(null);
        }}
      >
        {recovery() ? "Utiliser le code de l'application" : "Utiliser un code de secours"}
      </button>
      <button type="button" class="button ghost block text-link" onClick={() => props.onRestart("")}>
        Revenir à la connexion
      </button>
    </form>
  );
}

function EnrolStep(props: { step: TwoFactorStep; email: string; onRestart: (why: string) => void; onDone: () => void }) {
  const [secret] = createResource(
    () => props.step.challenge,
    (challenge) =>
      startSignInEnrolment(challenge).catch((e: unknown) => {
        if (e instanceof ApiError && e.code === "LINK_STALE") props.onRestart(e.message);
        throw e;
      }),
  );
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [enrolled, setEnrolled] = createSignal<EnrolledResponse | null>(null);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (busy()) return;
    const code = String(new FormData(event.currentTarget as HTMLFormElement).get("code") ?? "").trim();
    if (!/^\d{6}$/.test(code.replace(/\s/g, ""))) return setError("Saisissez le code à 6 chiffres affiché par l'application.");
    setBusy(true);
    setError(null);
    try {
      setEnrolled(await finishSignInEnrolment(props.step.challenge, code));
    } catch (e) {
      if (e instanceof ApiError && e.code === "LINK_STALE") return props.onRestart(e.message);
      setError(codeRefusal(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Show
      when={enrolled()}
      fallback={
        <form class="card login-form" onSubmit={submit} novalidate data-second-factor="enrol">
          <h2>Activez la double authentification</h2>
          <p>Le bureau l'exige pour votre compte&#8239;: en plus du mot de passe, un code donné par une application sur votre téléphone.</p>
          <Show when={secret()} fallback={<p class="muted">{secret.error ? "Le code QR n'a pas pu être préparé. Réessayez." : "Préparation du code QR…"}</p>}>
            {(s) => <AuthenticatorSetup secret={s()} />}
          </Show>
          <CodeField label="Code à 6 chiffres affiché par l'application" />
          <FormError message={error()} />
          <button class="button primary block" type="submit" disabled={busy() || !secret()} aria-busy={busy()}>
            {busy() ? "Vérification…" : "Activer et se connecter"}
          </button>
          <button type="button" class="button ghost block text-link" onClick={() => props.onRestart("")}>
            Revenir à la connexion
          </button>
        </form>
      }
    >
      {(done) => (
        <div class="card login-form" data-second-factor="recovery-codes">
          <h2>Double authentification activée</h2>
          <RecoveryCodes codes={done().recoveryCodes} email={props.email} />
          <button
            type="button"
            class="button primary block"
            onClick={() => {
              signedIn(done());
              props.onDone();
            }}
          >
            J'ai mis mes codes de côté, continuer
          </button>
        </div>
      )}
    </Show>
  );
}

function codeRefusal(error: unknown): string {
  if (!(error instanceof ApiError)) return "Une erreur inattendue est survenue.";
  switch (error.code) {
    case "INVALID_CREDENTIALS": {
      const left = (error.details as { attemptsLeft?: number } | undefined)?.attemptsLeft;
      return left ? `${error.message} Encore ${left} essai${left > 1 ? "s" : ""}.` : error.message;
    }
    case "RATE_LIMITED":
      return tooManyAttempts((error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds ?? 60);
    case "NETWORK":
      return "Pas de connexion. Réessayez quand le réseau revient.";
    case "VALIDATION_FAILED":
      return "Vérifiez le code saisi.";
    default:
      return "Le serveur n'a pas pu vérifier le code. Réessayez.";
  }
}

import { A } from "@solidjs/router";
import { Show, createSignal } from "solid-js";
import { ApiError, apiPost } from "../../api";
import { FormError } from "../../components/FormError";
import { SaveButton, useSaving } from "../../components/Saving";

/**
 * "Mot de passe oublié ?": an e-mail address, then the same answer whether or not an account exists for it, so the
 * page does not tell who has an account. The link it sends is valid 1 hour and opens `/mot-de-passe`.
 */
export function ForgotPasswordPage() {
  const save = useSaving();
  const [sent, setSent] = createSignal(false);

  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const email = String(new FormData(event.currentTarget as HTMLFormElement).get("email") ?? "")
      .trim()
      .toLowerCase();
    void save.run(async () => {
      if (!/^[^\s@]+@[^\s@]+$/.test(email)) return save.fail("Saisissez une adresse e-mail valide.");
      try {
        await apiPost("/auth/forgot", { email });
        setSent(true);
      } catch (e) {
        save.fail(problem(e));
      }
    });
  };

  return (
    <main class="login" data-forgot-state={sent() ? "sent" : "asking"}>
      <div class="login-brand">
        <img src="/favicon.svg" alt="" width="56" height="56" />
        <h1>Mot de passe oublié</h1>
      </div>
      <Show
        when={!sent()}
        fallback={
          <div class="card login-form" role="status">
            <p>Si un compte existe pour cette adresse, un lien valable 1 heure vient d'y être envoyé.</p>
            <p class="muted">Ouvrez-le sur ce téléphone ou cet ordinateur pour choisir un nouveau mot de passe.</p>
            <A href="/connexion" class="button primary block">
              Retour à la connexion
            </A>
          </div>
        }
      >
        <form class="card login-form" onSubmit={submit} novalidate>
          <p>Saisissez l'adresse e-mail de votre compte&#8239;: vous y recevrez un lien pour choisir un nouveau mot de passe.</p>
          <label class="field">
            <span>Adresse e-mail</span>
            <input name="email" type="email" autocomplete="username" inputmode="email" autocapitalize="none" required />
          </label>
          <FormError message={save.error()} />
          <SaveButton saving={save.saving()} class="button primary block" savingLabel="Envoi…">
            Recevoir un lien
          </SaveButton>
          <A href="/connexion" class="text-link">
            Retour à la connexion
          </A>
        </form>
      </Show>
    </main>
  );
}

function problem(error: unknown): string {
  if (!(error instanceof ApiError)) return "Une erreur inattendue est survenue.";
  if (error.code === "NETWORK") return "Pas de connexion. Réessayez quand le réseau revient.";
  if (error.code === "RATE_LIMITED") return error.message;
  if (error.code === "VALIDATION_FAILED") return "Saisissez une adresse e-mail valide.";
  return "La demande n'a pas pu être envoyée. Réessayez.";
}

import { A, Navigate, useNavigate, useSearchParams } from "@solidjs/router";
import { Show, createSignal, onCleanup, onMount } from "solid-js";
import { keepBootFrame, releaseBootFrame } from "../../boot";
import type { SetupState } from "../../../shared/schemas/setup";
import { ApiError, apiGet } from "../../api";
import { safeReturnPath } from "../../return-path";
import { tooManyAttempts } from "../../../shared/throttle";
import { signIn, user } from "../../session";
import { FormError } from "../../components/FormError";
import type { TwoFactorStep } from "../../../shared/schemas/two-factor";
import { SecondFactor } from "./SecondFactor";

export function LoginPage() {
  const navigate = useNavigate();
  const bootKept = keepBootFrame();
  if (bootKept) onCleanup(releaseBootFrame);
  const [params] = useSearchParams<{ retour?: string }>();
  // Read once: signing in moves the router to the page asked for, after which `params` are that page's.
  const back = safeReturnPath(params.retour);
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  // The password was right and a second step is due (the app's code, or setting one up): no session yet.
  const [second, setSecond] = createSignal<{ step: TwoFactorStep; email: string } | null>(null);
  // A session that ran out while offline keeps the phone's unsent actions: say so before asking to sign in.
  // Read once the form is on screen: the phone's store (Dexie) is not part of the sign-in screen's first download,
  // and loading it (parsing a hundred kilobytes on a slow phone) must not hold back the form's first paint.
  const [unsent, setUnsent] = createSignal<{ count: number; authors: string[] }>();
  onMount(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => {
      timer = setTimeout(() =>
        void import("../../store/queries")
          .then((queries) => queries.unsentOnPhone())
          .then(setUnsent, (e) => console.error("[login] the phone's unsent actions could not be read", e)),
      );
    });
    // Left before the form was on screen: the store need not load for this.
    onCleanup(() => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    });
  });
  const unsentNote = () => unsentMessage(unsent()?.count ?? 0, unsent()?.authors ?? []);
  // An empty server (no account yet) has nobody to sign in: its first-run page comes first.
  onMount(() => {
    if (!navigator.onLine) return;
    apiGet<SetupState>("/setup")
      .then((state) => state.needsAccount && navigate("/premiers-pas", { replace: true }))
      .catch(() => {});
  });

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    // Light checks only: zod (LoginBody) would add its whole library to the first screen; the server checks the
    // body against LoginBody anyway. Phones' keyboards add capitals and trailing spaces to e-mail fields.
    const email = String(form.get("email") ?? "").trim().toLowerCase();
    const password = String(form.get("password") ?? "");
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return setError("Saisissez une adresse e-mail valide.");
    if (!password) return setError("Saisissez votre mot de passe.");
    setBusy(true);
    setError(null);
    try {
      const signed = await signIn({ email, password });
      if ("twoFactor" in signed) return setSecond({ step: signed, email });
      navigate(back, { replace: true });
    } catch (e) {
      setError(messageFor(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Show when={!user()} fallback={<Navigate href={back} />}>
    <main class="login">
      {/* index.html's brand, drawn before any script, is this page's heading when it is still there (client/boot.ts). */}
      <Show when={!bootKept}>
        <header class="boot">
          <div class="login-brand">
            <img src="/favicon.svg" alt="" width="72" height="72" />
            <h1>Cadenas</h1>
            <p>Le suivi des impayés sur site</p>
          </div>
        </header>
      </Show>
      <Show when={second()} keyed>
        {(s) => (
          <SecondFactor
            step={s.step}
            email={s.email}
            onRestart={(why) => {
              setSecond(null);
              setError(why || null);
            }}
            onDone={() => navigate(back, { replace: true })}
          />
        )}
      </Show>
      <Show when={!second()}>
      <form class="card login-form" onSubmit={submit} novalidate>
        <label class="field">
          <span>Adresse e-mail</span>
          <input name="email" type="email" autocomplete="username" inputmode="email" autocapitalize="none" required />
        </label>
        <label class="field">
          <span>Mot de passe</span>
          <input name="password" type="password" autocomplete="current-password" required />
        </label>
        <Show when={unsentNote()}>
          {(note) => (
            <p class="note" role="note" data-unsent={unsent()?.count}>
              {note()}
            </p>
          )}
        </Show>
        <FormError message={error()} />
        <button class="button primary block" type="submit" disabled={busy()}>
          {busy() ? "Connexion…" : "Se connecter"}
        </button>
        <A href="/mot-de-passe-oublie" class="text-link">
          Mot de passe oublié&#8239;?
        </A>
      </form>
      </Show>
    </main>
    </Show>
  );
}

/**
 * The phone's unsent actions, said before signing in: the session ended (expired, or the account deactivated: the
 * server answered 401) and they stay on the phone until their author signs in again. Never under someone else's
 * session: the sync sends only the signed-in user's actions.
 */
export function unsentMessage(count: number, authors: readonly string[] = []): string | null {
  if (count <= 0) return null;
  const said =
    count === 1
      ? "1 action n'a pas pu être envoyée : elle reste sur ce téléphone et partira quand vous serez reconnecté(e)."
      : `${count} actions n'ont pas pu être envoyées : elles restent sur ce téléphone et partiront quand vous serez reconnecté(e).`;
  // On a phone several people use, whose they are: they go only with their author's session.
  return authors.length > 0 ? `${said} (${count === 1 ? "Action" : "Actions"} de ${authors.join(", ")}.)` : said;
}

/** Only a path of this app, never another site (`//evil.test`), is a place to go back to. */
function messageFor(error: unknown): string {
  if (!(error instanceof ApiError)) return "Une erreur inattendue est survenue.";
  switch (error.code) {
    case "INVALID_CREDENTIALS":
      return "E-mail ou mot de passe incorrect.";
    case "RATE_LIMITED": {
      const seconds = (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds ?? 60;
      return tooManyAttempts(seconds);
    }
    case "NETWORK":
      return "Pas de connexion. Réessayez quand le réseau revient.";
    case "VALIDATION_FAILED":
      return "Vérifiez l'adresse e-mail et le mot de passe.";
    default:
      return "Le serveur n'a pas pu vous connecter. Réessayez.";
  }
}

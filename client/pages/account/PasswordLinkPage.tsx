import { A, useLocation, useNavigate } from "@solidjs/router";
import { Match, Show, Switch, createResource, createSignal } from "solid-js";
import type { TokenInfo } from "../../../shared/schemas/users";
import { ApiError, apiGet, problemsOf } from "../../api";
import { FormError } from "../../components/FormError";
import { PasswordFields, checkNewPassword } from "../../components/PasswordFields";
import { SaveButton, useSaving } from "../../components/Saving";
import { Spinner } from "../../components/Spinner";
import { formatInstantShort } from "../../format";
import { choosePassword, user } from "../../session";

/**
 * The page an invitation (`/bienvenue#t=…`) or a reset link (`/mot-de-passe#t=…`) opens, often on a phone straight
 * from the e-mail, with no session: who the link is for, the new password twice, then signed in and on the first
 * screen. The token travels in the fragment so that it never reaches a server log or a Referer. A used or expired
 * link (410) says so and leads to asking for a new one.
 *
 * `data-link-state` (loading | ready | stale | missing | failed) says where the page stands, for tests.
 */
export function PasswordLinkPage() {
  const location = useLocation();
  const navigate = useNavigate();
  const token = new URLSearchParams(location.hash.replace(/^#/, "")).get("t") ?? "";
  const invitation = location.pathname === "/bienvenue";
  const [stale, setStale] = createSignal(false);
  const [info, { refetch }] = createResource(
    () => token || null,
    (t) => apiGet<TokenInfo>(`/auth/tokens/${encodeURIComponent(t)}`),
  );
  const save = useSaving();

  const state = () => {
    // A token cut short (a mail client wrapping the line) is refused as malformed: the link is incomplete.
    if (!token || (info.error instanceof ApiError && info.error.status === 400)) return "missing";
    if (stale() || isStale(info.error)) return "stale";
    if (info.error) return "failed";
    if (info.loading) return "loading";
    return info() ? "ready" : "loading";
  };

  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const password = String(form.get("password") ?? "");
    void save.run(async () => {
      const wrong = checkNewPassword(password, String(form.get("confirm") ?? ""));
      if (wrong) return save.fail(wrong);
      const before = user();
      try {
        const signedIn = await choosePassword(token, password);
        // Someone else was signed in on this browser: nothing they had loaded may show to the new user. (Loaded
        // only then: the query cache is no part of this first screen.)
        if (before && before.id !== signedIn.id) (await import("../../query")).queryClient.clear();
        navigate("/", { replace: true });
      } catch (e) {
        if (isStale(e)) return setStale(true);
        save.fail(refusal(e));
      }
    });
  };

  return (
    <main class="login password-link" data-link-state={state()}>
      <div class="login-brand">
        <img src="/favicon.svg" alt="" width="56" height="56" />
        <h1>Cadenas</h1>
      </div>
      <Switch>
        <Match when={state() === "missing"}>
          <Stale title="Ce lien est incomplet">Le lien reçu a été coupé. Ouvrez-le à nouveau depuis l'e-mail, ou demandez-en un nouveau.</Stale>
        </Match>
        <Match when={state() === "stale"}>
          <Stale title="Ce lien n'est plus valable">Il a déjà servi ou il a expiré. Demandez un nouveau lien&#8239;: il arrivera par e-mail.</Stale>
        </Match>
        <Match when={state() === "failed"}>
          <div class="card login-form">
            <FormError message={info.error instanceof ApiError && info.error.code === "NETWORK" ? "Pas de connexion. Réessayez quand le réseau revient." : "Le lien n'a pas pu être vérifié."} />
            <button type="button" class="button primary block" onClick={() => void refetch()}>
              Réessayer
            </button>
          </div>
        </Match>
        <Match when={state() === "ready" && info()}>
          {(t) => (
            <form class="card login-form" onSubmit={submit} novalidate>
              <div class="link-who">
                <h2>{t().purpose === "invitation" ? `Bienvenue, ${t().name}` : `Nouveau mot de passe pour ${t().email}`}</h2>
                <p class="muted">
                  {t().purpose === "invitation" ? `Choisissez votre mot de passe. Votre identifiant : ${t().email}.` : "Choisissez un nouveau mot de passe."}
                </p>
              </div>
              {/* For password managers: the account the new password belongs to. */}
              <input type="email" name="username" autocomplete="username" value={t().email} readOnly hidden />
              <Show when={user() && user()!.email !== t().email}>
                <p class="note" role="note">
                  Vous êtes connecté(e) en tant que {user()!.name}&#8239;: ce mot de passe vous connectera en tant que {t().name}.
                </p>
              </Show>
              <PasswordFields />
              <FormError message={save.error()} />
              <SaveButton saving={save.saving()} class="button primary block big">
                {t().purpose === "invitation" ? "Choisir mon mot de passe" : "Changer mon mot de passe"}
              </SaveButton>
              <p class="hint">Lien valable jusqu'au {formatInstantShort(t().expiresAt)}.</p>
            </form>
          )}
        </Match>
        <Match when={true}>
          <Spinner />
          <p class="visually-hidden">{invitation ? "Vérification de l'invitation…" : "Vérification du lien…"}</p>
        </Match>
      </Switch>
    </main>
  );
}

function Stale(props: { title: string; children: string }) {
  return (
    <div class="card login-form" role="alert">
      <h2>{props.title}</h2>
      <p>{props.children}</p>
      <A href="/mot-de-passe-oublie" class="button primary block">
        Demander un nouveau lien
      </A>
      <A href="/connexion" class="button ghost block">
        Se connecter
      </A>
    </div>
  );
}

/** A used, expired or unknown link: the server answers 410 (or 404 for a token it never made). */
function isStale(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 410 || error.status === 404);
}

/** The server's refusal as it comes (a too common password, a too short one), or what went wrong. */
function refusal(error: unknown): string {
  if (error instanceof ApiError && error.code === "NETWORK") return "Pas de connexion. Réessayez quand le réseau revient.";
  return problemsOf(error).join(" ");
}

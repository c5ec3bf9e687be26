import { A, useNavigate } from "@solidjs/router";
import { useQuery } from "@tanstack/solid-query";
import { For, Match, Show, Switch, createSignal, type JSX } from "solid-js";
import type { ImportRunsResponse } from "../../../shared/schemas/imports";
import type { SetupState } from "../../../shared/schemas/setup";
import type { SitesResponse } from "../../../shared/schemas/sites";
import type { UsersResponse } from "../../../shared/schemas/users";
import { apiGet, ApiError } from "../../api";
import { FormError } from "../../components/FormError";
import { PasswordFields, checkNewPassword } from "../../components/PasswordFields";
import { Spinner } from "../../components/Spinner";
import { queryClient, withQueries } from "../../query";
import { refreshSession, setUpFirstAccount, user } from "../../session";
import { SiteForm } from "../sites/SiteForm";

/**
 * The first run, on an empty database without demo data: the first office account (with the code the server
 * printed in its log, so whoever reaches the page first cannot claim the server), then the first site, the
 * billing software's first files, and the first site manager — each step on the screen that does it for good.
 */
export const SetupPage = withQueries(Setup);

function Setup() {
  const state = useQuery(() => ({ queryKey: ["setup"], queryFn: () => apiGet<SetupState>("/setup") }));
  return (
    <main class="page setup-page" data-setup={state.data ? (state.data.needsAccount ? "account" : "steps") : "loading"}>
      <header class="setup-head">
        <img src="/favicon.svg" alt="" width="56" height="56" />
        <div>
          <h1>Mise en service de Cadenas</h1>
          <p class="muted">Quatre étapes, dans l'ordre, depuis ce navigateur.</p>
        </div>
      </header>
      <Switch fallback={<Spinner />}>
        <Match when={state.data?.needsAccount}>
          <AccountStep onDone={() => void state.refetch()} />
        </Match>
        <Match when={state.data && user()?.role === "office"}>
          <Steps />
        </Match>
        <Match when={state.data && !user()}>
          <div class="card">
            <p>Cadenas est déjà mis en service.</p>
            <A class="button primary" href="/connexion?retour=/premiers-pas">
              Se connecter
            </A>
          </div>
        </Match>
        <Match when={state.data}>
          <div class="card">
            <p>La mise en service se fait avec un compte du bureau.</p>
            <A class="button secondary" href="/">
              Retour à l'accueil
            </A>
          </div>
        </Match>
      </Switch>
    </main>
  );
}

function AccountStep(props: { onDone: () => void }) {
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    const missing = [
      ["code", "le code d'installation"],
      ["name", "votre nom"],
      ["email", "votre adresse e-mail"],
      ["initials", "vos initiales"],
    ].find(([name]) => !text(name!));
    if (missing) return setError(`Saisissez ${missing[1]}.`);
    const weak = checkNewPassword(String(form.get("password") ?? ""), String(form.get("confirm") ?? ""));
    if (weak) return setError(weak);
    setBusy(true);
    setError(null);
    try {
      await setUpFirstAccount({ code: text("code"), name: text("name"), email: text("email"), initials: text("initials"), password: String(form.get("password")) });
      props.onDone();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "Le serveur n'a pas pu être joint : rien n'a été créé. Réessayez.");
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card setup-step" data-step="account">
      <h2>1. Le premier compte du bureau</h2>
      <p class="muted">
        Le serveur a écrit un code d'installation dans son journal au démarrage (« type the setup code … »). Recopiez-le&#8239;: sans lui, personne ne peut
        créer ce compte.
      </p>
      <form class="setup-form" onSubmit={submit} novalidate>
        <label class="field">
          <span>Code d'installation</span>
          <input name="code" autocomplete="one-time-code" autocapitalize="characters" spellcheck={false} placeholder="XXXXX-XXXXX" required />
        </label>
        <label class="field">
          <span>Nom et prénom</span>
          <input name="name" autocomplete="name" required />
        </label>
        <label class="field">
          <span>Adresse e-mail</span>
          <input name="email" type="email" autocomplete="username" inputmode="email" autocapitalize="none" required />
        </label>
        <label class="field">
          <span>Initiales (elles signent le journal de facturation)</span>
          <input name="initials" autocapitalize="characters" maxLength={4} required />
        </label>
        <PasswordFields newLabel="Mot de passe" />
        <FormError message={error()} />
        <button class="button primary block" type="submit" disabled={busy()}>
          {busy() ? "Création…" : "Créer le compte"}
        </button>
      </form>
    </section>
  );
}

/** The steps after the account, each done or to do as the data says, so the page can be left and found again. */
function Steps() {
  const navigate = useNavigate();
  const sites = useQuery(() => ({ queryKey: ["sites"], queryFn: () => apiGet<SitesResponse>("/sites") }));
  const imports = useQuery(() => ({ queryKey: ["imports", "history"], queryFn: () => apiGet<ImportRunsResponse>("/imports") }));
  const users = useQuery(() => ({ queryKey: ["users"], queryFn: () => apiGet<UsersResponse>("/users") }));
  const hasSite = () => (sites.data?.sites.length ?? 0) > 0;
  const hasImport = () => (imports.data?.runs ?? []).some((r) => r.ok);
  const hasTeam = () => (users.data?.users ?? []).some((u) => u.role !== "office");
  const ready = () => sites.isSuccess && imports.isSuccess && users.isSuccess;
  const current = () => (!hasSite() ? "site" : !hasImport() ? "import" : !hasTeam() ? "team" : "done");

  return (
    <Show when={ready()} fallback={<Spinner />}>
      <ol class="plain-list setup-steps" data-current={current()}>
        <Step n={1} title="Le premier compte du bureau" done>
          <p class="muted">Connecté(e)&#8239;: {user()?.name}.</p>
        </Step>
        <Step n={2} title="Le premier site" done={hasSite()} current={current() === "site"}>
          <Show
            when={!hasSite()}
            fallback={
              <p class="muted">
                <For each={sites.data!.sites}>{(s, i) => <>{i() > 0 ? ", " : ""}{s.code} · {s.name}</>}</For> — <A href="/sites">modifier</A>
              </p>
            }
          >
            <p class="muted">Son nom, son adresse, son en-tête de courrier. Les boxes viendront des fichiers du logiciel de facturation.</p>
            <SiteForm
              site={null}
              defaultTimeZone={sites.data!.defaultTimeZone}
              editable
              onSaved={() => {
                void queryClient.invalidateQueries({ queryKey: ["sites"] });
                void refreshSession();
              }}
            />
          </Show>
        </Step>
        <Step n={3} title="Le premier import" done={hasImport()} current={current() === "import"}>
          <p class="muted">
            Les quatre fichiers du logiciel de facturation&#8239;: clients, contrats, factures, règlements. Ils sont importés dans le bon ordre&#8239;; un fichier refusé
            n'écrit rien et dit chaque ligne fautive.
          </p>
          <Show when={current() === "import"}>
            <button type="button" class="button primary" onClick={() => navigate("/imports?retour=/premiers-pas")}>
              Importer les fichiers
            </button>
          </Show>
        </Step>
        <Step n={4} title="Le premier gestionnaire de site" done={hasTeam()} current={current() === "team"}>
          <p class="muted">Il reçoit un lien pour choisir son mot de passe, puis travaille sur son téléphone, même sans réseau.</p>
          <Show when={current() === "team"}>
            <button type="button" class="button primary" onClick={() => navigate("/utilisateurs?nouveau=1&retour=/premiers-pas")}>
              Inviter un gestionnaire
            </button>
          </Show>
        </Step>
      </ol>
      <Show when={current() === "done"}>
        <div class="card setup-done" data-step="done">
          <p>
            <strong>Cadenas est en service.</strong> Le moteur de relances tourne chaque jour&#8239;; les fichiers du logiciel de facturation sont à importer chaque jour
            (ou à déposer dans le dossier d'import).
          </p>
          <A class="button primary" href="/">
            Aller à l'accueil
          </A>
        </div>
      </Show>
    </Show>
  );
}

function Step(props: { n: number; title: string; done?: boolean; current?: boolean; children: JSX.Element }) {
  return (
    <li class="card setup-step" data-step-state={props.done ? "done" : props.current ? "current" : "later"}>
      <h2>
        <span class="setup-mark" aria-hidden="true">{props.done ? "✓" : props.n}</span> {props.title}
      </h2>
      <Show when={props.done || props.current}>{props.children}</Show>
    </li>
  );
}

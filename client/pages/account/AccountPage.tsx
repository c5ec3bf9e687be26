import { useQuery } from "@tanstack/solid-query";
import { For, Show, createSignal } from "solid-js";
import type { SessionsResponse } from "../../../shared/schemas/users";
import { ApiError, apiDelete, apiGet, apiPost, problemsOf } from "../../api";
import { AppBar } from "../../components/AppBar";
import { FormError } from "../../components/FormError";
import { PasswordFields, checkNewPassword } from "../../components/PasswordFields";
import { QueryState } from "../../components/QueryState";
import { ActionButton, SaveButton, useSaving } from "../../components/Saving";
import { formatInstantShort } from "../../format";
import { SESSION_PLACE_LABEL } from "../../labels";
import { queryClient, withQueries } from "../../query";
import { user } from "../../session";
import { TwoFactorCard } from "./TwoFactorCard";

/**
 * "Mon compte", for everyone, on the phone too: change one's password (the current one asked first), two-factor
 * sign-in for the office and Managers (`TwoFactorCard`), and the sessions open under one's name — which device,
 * phone or desk, last used — each of the others closable (a lost phone is signed out from a desk).
 */
export const AccountPage = withQueries(Account);

function Account() {
  const me = () => user()!;
  return (
    <>
      <AppBar title="Mon compte" subtitle={`${me().name} · ${me().email}`} back="/" />
      <main class="page account-page with-status-bar">
        <ChangePassword />
        <TwoFactorCard />
        <Sessions />
      </main>
    </>
  );
}

function ChangePassword() {
  const save = useSaving();
  const [done, setDone] = createSignal(false);
  let form: HTMLFormElement | undefined;

  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const data = new FormData(form);
    const currentPassword = String(data.get("current") ?? "");
    const newPassword = String(data.get("password") ?? "");
    setDone(false);
    void save.run(async () => {
      if (!currentPassword) return save.fail("Saisissez votre mot de passe actuel.");
      const wrong = checkNewPassword(newPassword, String(data.get("confirm") ?? ""));
      if (wrong) return save.fail(wrong);
      try {
        await apiPost("/auth/password", { currentPassword, newPassword });
      } catch (e) {
        return save.fail(refusal(e));
      }
      form?.reset();
      setDone(true);
      // The server may have closed the other sessions with the change.
      void queryClient.invalidateQueries({ queryKey: ["sessions"] });
    });
  };

  return (
    <section class="card">
      <h2>Mot de passe</h2>
      <form class="sheet-form" ref={form} onSubmit={submit} novalidate>
        <label class="field">
          <span>Mot de passe actuel</span>
          <input name="current" type="password" autocomplete="current-password" required />
        </label>
        <PasswordFields />
        <FormError message={save.error()} />
        <Show when={done()}>
          <p class="ok-text" role="status">
            Mot de passe changé.
          </p>
        </Show>
        <SaveButton saving={save.saving()} class="button primary block">
          Changer le mot de passe
        </SaveButton>
      </form>
    </section>
  );
}

function Sessions() {
  const list = useQuery(() => ({ queryKey: ["sessions"], queryFn: () => apiGet<SessionsResponse>("/auth/sessions") }));
  const close = async (id: string) => {
    await apiDelete(`/auth/sessions/${encodeURIComponent(id)}`);
    await queryClient.invalidateQueries({ queryKey: ["sessions"] });
  };
  return (
    <section class="card">
      <h2>Mes sessions</h2>
      <QueryState query={list} failed="Les sessions n'ont pas pu être chargées.">
        <ul class="plain-list session-list">
          <For each={list.data?.sessions ?? []}>
            {(s) => (
              <li data-session-current={s.current ? "yes" : "no"}>
                <div class="session-what">
                  <strong>{s.device}</strong>
                  <span class="muted">
                    {SESSION_PLACE_LABEL[s.place]} · dernière utilisation le {formatInstantShort(s.lastSeenAt)}
                  </span>
                </div>
                <Show when={!s.current} fallback={<span class="flag ok">Cette session</span>}>
                  <div class="session-close">
                    <ActionButton class="button secondary small" action={() => close(s.id)}>
                      Fermer
                    </ActionButton>
                  </div>
                </Show>
              </li>
            )}
          </For>
        </ul>
      </QueryState>
    </section>
  );
}

function refusal(error: unknown): string {
  if (error instanceof ApiError && error.code === "NETWORK") return "Pas de connexion. Réessayez quand le réseau revient.";
  return problemsOf(error).join(" ");
}

import { useQuery } from "@tanstack/solid-query";
import { useSearchParams } from "@solidjs/router";
import { For, Match, Show, Switch, createSignal, onMount } from "solid-js";
import type { Role } from "../../../shared/enums";
import type { SiteRef } from "../../../shared/schemas/auth";
import { UserBody, type InvitationResponse, type UserItem, type UsersResponse } from "../../../shared/schemas/users";
import { apiGet, apiPatch, apiPost, problemsOf } from "../../api";
import { AppBar } from "../../components/AppBar";
import { FormError } from "../../components/FormError";
import { QueryState } from "../../components/QueryState";
import { ActionButton, SaveButton, useSaving } from "../../components/Saving";
import { Sheet } from "../../components/Sheet";
import { formatInstantShort } from "../../format";
import { ROLE_LABEL, USER_STATE_LABEL } from "../../labels";
import { queryClient, withQueries } from "../../query";
import { safeReturnPath } from "../../return-path";
import { refreshSession, user } from "../../session";

/**
 * The office's users: who can sign in, with which role, on which sites, and where each account stands. The office
 * invites (the new user chooses their own password from a link), edits, deactivates and reactivates; a Manager
 * does the same for the site managers of their own sites, and sees the others without actions (`editable`).
 * A deactivated user's phone may still hold actions it could not send: the last count it reported is shown.
 * A table at a desk, cards on a phone (one markup, laid out by the stylesheet).
 */
export const UsersPage = withQueries(Users);

type Panel = { kind: "edit"; user: UserItem | null } | { kind: "invitation"; answer: InvitationResponse } | { kind: "deactivate"; user: UserItem } | null;

function Users() {
  const list = useQuery(() => ({ queryKey: ["users"], queryFn: () => apiGet<UsersResponse>("/users") }));
  const [panel, setPanel] = createSignal<Panel>(null);
  // The first-run page sends here to invite the first site manager, and expects to be brought back.
  const [params] = useSearchParams<{ nouveau?: string; retour?: string }>();
  onMount(() => {
    if (params.nouveau) setPanel({ kind: "edit", user: null });
  });
  // The sites the form offers are the session's (every site for the office): a site created since sign-in too.
  onMount(() => void refreshSession());
  const me = () => user()!;
  const counts = () => {
    const users = list.data?.users ?? [];
    const n = (state: UserItem["state"]) => users.filter((u) => u.state === state).length;
    const said = (state: UserItem["state"], word: string) => (n(state) > 0 ? `${n(state)} ${word}${n(state) > 1 ? "s" : ""}` : "");
    return [said("active", "actif"), said("invited", "invité"), said("deactivated", "désactivé")].filter(Boolean).join(" · ");
  };
  const replace = (item: UserItem) => {
    queryClient.setQueryData<UsersResponse>(["users"], (old) =>
      old ? { users: old.users.some((u) => u.id === item.id) ? old.users.map((u) => (u.id === item.id ? item : u)) : [...old.users, item] } : old,
    );
    void queryClient.invalidateQueries({ queryKey: ["users"] });
  };
  const invite = async (u: UserItem) => {
    const answer = await apiPost<InvitationResponse>(`/users/${u.id}/invitation`);
    replace(answer.user);
    setPanel({ kind: "invitation", answer });
  };
  const reactivate = async (u: UserItem) => replace(await apiPost<UserItem>(`/users/${u.id}/reactivate`));
  // A lost phone: the office turns the person's second factor off; they set it up again at their next sign-in.
  const resetTwoFactor = async (u: UserItem) => replace(await apiPost<UserItem>(`/users/${u.id}/two-factor/reset`));

  return (
    <>
      <AppBar title="Utilisateurs" subtitle={list.data ? counts() : undefined} back={safeReturnPath(params.retour)} />
      <main class="page wide users-page with-status-bar" data-users-state={list.isSuccess ? "ready" : "loading"}>
        <div class="toolbar users-toolbar">
          <p class="muted">
            {me().role === "office" ? "Chaque personne reçoit un lien pour choisir son mot de passe." : "Vous gérez les gestionnaires de vos sites."}
          </p>
          <button type="button" class="button primary" onClick={() => setPanel({ kind: "edit", user: null })}>
            Nouvel utilisateur
          </button>
        </div>
        <QueryState query={list} failed="La liste des utilisateurs n'a pas pu être chargée.">
          <table class="users-table">
            <thead>
              <tr>
                <th scope="col">Nom</th>
                <th scope="col">Rôle</th>
                <th scope="col">Sites</th>
                <th scope="col">État</th>
                <th scope="col">Dernière visite</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              <For each={list.data?.users ?? []}>
                {(u) => (
                  <UserRow
                    user={u}
                    isMe={u.id === me().id}
                    onEdit={() => setPanel({ kind: "edit", user: u })}
                    onDeactivate={() => setPanel({ kind: "deactivate", user: u })}
                    onReactivate={() => reactivate(u)}
                    onInvite={() => invite(u)}
                    onResetTwoFactor={me().role === "office" ? () => resetTwoFactor(u) : undefined}
                  />
                )}
              </For>
            </tbody>
          </table>
        </QueryState>
      </main>

      <Sheet title={(() => { const p = panel(); return p?.kind === "edit" && p.user ? `Modifier ${p.user.name}` : "Nouvel utilisateur"; })()} open={panel()?.kind === "edit"} onClose={() => setPanel(null)}>
        <Show when={panel()?.kind === "edit" ? (panel() as { user: UserItem | null }) : null} keyed>
          {(p) => (
            <UserForm
              user={p.user}
              sites={me().sites}
              roles={me().role === "office" ? ["site_manager", "manager", "office"] : ["site_manager"]}
              onCreated={(answer) => {
                replace(answer.user);
                setPanel({ kind: "invitation", answer });
              }}
              onSaved={(item) => {
                replace(item);
                setPanel(null);
              }}
            />
          )}
        </Show>
      </Sheet>

      <Sheet title="Invitation" open={panel()?.kind === "invitation"} onClose={() => setPanel(null)}>
        <Show when={panel()?.kind === "invitation" ? (panel() as { answer: InvitationResponse }).answer : null} keyed>
          {(answer) => <Invitation answer={answer} onDone={() => setPanel(null)} />}
        </Show>
      </Sheet>

      <Sheet
        title={(() => { const p = panel(); return p?.kind === "deactivate" ? `Désactiver ${p.user.name} ?` : ""; })()}
        open={panel()?.kind === "deactivate"}
        onClose={() => setPanel(null)}
      >
        <Show when={panel()?.kind === "deactivate" ? (panel() as { user: UserItem }).user : null} keyed>
          {(u) => (
            <Deactivate
              user={u}
              onDone={(item) => {
                replace(item);
                setPanel(null);
              }}
              onCancel={() => setPanel(null)}
            />
          )}
        </Show>
      </Sheet>
    </>
  );
}

/** One user in the list: a table row at a desk, a card on a phone; the actions the one asking may take on them. */
function UserRow(props: {
  user: UserItem;
  isMe: boolean;
  onEdit: () => void;
  onDeactivate: () => void;
  onReactivate: () => Promise<unknown>;
  onInvite: () => Promise<unknown>;
  onResetTwoFactor?: () => Promise<unknown>;
}) {
  return (
    <tr data-user-email={props.user.email} data-user-state={props.user.state}>
      <td>
        <div class="user-who">
          <span class="initials" title="Initiales">
            {props.user.initials}
          </span>
          <span class="user-names">
            <strong>{props.user.name}</strong>
            <span class="muted">{props.user.email}</span>
          </span>
        </div>
      </td>
      <td data-label="Rôle">{ROLE_LABEL[props.user.role]}</td>
      <td data-label="Sites">{props.user.role === "office" ? "Tous les sites" : props.user.sites.map((s) => s.name).join(", ") || "Aucun site"}</td>
      <td class="user-state">
        <span class={`flag user-${props.user.state}`}>{USER_STATE_LABEL[props.user.state]}</span>
        <Show when={props.user.twoFactor}>
          <span class="flag ok" data-two-factor="on">Double authentification</span>
          {/* A lost phone: only the office resets it, never its own (that is "Mon compte"). */}
          <Show when={!props.isMe && props.onResetTwoFactor}>
            {(reset) => (
              <span class="two-factor-reset">
                <ActionButton class="button secondary small" label={`Réinitialiser la double authentification de ${props.user.name}`} action={reset()}>
                  Réinitialiser
                </ActionButton>
              </span>
            )}
          </Show>
        </Show>
        <Show when={props.user.state === "deactivated" && (props.user.pendingOnPhone ?? 0) > 0}>
          <span class="pending-on-phone">
            {props.user.pendingOnPhone} action{props.user.pendingOnPhone! > 1 ? "s" : ""} non envoyée{props.user.pendingOnPhone! > 1 ? "s" : ""} sur son téléphone
            {props.user.pendingReportedAt ? ` (au ${formatInstantShort(props.user.pendingReportedAt)})` : ""}
          </span>
        </Show>
      </td>
      <td data-label="Dernière visite">{props.user.lastSeenAt ? formatInstantShort(props.user.lastSeenAt) : "Jamais"}</td>
      <td class="user-actions">
        <Show when={props.user.editable}>
          <button type="button" class="button secondary small" aria-label={`Modifier ${props.user.name}`} onClick={props.onEdit}>
            Modifier
          </button>
          <Switch>
            <Match when={props.user.state === "deactivated"}>
              <ActionButton class="button secondary small" label={`Réactiver ${props.user.name}`} action={props.onReactivate}>
                Réactiver
              </ActionButton>
            </Match>
            <Match when={!props.isMe}>
              <Show when={props.user.state === "invited"}>
                <ActionButton class="button secondary small" label={`Nouvelle invitation pour ${props.user.name}`} action={props.onInvite}>
                  Nouvelle invitation
                </ActionButton>
              </Show>
              <button type="button" class="button ghost small danger-text" aria-label={`Désactiver ${props.user.name}`} onClick={props.onDeactivate}>
                Désactiver
              </button>
            </Match>
          </Switch>
        </Show>
      </td>
    </tr>
  );
}

/** Creating or editing a user. The shared schema checks it first; the server's refusal (initials taken…) shows as it comes. */
function UserForm(props: {
  user: UserItem | null;
  sites: readonly SiteRef[];
  roles: readonly Role[];
  onCreated: (answer: InvitationResponse) => void;
  onSaved: (item: UserItem) => void;
}) {
  const save = useSaving();
  const [role, setRole] = createSignal<Role>(props.user?.role ?? props.roles[0]!);
  const [initials, setInitials] = createSignal(props.user?.initials ?? "");
  let initialsTyped = Boolean(props.user);
  // Sites of theirs this person may not change (a Manager editing someone who also works elsewhere) stay as they are.
  const offered = () => {
    const mine = new Set(props.sites.map((s) => s.id));
    return [
      ...props.sites.map((s) => ({ ...s, locked: false })),
      ...(props.user?.sites ?? []).filter((s) => !mine.has(s.id)).map((s) => ({ ...s, phone: null, locked: true })),
    ];
  };
  const chosen = new Set(props.user?.sites.map((s) => s.id) ?? (props.sites.length === 1 ? [props.sites[0]!.id] : []));

  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    void save.run(async () => {
      const parsed = UserBody.safeParse({
        name: data.get("name"),
        email: data.get("email"),
        initials: data.get("initials"),
        role: role(),
        siteIds: role() === "office" ? [] : data.getAll("siteIds"),
      });
      if (!parsed.success) return save.fail(FIELD_PROBLEM[String(parsed.error.issues[0]?.path[0])] ?? "Vérifiez le formulaire.");
      if (parsed.data.role !== "office" && parsed.data.siteIds.length === 0) return save.fail("Cochez au moins un site.");
      try {
        if (props.user) props.onSaved(await apiPatch<UserItem>(`/users/${props.user.id}`, parsed.data));
        else props.onCreated(await apiPost<InvitationResponse>("/users", parsed.data));
      } catch (e) {
        save.fail(problemsOf(e).join(" "));
      }
    });
  };

  return (
    <form class="sheet-form user-form" onSubmit={submit} novalidate>
      <label class="field">
        <span>Nom</span>
        <input
          name="name"
          autocomplete="off"
          value={props.user?.name ?? ""}
          required
          onInput={(e) => {
            if (!initialsTyped) setInitials(initialsOf(e.currentTarget.value));
          }}
        />
      </label>
      <label class="field">
        <span>Adresse e-mail</span>
        <input name="email" type="email" inputmode="email" autocapitalize="none" autocomplete="off" value={props.user?.email ?? ""} required />
      </label>
      <label class="field">
        <span>Initiales</span>
        <input
          name="initials"
          class="initials-input"
          autocapitalize="characters"
          autocomplete="off"
          maxLength={4}
          value={initials()}
          onInput={(e) => {
            initialsTyped = true;
            setInitials(e.currentTarget.value);
          }}
          required
          aria-describedby="initials-hint"
        />
      </label>
      <p class="hint" id="initials-hint">
        Elles signent le journal de facturation (*VT*…)&#8239;: 2 à 4 lettres, propres à chaque personne.
      </p>
      <Show when={props.roles.length > 1} fallback={<p class="muted">Rôle&#8239;: {ROLE_LABEL[role()]}</p>}>
        <label class="field">
          <span>Rôle</span>
          <select class="big-select" name="role" value={role()} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            <For each={props.roles}>{(r) => <option value={r}>{ROLE_LABEL[r]}</option>}</For>
          </select>
        </label>
      </Show>
      <Show when={role() !== "office"} fallback={<p class="muted">Le bureau voit tous les sites.</p>}>
        <fieldset class="site-choices">
          <legend>Sites</legend>
          <For each={offered()}>
            {(s) => (
              <label class="check">
                <input type="checkbox" name="siteIds" value={s.id} checked={chosen.has(s.id)} disabled={s.locked} />
                <span>
                  {s.name} <span class="muted">({s.code})</span>
                </span>
                {/* A disabled box is not submitted: keep the site all the same. */}
                <Show when={s.locked && chosen.has(s.id)}>
                  <input type="hidden" name="siteIds" value={s.id} />
                </Show>
              </label>
            )}
          </For>
        </fieldset>
      </Show>
      <FormError message={save.error()} />
      <SaveButton saving={save.saving()} class="button primary block">
        {props.user ? "Enregistrer" : "Créer et inviter"}
      </SaveButton>
    </form>
  );
}

/** After an invitation: sent by e-mail, or — no SMTP set — the link shown once, to hand over. */
function Invitation(props: { answer: InvitationResponse; onDone: () => void }) {
  const [copied, setCopied] = createSignal(false);
  let field: HTMLInputElement | undefined;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.answer.link!);
    } catch {
      // No clipboard permission (plain http on a LAN): select it for a manual copy.
      field?.select();
      document.execCommand?.("copy");
    }
    setCopied(true);
  };
  return (
    <div class="sheet-form invitation" data-delivery={props.answer.delivery}>
      <Switch>
        <Match when={props.answer.delivery === "email"}>
          <p role="status">
            Invitation envoyée par e-mail à <strong>{props.answer.user.email}</strong>.
          </p>
          <p class="muted">Le lien est valable jusqu'au {formatInstantShort(props.answer.expiresAt)}.</p>
        </Match>
        <Match when={props.answer.link}>
          {(link) => (
            <>
              <p>
                Aucun serveur d'e-mail n'est réglé&#8239;: remettez ce lien à <strong>{props.answer.user.name}</strong> ({props.answer.user.email}).
              </p>
              <label class="field">
                <span>Lien d'invitation</span>
                <input ref={field} class="link-field" value={link()} readOnly onFocus={(e) => e.currentTarget.select()} />
              </label>
              <button type="button" class="button secondary block" onClick={() => void copy()}>
                {copied() ? "Lien copié" : "Copier le lien"}
              </button>
              <p class="note" role="note">
                À remettre à la personne&#8239;: valable jusqu'au {formatInstantShort(props.answer.expiresAt)}, une seule fois.
              </p>
            </>
          )}
        </Match>
      </Switch>
      <button type="button" class="button primary block" onClick={() => props.onDone()}>
        Terminé
      </button>
    </div>
  );
}

function Deactivate(props: { user: UserItem; onDone: (item: UserItem) => void; onCancel: () => void }) {
  const save = useSaving();
  return (
    <div class="sheet-form">
      <p>
        {props.user.name} ne pourra plus se connecter. Ses sessions sont fermées tout de suite&#8239;: son téléphone sera déconnecté.
      </p>
      <p class="muted">
        Les actions que son téléphone n'a pas encore envoyées y restent&#8239;: le téléphone le lui dit, et elles partiront si le compte est réactivé.
      </p>
      <FormError message={save.error()} />
      <SaveButton
        type="button"
        saving={save.saving()}
        class="button danger block"
        onClick={() => void save.run(async () => props.onDone(await apiPost<UserItem>(`/users/${props.user.id}/deactivate`)))}
      >
        Désactiver
      </SaveButton>
      <button type="button" class="button ghost block" onClick={() => props.onCancel()}>
        Annuler
      </button>
    </div>
  );
}

/** What the form says for the first field the shared schema refuses. */
const FIELD_PROBLEM: Record<string, string> = {
  name: "Saisissez le nom.",
  email: "Saisissez une adresse e-mail valide.",
  initials: "Les initiales comptent 2 à 4 lettres (A à Z), sans accent.",
  role: "Choisissez un rôle.",
  siteIds: "Cochez au moins un site.",
};

/** "Valérie Thomas" → "VT": a first guess the office can change. */
function initialsOf(name: string): string {
  return name
    .normalize("NFD")
    .replace(/[^A-Za-z\s-]/g, "")
    .split(/[\s-]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase())
    .join("")
    .slice(0, 4);
}

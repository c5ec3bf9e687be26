import { useNavigate } from "@solidjs/router";
import { For, Show, createSignal, onCleanup, onMount } from "solid-js";
import type { SessionUser } from "../../shared/schemas/auth";
import { ROLE_LABEL } from "../labels";
import { settings, signOut } from "../session";
import { todayIn } from "../../shared/dates";
import { hoursText, weekdayOf } from "../../shared/sites/hours";
import { counted } from "../../shared/plural";

/** The screens the menu leads to: the floor's for everyone, the office's for the office and the Manager, `office-only` for the office. */
const SCREENS = [
  ["/cadenas", "Contrôle des cadenas", "floor"],
  ["/suivi", "Suivi des impayés", "office"],
  ["/tableau-de-bord", "Tableau de bord", "office"],
  ["/contentieux", "Contentieux", "office"],
  ["/validations", "Validations", "office"],
  ["/envois", "Envois et courriers", "office"],
  ["/scenarios", "Scénarios et réglages", "office"],
  ["/modeles", "Modèles de messages", "office"],
  ["/imports", "Imports", "office"],
  ["/facturation", "À saisir en facturation", "office"],
  ["/actions-en-echec", "Actions en échec", "office"],
  ["/utilisateurs", "Utilisateurs", "office"],
  ["/sites", "Sites", "office"],
  ["/journal", "Journal des modifications", "office-only"],
  ["/donnees-personnelles", "Données personnelles", "office-only"],
  ["/compte", "Mon compte", "floor"],
] as const;

/** The user's initials in the top bar; opens who is signed in, the install offer and sign-out. */
export function UserMenu(props: { user: SessionUser }) {
  const navigate = useNavigate();
  const [open, setOpen] = createSignal(false);
  const [installPrompt, setInstallPrompt] = createSignal<BeforeInstallPromptEvent | null>(null);

  onMount(() => {
    const keep = (event: Event) => {
      event.preventDefault();
      setInstallPrompt(event as BeforeInstallPromptEvent);
    };
    window.addEventListener("beforeinstallprompt", keep);
    onCleanup(() => window.removeEventListener("beforeinstallprompt", keep));
  });

  const install = async () => {
    const prompt = installPrompt();
    if (!prompt) return;
    await prompt.prompt();
    setInstallPrompt(null);
    setOpen(false);
  };

  const leave = async () => {
    // The store's code, loaded by now (the list's live reads), is not part of the first screen's download.
    const [store, queries] = await Promise.all([import("../store"), import("../store/queries")]);
    const waiting = await queries.countUnsent(props.user.id);
    if (waiting > 0 && !confirm(`${counted(waiting, "action pas encore envoyée", "actions pas encore envoyées")}. ${waiting > 1 ? "Elles partiront" : "Elle partira"} à votre prochaine connexion. Se déconnecter ?`)) return;
    await signOut();
    await store.forgetDebtors();
    // The server reads cached by the screens that use them (not loaded by the first screen).
    (await import("../query")).queryClient.clear();
    navigate("/connexion", { replace: true });
  };

  return (
    <div class="user-menu">
      <button type="button" class="avatar" aria-haspopup="menu" aria-expanded={open()} aria-label={`${props.user.initials}, menu de ${props.user.name}`} onClick={() => setOpen(!open())}>
        {props.user.initials}
      </button>
      <Show when={open()}>
        <div class="menu" role="menu">
          <div class="menu-who">
            <strong>{props.user.name}</strong>
            <span>{ROLE_LABEL[props.user.role]}</span>
            <Show when={props.user.sites.length > 0} fallback={<span>Tous les sites</span>}>
              <For each={props.user.sites}>
                {(s) => (
                  <span data-site-hours={s.code}>
                    {s.name}
                    <Show when={hoursText(s.openingHours, weekdayOf(todayIn(settings().timeZone)))}>{(h) => <> · portail aujourd'hui&#8239;: {h()}</>}</Show>
                  </span>
                )}
              </For>
            </Show>
          </div>
          <For each={SCREENS.filter(([, , who]) => who === "floor" || (who === "office-only" ? props.user.role === "office" : props.user.role !== "site_manager"))}>
            {([path, label]) => (
              <button
                type="button"
                role="menuitem"
                class="menu-item"
                onClick={() => {
                  setOpen(false);
                  navigate(path);
                }}
              >
                {label}
              </button>
            )}
          </For>
          <Show when={installPrompt()}>
            <button type="button" role="menuitem" class="menu-item" onClick={() => void install()}>
              Installer l'application
            </button>
          </Show>
          <button type="button" role="menuitem" class="menu-item" onClick={() => void leave()}>
            Se déconnecter
          </button>
        </div>
      </Show>
    </div>
  );
}

interface BeforeInstallPromptEvent extends Event {
  prompt(): Promise<void>;
}

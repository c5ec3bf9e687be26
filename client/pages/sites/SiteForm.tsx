import { useQuery } from "@tanstack/solid-query";
import { For, Index, Show, createEffect, createSignal, on, onCleanup, type JSX } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import { MAX_LOGO_BYTES, WEEKDAYS, type SiteItem } from "../../../shared/schemas/sites";
import type { UsersResponse } from "../../../shared/schemas/users";
import { everyDay, WEEKDAY_LABEL } from "../../../shared/sites/hours";
import { ApiError, apiDelete, apiGet, apiPatch, apiPost } from "../../api";
import { FormError } from "../../components/FormError";
import { SaveButton, useSaving } from "../../components/Saving";
import { ROLE_LABEL } from "../../labels";
import { bodyOf, draftOf, issuesOf, type SiteDraft } from "./draft";

/**
 * One site's settings, grouped as the office thinks of them. What the API refuses is shown next to the field it
 * names; the shared schema checks the same rules before anything is sent. Read-only for a Manager.
 */
export function SiteForm(props: { site: SiteItem | null; defaultTimeZone: string; editable: boolean; onSaved: (site: SiteItem) => void }) {
  const [draft, setDraft] = createStore<SiteDraft>(draftOf(props.site, props.defaultTimeZone));
  createEffect(on(() => props.site?.id, () => setDraft(reconcile(draftOf(props.site, props.defaultTimeZone)))));
  const [issues, setIssues] = createSignal<Record<string, string>>({});
  const [done, setDone] = createSignal(false);
  const [logo, setLogo] = createSignal<File | null>(null);
  const save = useSaving();
  // Who may work there: only the office lists users; until the accounts screen's route exists, the section hides.
  const people = useQuery(() => ({
    queryKey: ["users"],
    queryFn: () => apiGet<UsersResponse>("/users"),
    enabled: props.editable,
    retry: false,
  }));
  const showPeople = () => !props.editable || (people.isSuccess && people.data.users.some((u) => u.role !== "office"));
  const set = <K extends keyof SiteDraft>(key: K, value: SiteDraft[K]) => {
    setDone(false);
    setDraft(key, value as never);
  };

  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    void save.run(async () => {
      setIssues({});
      const checked = bodyOf(draft);
      if ("issues" in checked) {
        setIssues(checked.issues);
        return save.fail("Non enregistré : des champs sont à corriger (en rouge).");
      }
      // Without the users' list, the site's people are left as they are.
      const { userIds, ...rest } = checked.body;
      const body = people.isSuccess ? checked.body : rest;
      let site: SiteItem;
      try {
        site = props.site ? await apiPatch<SiteItem>(`/sites/${props.site.id}`, body) : await apiPost<SiteItem>("/sites", { ...body, userIds });
      } catch (e) {
        return refused(e);
      }
      const file = logo();
      if (file) {
        try {
          site = await uploadLogo(site.id, file);
        } catch (e) {
          // The site is saved; only its logo was refused.
          props.onSaved(site);
          return refused(e);
        }
      }
      setLogo(null);
      setDone(true);
      props.onSaved(site);
    });
  };
  /** A refusal naming fields is shown beside them; anything else (the network) as the save's failure. */
  const refused = (e: unknown) => {
    const found = issuesOf(e);
    setIssues(found);
    if (Object.keys(found).some((k) => k !== "")) return save.fail("Non enregistré : des champs sont à corriger (en rouge).");
    throw e;
  };

  const field = (key: keyof SiteDraft & string, label: string, input: JSX.Element, hint?: string) => (
    <label class="field" data-field={key}>
      {label}
      {input}
      <Show when={hint}>
        <span class="hint">{hint}</span>
      </Show>
      <FieldError message={issues()[key]} />
    </label>
  );
  const text = (key: Exclude<keyof SiteDraft, "openingHours" | "userIds">, label: string, options: { hint?: string; type?: string; autocomplete?: string; inputmode?: "numeric" | "tel" | "email" } = {}) =>
    field(
      key,
      label,
      <input
        type={options.type ?? "text"}
        name={key}
        inputmode={options.inputmode}
        autocomplete={options.autocomplete ?? "off"}
        value={draft[key]}
        aria-invalid={Boolean(issues()[key])}
        onInput={(e) => set(key, e.currentTarget.value)}
      />,
      options.hint,
    );

  return (
    <form class="site-form" onSubmit={submit} data-site-form={props.site?.code ?? "new"} novalidate>
      <h2>{props.site ? `${props.site.code} · ${props.site.name}` : "Nouveau site"}</h2>
      <fieldset class="site-fields" disabled={!props.editable}>
        <section class="card site-section">
          <h3>Identité</h3>
          <div class="field-row">
            {text("code", "Code", { hint: "2 à 10 lettres ou chiffres, celui des fichiers du logiciel de facturation" })}
            {text("name", "Nom")}
          </div>
        </section>

        <section class="card site-section">
          <h3>Coordonnées</h3>
          {text("address", "Adresse", { autocomplete: "street-address" })}
          <div class="field-row">
            {text("postalCode", "Code postal", { inputmode: "numeric" })}
            {text("city", "Ville")}
          </div>
          <div class="field-row">
            {text("phone", "Téléphone", { type: "tel", inputmode: "tel" })}
            {text("email", "E-mail du site", { type: "email", inputmode: "email" })}
          </div>
        </section>

        <section class="card site-section">
          <h3>Envois</h3>
          <div class="field-row">
            {text("senderName", "Nom d'expéditeur des e-mails", { hint: "Vide : le nom du site" })}
            {text("replyTo", "Adresse de réponse", { type: "email", inputmode: "email", hint: "Où arrivent les réponses des clients" })}
          </div>
          {field(
            "smsSender",
            "Expéditeur des SMS",
            <input name="smsSender" maxlength={11} value={draft.smsSender} aria-invalid={Boolean(issues().smsSender)} onInput={(e) => set("smsSender", e.currentTarget.value)} />,
          )}
          <p class="hint sms-sender-count" data-over={draft.smsSender.length > 11}>
            {draft.smsSender.length}/11 — lettres et chiffres sans espace ni accent&#8239;; vide&#8239;: l'expéditeur du serveur
          </p>
        </section>

        <section class="card site-section">
          <h3>En-tête des courriers</h3>
          <LogoField site={props.site} editable={props.editable} chosen={logo()} onChoose={(f) => (setDone(false), setLogo(f))} onSaved={props.onSaved} error={issues().logo} />
          <div class="field-row">
            {text("legalName", "Raison sociale")}
            {text("siret", "SIRET", { inputmode: "numeric", hint: "14 chiffres" })}
          </div>
          <div class="field-row">
            {text("legalForm", "Forme juridique", { hint: "Par exemple SAS, SARL" })}
            {text("shareCapital", "Capital social", { hint: "Par exemple 50 000 €" })}
          </div>
          <div class="field-row">
            {text("rcs", "RCS", { hint: "Ville et numéro, par exemple Lyon B 812 345 676" })}
            {text("registeredOffice", "Siège social")}
          </div>
          <div class="field-row">
            {text("signatoryName", "Signataire")}
            {text("signatoryTitle", "Fonction du signataire")}
          </div>
          {text("iban", "IBAN", { hint: "Pour les virements : les lettres de relance l'indiquent" })}
        </section>

        <section class="card site-section">
          <h3>Fuseau horaire</h3>
          {field(
            "timeZone",
            "Fuseau du calendrier du site",
            <select class="big-select" name="timeZone" value={draft.timeZone} onChange={(e) => set("timeZone", e.currentTarget.value)}>
              <For each={timeZones(draft.timeZone)}>{(z) => <option value={z}>{z.replaceAll("_", " ")}</option>}</For>
            </select>,
            "Il fixe « aujourd'hui », les heures d'envoi des SMS et les dates affichées sur le téléphone du site.",
          )}
        </section>

        <section class="card site-section">
          <h3>Horaires d'ouverture</h3>
          <HoursField hours={draft.openingHours} issues={issues()} onChange={(h) => set("openingHours", h)} />
        </section>

        <Show when={showPeople()}>
          <section class="card site-section">
            <h3>Personnes qui y travaillent</h3>
            <Show
              when={props.editable}
              fallback={
                <ul class="plain-list">
                  <For each={props.site?.users ?? []} fallback={<li class="muted">Personne pour l'instant.</li>}>
                    {(u) => <li>{`${u.name} — ${ROLE_LABEL[u.role as keyof typeof ROLE_LABEL] ?? u.role}`}</li>}
                  </For>
                </ul>
              }
            >
              <p class="hint">Le bureau voit tous les sites&#8239;: il n'est pas listé ici.</p>
              <For each={people.data!.users.filter((u) => u.role !== "office")}>
                {(u) => (
                  <label class="check">
                    <input
                      type="checkbox"
                      checked={draft.userIds.includes(u.id)}
                      onChange={(e) => set("userIds", e.currentTarget.checked ? [...draft.userIds, u.id] : draft.userIds.filter((id) => id !== u.id))}
                    />
                    <span>
                      {u.name} — {ROLE_LABEL[u.role]}
                      {u.state === "deactivated" ? " (désactivé)" : ""}
                    </span>
                  </label>
                )}
              </For>
              <FieldError message={issues().userIds} />
            </Show>
          </section>
        </Show>
      </fieldset>

      <Show when={props.editable}>
        <div class="sticky-actions site-actions">
          <FormError message={save.error()} />
          <Show when={done() && !save.saving()}>
            <span class="ok-text">Enregistré</span>
          </Show>
          <SaveButton saving={save.saving()} class="button primary big">
            {props.site ? "Enregistrer" : "Créer le site"}
          </SaveButton>
        </div>
      </Show>
    </form>
  );
}

/** The letterhead's logo: its preview, and a new one chosen (sent when the site is saved), or removed. */
function LogoField(props: { site: SiteItem | null; editable: boolean; chosen: File | null; onChoose: (file: File | null) => void; onSaved: (site: SiteItem) => void; error?: string }) {
  const [tooBig, setTooBig] = createSignal<string | null>(null);
  const remove = useSaving();
  const [preview, setPreview] = createSignal<string | null>(null);
  createEffect(() => {
    const file = props.chosen;
    const url = file ? URL.createObjectURL(file) : null;
    setPreview(url);
    onCleanup(() => url && URL.revokeObjectURL(url));
  });
  const shown = () => preview() ?? (props.site?.hasLogo ? `/api/sites/${props.site.id}/logo?v=${encodeURIComponent(props.site.updatedAt)}` : null);
  return (
    <div class="field logo-field" data-field="logo">
      <span>Logo</span>
      <div class="logo-row">
        <div class="logo-preview">
          <Show when={shown()} fallback={<span class="muted">Pas de logo</span>}>
            <img src={shown()!} alt="Logo du site" />
          </Show>
        </div>
        <Show when={props.editable}>
          <label class="button secondary file-button">
            {props.chosen || props.site?.hasLogo ? "Changer" : "Choisir une image"}
            <input
              type="file"
              accept="image/png,image/jpeg"
              class="visually-hidden"
              onChange={(e) => {
                const file = e.currentTarget.files?.[0] ?? null;
                e.currentTarget.value = "";
                if (file && file.size > MAX_LOGO_BYTES) {
                  setTooBig(`Image trop lourde (${Math.ceil(file.size / 1024)} Ko) : ${MAX_LOGO_BYTES / 1024} Ko au plus.`);
                  return;
                }
                setTooBig(null);
                props.onChoose(file);
              }}
            />
          </label>
          <Show when={props.chosen}>
            <button type="button" class="button ghost" onClick={() => props.onChoose(null)}>
              Annuler
            </button>
          </Show>
          <Show when={!props.chosen && props.site?.hasLogo}>
            <SaveButton type="button" class="button ghost" saving={remove.saving()} savingLabel="Retrait…" onClick={() => void remove.run(async () => props.onSaved(await apiDelete<SiteItem>(`/sites/${props.site!.id}/logo`)))}>
              Retirer
            </SaveButton>
          </Show>
        </Show>
      </div>
      <span class="hint">PNG ou JPEG, {MAX_LOGO_BYTES / 1024} Ko au plus&#8239;; imprimé en haut à gauche des courriers.{props.chosen ? " Envoyé à l'enregistrement." : ""}</span>
      <FieldError message={tooBig() ?? props.error ?? remove.error()} />
    </div>
  );
}

/** The gate's hours, weekday by weekday: up to three ranges a day, none for a day it is closed. */
function HoursField(props: { hours: SiteDraft["openingHours"]; issues: Record<string, string>; onChange: (hours: SiteDraft["openingHours"]) => void }) {
  const day = (d: (typeof WEEKDAYS)[number], ranges: { from: string; to: string }[]) => props.onChange({ ...props.hours!, [d]: ranges });
  return (
    <Show
      when={props.hours}
      fallback={
        <div class="hours-unset">
          <p class="muted">Pas d'horaires renseignés&#8239;: le téléphone n'en affiche pas.</p>
          <button type="button" class="button secondary" onClick={() => props.onChange(everyDay("06:00", "22:00"))}>
            Renseigner les horaires
          </button>
        </div>
      }
    >
      <ul class="plain-list hours-list">
        <For each={WEEKDAYS}>
          {(d) => (
            <li class="hours-day" data-day={d}>
              <label class="check">
                <input type="checkbox" checked={props.hours![d].length > 0} onChange={(e) => day(d, e.currentTarget.checked ? [{ from: "06:00", to: "22:00" }] : [])} />
                <span class="hours-name">{WEEKDAY_LABEL[d]}</span>
              </label>
              <div class="hours-ranges">
                <Show when={props.hours![d].length > 0} fallback={<span class="muted">Fermé</span>}>
                  <Index each={props.hours![d]}>
                    {(r, i) => (
                      <span class="hours-range">
                        <input type="time" aria-label={`${WEEKDAY_LABEL[d]} : ouverture`} value={r().from} onInput={(e) => day(d, props.hours![d].map((x, j) => (j === i ? { ...x, from: e.currentTarget.value } : x)))} />
                        –
                        <input type="time" aria-label={`${WEEKDAY_LABEL[d]} : fermeture`} value={r().to} onInput={(e) => day(d, props.hours![d].map((x, j) => (j === i ? { ...x, to: e.currentTarget.value } : x)))} />
                        <Show when={props.hours![d].length > 1}>
                          <button type="button" class="icon-button small" aria-label="Retirer cette plage" onClick={() => day(d, props.hours![d].filter((_, j) => j !== i))}>
                            ×
                          </button>
                        </Show>
                      </span>
                    )}
                  </Index>
                  <Show when={props.hours![d].length < 3}>
                    <button type="button" class="button ghost" onClick={() => day(d, [...props.hours![d], { from: "14:00", to: "18:00" }])}>
                      + plage
                    </button>
                  </Show>
                </Show>
              </div>
              <FieldError message={props.issues[`openingHours.${d}`]} />
            </li>
          )}
        </For>
      </ul>
      <div class="hours-tools">
        <button type="button" class="button secondary" onClick={() => props.onChange(Object.fromEntries(WEEKDAYS.map((d) => [d, props.hours!.mon.map((r) => ({ ...r }))])) as SiteDraft["openingHours"])}>
          Lundi pour tous les jours
        </button>
        <button type="button" class="button ghost" onClick={() => props.onChange(null)}>
          Effacer les horaires
        </button>
      </div>
    </Show>
  );
}

function FieldError(props: { message: string | undefined | null }) {
  return (
    <Show when={props.message}>
      <span class="field-error" role="alert">
        {props.message}
      </span>
    </Show>
  );
}

async function uploadLogo(siteId: string, file: File): Promise<SiteItem> {
  let res: Response;
  try {
    res = await fetch(`/api/sites/${siteId}/logo`, { method: "PUT", credentials: "same-origin", headers: { "content-type": file.type || "application/octet-stream" }, body: file });
  } catch {
    throw new ApiError(0, "NETWORK", "Pas de connexion au serveur : le logo n'est pas envoyé.");
  }
  const payload = await res.json().catch(() => null);
  if (res.ok) return payload as SiteItem;
  const error = payload?.error;
  throw new ApiError(res.status, error?.code ?? "INTERNAL", error?.message ?? `Erreur ${res.status}`, error?.details ?? { issues: [{ path: "logo", message: error?.message ?? `Erreur ${res.status}` }] });
}

/** The IANA zones the browser knows, the current one first if it is not among them. */
function timeZones(current: string): string[] {
  const all = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.("timeZone") ?? [];
  return all.includes(current) ? all : [current, ...all];
}

import { useMutation, useQuery } from "@tanstack/solid-query";
import { For, Match, Show, Switch, createEffect, createSignal } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import type { MessageChannel } from "../../../shared/enums";
import { smsCount } from "../../../shared/messaging/sms";
import type { PreviewResponse, TemplateBody, TemplateItem, TemplatesResponse } from "../../../shared/schemas/templates";
import { apiGet, apiPut, problemsOf } from "../../api";
import { AppBar } from "../../components/AppBar";
import { FormError } from "../../components/FormError";
import { CHANNEL_LABEL } from "../../labels";
import { SaveBar } from "../../components/SaveBar";
import { QueryState } from "../../components/QueryState";
import { plain, queryClient, withQueries } from "../../query";
import { user } from "../../session";
import { useShownDebtors } from "../../store/queries";
import { shown } from "../../store/views";

/** The office edits the messages' wording and sees it filled for a real customer before it goes to anyone. */
export const TemplatesPage = withQueries(Templates);


function Templates() {
  const list = useQuery(() => ({ queryKey: ["templates"], queryFn: () => apiGet<TemplatesResponse>("/templates") }));
  const [code, setCode] = createSignal("box-reminder-email");
  const [draft, setDraft] = createStore<{ t: TemplateItem | null }>({ t: null });
  const [saved, setSaved] = createSignal(false);
  const current = () => list.data?.templates.find((t) => t.code === code());
  createEffect(() => {
    const t = current();
    setDraft("t", t ? reconcile(plain(t)) : null);
  });
  const editable = () => user()?.role !== "site_manager";
  const save = useMutation(() => ({
    mutationFn: (body: TemplateBody) => apiPut<TemplatesResponse>(`/templates/${code()}`, body),
    onSuccess: (data) => {
      setSaved(true);
      queryClient.setQueryData(["templates"], data);
      // The preview shows the saved text: ask for it again.
      void queryClient.invalidateQueries({ queryKey: ["preview"] });
    },
  }));
  const set = (path: ["email" | "sms" | "letter", string], value: string) => {
    setSaved(false);
    setDraft("t", path[0], path[1] as never, value as never);
  };
  return (
    <>
      <AppBar title="Modèles de messages" subtitle={current()?.label} back="/" />
      <main class="page scenarios with-status-bar">
        <QueryState query={list} failed="Les modèles n'ont pas pu être chargés.">
          <Switch>
            <Match when={list.data && draft.t}>
              <label class="field">
                Modèle
                <select class="big-select" value={code()} onChange={(e) => (setSaved(false), setCode(e.currentTarget.value))}>
                  <For each={list.data!.templates}>{(t) => <option value={t.code}>{`${t.label}${t.floor ? " — téléphone" : ""}${t.customized ? " (modifié)" : ""}`}</option>}</For>
                </select>
              </label>
              <p class="muted">Variables&#8239;: {Object.keys(list.data!.variables).map((v) => `{{${v}}}`).join(" ")}</p>
              <form
                class="scenario-form"
                onSubmit={(e) => {
                  e.preventDefault();
                  const { code: _, customized: __, ...body } = plain(draft.t!);
                  save.mutate(body);
                }}
              >
                <Show when={draft.t!.email || draft.t!.sms}>
                  <label class="check">
                    <input
                      type="checkbox"
                      checked={Boolean(draft.t!.floor)}
                      disabled={!editable()}
                      onChange={(e) => (setSaved(false), setDraft("t", "floor", e.currentTarget.checked))}
                    />
                    Proposé sur les téléphones (message après un appel sans réponse) — les téléphones le reçoivent à leur prochaine synchronisation
                  </label>
                </Show>
                <Show when={draft.t!.email}>
                  <section class="card step-card">
                    <h2>Courriel{draft.t!.email!.attachLetter ? " (la lettre en PDF jointe)" : ""}</h2>
                    <label class="field">
                      Objet
                      <input value={draft.t!.email!.subject} disabled={!editable()} onInput={(e) => set(["email", "subject"], e.currentTarget.value)} />
                    </label>
                    <label class="field">
                      Texte
                      <textarea rows="10" value={draft.t!.email!.body} disabled={!editable()} onInput={(e) => set(["email", "body"], e.currentTarget.value)} />
                    </label>
                  </section>
                </Show>
                <Show when={draft.t!.sms}>
                  <section class="card step-card">
                    <h2>SMS</h2>
                    <label class="field">
                      Texte
                      <textarea rows="4" value={draft.t!.sms!.body} disabled={!editable()} onInput={(e) => set(["sms", "body"], e.currentTarget.value)} />
                    </label>
                    <p class="muted">Avant remplissage&#8239;: {smsCount(draft.t!.sms!.body).units} caractères, {smsCount(draft.t!.sms!.body).encoding}</p>
                  </section>
                </Show>
                <Show when={draft.t!.letter}>
                  <section class="card step-card">
                    <h2>Lettre{draft.t!.letter!.formalNotice ? " — mise en demeure" : ""}</h2>
                    <label class="field">
                      Objet
                      <input value={draft.t!.letter!.subject} disabled={!editable()} onInput={(e) => set(["letter", "subject"], e.currentTarget.value)} />
                    </label>
                    <label class="field">
                      Texte (le tableau des factures va où le texte dit {"{{factures}}"})
                      <textarea rows="12" value={draft.t!.letter!.body} disabled={!editable()} onInput={(e) => set(["letter", "body"], e.currentTarget.value)} />
                    </label>
                  </section>
                </Show>
                <SaveBar label="Enregistrer le modèle" error={save.error} saved={saved()} pending={save.isPending} editable={editable()} />
              </form>
              <Preview code={code()} template={current()!} />
            </Match>
          </Switch>
        </QueryState>
      </main>
    </>
  );
}

/** The saved template filled for a customer of the user's sites (from those the phone holds), as it would go today. */
function Preview(props: { code: string; template: TemplateItem }) {
  const shownDebtors = useShownDebtors();
  const debtors = () => shownDebtors()?.toSorted((a, b) => a.name.localeCompare(b.name, "fr"));
  const channels = (): MessageChannel[] => [...(props.template.email ? (["email"] as const) : []), ...(props.template.sms ? (["sms"] as const) : []), ...(props.template.letter ? (["letter"] as const) : [])];
  const [customerId, setCustomerId] = createSignal<string>("");
  const [channel, setChannel] = createSignal<MessageChannel>("email");
  const chosen = () => customerId() || debtors()?.[0]?.customerId || "";
  const shownChannel = () => (channels().includes(channel()) ? channel() : channels()[0]!);
  const preview = useQuery(() => ({
    queryKey: ["preview", props.code, chosen(), shownChannel()],
    queryFn: () => apiGet<PreviewResponse>(`/templates/${props.code}/preview?customerId=${chosen()}&channel=${shownChannel()}`),
    enabled: Boolean(chosen()),
  }));
  return (
    <section class="card step-card">
      <h2>Aperçu avec un vrai client</h2>
      <select class="big-select" value={chosen()} onChange={(e) => setCustomerId(e.currentTarget.value)} aria-label="Client">
        <For each={debtors() ?? []}>{(d) => <option value={d.customerId}>{`${d.name} (${d.ref})`}</option>}</For>
      </select>
      <div class="segmented" role="group" aria-label="Canal">
        <For each={channels()}>
          {(c) => (
            <button type="button" aria-pressed={shownChannel() === c} onClick={() => setChannel(c)}>
              {CHANNEL_LABEL[c]}
            </button>
          )}
        </For>
      </div>
      <Show when={preview.data}>
        {(p) => (
          <>
            <p class="muted">À&#8239;: {p().recipient.split("\n").join(", ") || "aucune adresse connue"}</p>
            <Show when={p().subject}>
              <p>
                <strong>{p().subject}</strong>
              </p>
            </Show>
            <pre class="message-body">{p().body}</pre>
            <Show when={p().sms}>{(s) => <p class="muted">{`${s().segments} SMS · ${s().units} caractères · ${s().encoding}`}</p>}</Show>
            <Show when={p().pdf}>
              <a class="button secondary" href={p().pdf!} target="_blank" rel="noopener">
                Voir la lettre (PDF)
              </a>
            </Show>
          </>
        )}
      </Show>
      <FormError message={preview.isError && problemsOf(preview.error).join(" ; ")} />
    </section>
  );
}

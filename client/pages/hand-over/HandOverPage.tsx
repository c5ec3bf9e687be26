import { For, Show, createResource, createSignal } from "solid-js";
import { A } from "@solidjs/router";
import { HAND_OVER_RECIPIENT_KINDS, RECIPIENT_KIND_LABEL, type HandOverRecipientKind, type HandOversResponse, type Recipient, type RecipientsResponse } from "../../../shared/schemas/hand-over";
import { apiGet, apiPost, apiPut } from "../../api";
import { AppBar } from "../../components/AppBar";
import { FormError } from "../../components/FormError";
import { SaveButton, useSaving } from "../../components/Saving";
import { formatDateFr, formatEuros } from "../../format";
import { user } from "../../session";
import "./hand-over.css";

/**
 * *Contentieux*: the cases handed over to a bailiff or a collection agency — to whom, when, what was owed then, what
 * was paid since and what is owed now, with the ZIP given — and, for the office, the recipients it keeps (added,
 * changed, archived; never deleted). Lazy: the phone's first screen never loads it.
 */
export function HandOverPage() {
  const [list] = createResource(() => apiGet<HandOversResponse>("/hand-overs"));
  return (
    <>
      <AppBar title="Contentieux" subtitle="Dossiers transmis" back="/" />
      <main class="page hand-over-page" data-hand-overs={list.loading ? "loading" : list.error ? "error" : String(list()?.handOvers.length ?? 0)}>
        <section class="card">
          <h2>Dossiers transmis</h2>
          <Show when={list.error}>
            <p class="form-error" role="alert">
              {(list.error as Error).message}
            </p>
          </Show>
          <Show when={list()}>
            {(l) => (
              <Show when={l().handOvers.length > 0} fallback={<p class="muted">Aucun dossier transmis au contentieux pour l'instant.</p>}>
                <div class="ho-table-wrap">
                  <table class="ho-table">
                    <thead>
                      <tr>
                        <th>Client</th>
                        <th>Site</th>
                        <th>Destinataire</th>
                        <th>Transmis le</th>
                        <th class="num">Dû alors</th>
                        <th class="num">Payé depuis</th>
                        <th class="num">Solde actuel</th>
                        <th>Dossier</th>
                      </tr>
                    </thead>
                    <tbody>
                      <For each={l().handOvers}>
                        {(h) => (
                          <tr data-hand-over={h.id}>
                            <td>
                              <A href={`/debiteurs/${h.customerId}?retour=/contentieux`}>{h.customerName}</A>
                              <div class="muted">{h.customerRef}</div>
                            </td>
                            <td>{h.siteName ?? "—"}</td>
                            <td>
                              {h.recipient.name}
                              <div class="muted">{RECIPIENT_KIND_LABEL[h.recipient.kind]}</div>
                            </td>
                            <td>
                              {formatDateFr(h.handedOn)}
                              <Show when={h.handedBy}>
                                <div class="muted">par {h.handedBy}</div>
                              </Show>
                            </td>
                            <td class="num">{formatEuros(h.amountCents)}</td>
                            <td class="num" data-paid-since={h.paidSinceCents}>
                              {h.paidSinceCents > 0 ? formatEuros(h.paidSinceCents) : "—"}
                            </td>
                            <td class="num">{formatEuros(h.balanceCents)}</td>
                            <td>
                              <a class="button secondary small" href={`/api/hand-overs/${h.id}/zip`} download="">
                                ZIP
                              </a>
                            </td>
                          </tr>
                        )}
                      </For>
                    </tbody>
                  </table>
                </div>
              </Show>
            )}
          </Show>
        </section>
        <Show when={user()?.role === "office"}>
          <Recipients />
        </Show>
      </main>
    </>
  );
}

function Recipients() {
  const [list, { refetch }] = createResource(() => apiGet<RecipientsResponse>("/hand-over-recipients"));
  const [editing, setEditing] = createSignal<Recipient | "new" | null>(null);
  return (
    <section class="card ho-recipients" data-recipients={list.loading ? "loading" : String(list()?.recipients.length ?? 0)}>
      <h2>Destinataires</h2>
      <p class="hint">Commissaires de justice et sociétés de recouvrement à qui le bureau transmet des dossiers. Un destinataire archivé n'est plus proposé.</p>
      <ul class="ho-recipient-list">
        <For each={list()?.recipients ?? []}>
          {(r) => (
            <li classList={{ archived: Boolean(r.archivedAt) }} data-recipient={r.id}>
              <div>
                <strong>{r.name}</strong> — {RECIPIENT_KIND_LABEL[r.kind]}
                <Show when={r.archivedAt}>
                  <span class="muted"> (archivé)</span>
                </Show>
                <div class="muted">
                  {r.address}
                  {r.email ? ` · ${r.email}` : ""}
                </div>
              </div>
              <button type="button" class="button secondary small" onClick={() => setEditing(r)}>
                Modifier
              </button>
            </li>
          )}
        </For>
      </ul>
      <Show when={editing()} fallback={<button type="button" class="button secondary" onClick={() => setEditing("new")}>Ajouter un destinataire</button>}>
        {(e) => (
          <RecipientForm
            recipient={e() === "new" ? null : (e() as Recipient)}
            onDone={() => {
              setEditing(null);
              void refetch();
            }}
          />
        )}
      </Show>
    </section>
  );
}

function RecipientForm(props: { recipient: Recipient | null; onDone: () => void }) {
  const r = props.recipient;
  const [kind, setKind] = createSignal<HandOverRecipientKind>(r?.kind ?? "bailiff");
  const [name, setName] = createSignal(r?.name ?? "");
  const [address, setAddress] = createSignal(r?.address ?? "");
  const [email, setEmail] = createSignal(r?.email ?? "");
  const [archived, setArchived] = createSignal(Boolean(r?.archivedAt));
  const save = useSaving();
  const submit = (e: Event) => {
    e.preventDefault();
    void save.run(async () => {
      const body = { kind: kind(), name: name().trim(), address: address().trim(), email: email().trim() || null };
      if (r) await apiPut(`/hand-over-recipients/${r.id}`, { ...body, archived: archived() });
      else await apiPost("/hand-over-recipients", body);
      props.onDone();
    });
  };
  return (
    <form class="form ho-recipient-form" onSubmit={submit} data-recipient-form={save.saving() ? "saving" : "idle"}>
      <label class="field">
        <span>Type</span>
        <select value={kind()} onChange={(e) => setKind(e.currentTarget.value as HandOverRecipientKind)}>
          <For each={HAND_OVER_RECIPIENT_KINDS}>{(k) => <option value={k}>{RECIPIENT_KIND_LABEL[k]}</option>}</For>
        </select>
      </label>
      <label class="field">
        <span>Nom</span>
        <input value={name()} onInput={(e) => setName(e.currentTarget.value)} required minLength={2} />
      </label>
      <label class="field">
        <span>Adresse postale</span>
        <textarea rows="2" value={address()} onInput={(e) => setAddress(e.currentTarget.value)} required />
      </label>
      <label class="field">
        <span>E-mail</span>
        <input type="email" value={email()} onInput={(e) => setEmail(e.currentTarget.value)} />
      </label>
      <Show when={r}>
        <label class="ho-check">
          <input type="checkbox" checked={archived()} onChange={(e) => setArchived(e.currentTarget.checked)} />
          <span>Archivé (plus proposé pour une transmission)</span>
        </label>
      </Show>
      <FormError message={save.error()} />
      <div class="quick-actions">
        <SaveButton saving={save.saving()} class="button">
          {r ? "Enregistrer" : "Ajouter"}
        </SaveButton>
        <button type="button" class="button secondary" onClick={props.onDone}>
          Annuler
        </button>
      </div>
    </form>
  );
}

import { useMutation, useQuery } from "@tanstack/solid-query";
import { For, Match, Show, Switch, createSignal } from "solid-js";
import type { MessageStatus } from "../../../shared/enums";
import { todayIn } from "../../../shared/dates";
import type { MessageDetail, MessageItem, PrintResponse, ReceiptOutcome } from "../../../shared/schemas/messages";
import { apiGet, apiPost, problemsOf } from "../../api";
import { AppBar } from "../../components/AppBar";
import { QueryState } from "../../components/QueryState";
import { formatDateFr, formatInstantShort } from "../../format";
import { settings } from "../../session";
import { ATTEMPT_LABEL, CHANNEL_LABEL, MESSAGE_STATE_LABEL, MESSAGE_STATUS_LABEL } from "../../labels";
import { queryClient, withQueries } from "../../query";
import { FormError } from "../../components/FormError";
import { SaveButton, useSaving } from "../../components/Saving";
import { ProviderAlertEntries } from "../../components/ProviderAlerts";

/**
 * The office's view of what Cadenas sends: every e-mail, SMS and letter with its state and each attempt; the
 * letters to print and post (registered ones with their tracking number); failed messages sent again.
 */
export const MessagesPage = withQueries(Messages);

const FILTERS: (MessageStatus | "letters")[] = ["letters", "queued", "failed", "unknown", "sent", "written", "cancelled"];

type Listed = { items: MessageItem[]; counts: Record<string, number> };

/**
 * One tab's messages. The letters to post are asked for by channel, so that a queue full of e-mails (thousands
 * after a daily run) never pushes them out of the list the batch PDF prints from.
 */
async function messagesIn(filter: MessageStatus | "letters"): Promise<Listed> {
  if (filter !== "letters") return apiGet<Listed>(`/messages?status=${filter}&limit=200`);
  const [letters, registered] = await Promise.all(
    (["letter", "registered_letter"] as const).map((channel) => apiGet<Listed>(`/messages?status=queued&channel=${channel}&limit=500`)),
  );
  const items = [...letters!.items, ...registered!.items].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.id.localeCompare(a.id)));
  return { items, counts: letters!.counts };
}

function Messages() {
  const [filter, setFilter] = createSignal<MessageStatus | "letters">("letters");
  const list = useQuery(() => ({ queryKey: ["messages", filter()], queryFn: () => messagesIn(filter()) }));
  const shown = () => list.data?.items ?? [];
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["messages"] });
  return (
    <>
      <AppBar title="Envois" subtitle={list.data ? `${list.data.counts.queued ?? 0} en file · ${list.data.counts.failed ?? 0} en échec` : undefined} back="/" />
      <main class="page messages with-status-bar">
        <ProviderAlertEntries />
        <nav class="chips" aria-label="Afficher">
          <For each={FILTERS}>
            {(f) => (
              <button type="button" class="chip" aria-pressed={filter() === f} onClick={() => setFilter(f)}>
                {f === "letters" ? "Courriers à poster" : MESSAGE_STATUS_LABEL[f]}
                <Show when={f !== "letters" && list.data?.counts[f]}>
                  <span class="muted"> · {list.data!.counts[f]}</span>
                </Show>
              </button>
            )}
          </For>
        </nav>
        <Show when={list.data?.counts.written}>
          {(n) => (
            <p class="notice warn" data-written={n()}>
              {n() > 1
                ? `Aucun fournisseur d'envoi n'est configuré : ${n()} courriels et SMS ont été écrits dans le dossier local du serveur, pas envoyés. Les clients ne les ont pas reçus.`
                : "Aucun fournisseur d'envoi n'est configuré : 1 message a été écrit dans le dossier local du serveur, pas envoyé. Le client ne l'a pas reçu."}
            </p>
          )}
        </Show>
        <QueryState query={list} failed="La liste n'a pas pu être chargée.">
          <Switch>
            <Match when={filter() === "letters"}>
              <Letters letters={shown()} onDone={refresh} />
            </Match>
            <Match when={shown().length === 0}>
              <div class="empty">
                <p>Aucun envoi dans cette liste.</p>
              </div>
            </Match>
            <Match when={shown().length > 0}>
              <ul class="billing-list">
                <For each={shown()}>{(m) => <MessageCard message={m} onChanged={refresh} />}</For>
              </ul>
            </Match>
          </Switch>
        </QueryState>
      </main>
    </>
  );
}

function MessageCard(props: { message: MessageItem; onChanged: () => void }) {
  const m = () => props.message;
  const [open, setOpen] = createSignal(false);
  const detail = useQuery(() => ({ queryKey: ["message", m().id], queryFn: () => apiGet<MessageDetail>(`/messages/${m().id}`), enabled: open() }));
  const retry = useMutation(() => ({
    mutationFn: () => apiPost<MessageDetail>(`/messages/${m().id}/retry`),
    onSuccess: (updated) => {
      queryClient.setQueryData(["message", m().id], updated);
      props.onChanged();
    },
  }));
  return (
    <li class="card message-card">
      <button type="button" class="message-head" aria-expanded={open()} onClick={() => setOpen(!open())}>
        <span>
          <strong>{m().name}</strong> <span class="muted">({m().customerRef})</span>
          <br />
          {CHANNEL_LABEL[m().channel]} · {m().subject ?? m().template ?? ""}
        </span>
        <span class={`badge status-${m().status}`}>{MESSAGE_STATE_LABEL[m().status]}</span>
      </button>
      <p class="muted">
        {m().recipient.split("\n")[0] || "pas d'adresse"} · créé {formatInstantShort(m().createdAt)}
        <Show when={m().sentAt}> · {m().status === "written" ? "écrit dans le dossier local du serveur, pas envoyé au client," : "parti"} {formatInstantShort(m().sentAt!)}</Show>
        <Show when={m().attempts > 1}> · {m().attempts} essais</Show>
        <Show when={m().deliveryStatus}>
          {" "}
          · {DELIVERY_LABEL[m().deliveryStatus!] ?? m().deliveryStatus}
          <Show when={m().channel === "registered_letter" && m().deliveredAt}> le {formatDateFr(m().deliveredAt!.slice(0, 10))}</Show>
        </Show>
      </p>
      <Show when={m().channel === "registered_letter" && m().status === "sent" && !m().deliveryStatus}>
        <ReceiptForm message={m()} onDone={props.onChanged} />
      </Show>
      <Show when={m().lastError}>
        <p class="form-error">{m().lastError}</p>
      </Show>
      <Show when={m().status === "failed" || m().status === "unknown"}>
        <button type="button" class="button secondary" disabled={retry.isPending} onClick={() => retry.mutate()}>
          {m().status === "unknown" ? "Pas parti : renvoyer" : "Renvoyer"}
        </button>
      </Show>
      <Show when={open() && detail.data}>
        <pre class="message-body">{detail.data!.body}</pre>
        <ol class="approval-history">
          <For each={detail.data!.tries}>
            {(t) => (
              <li>
                <span class="muted">{formatInstantShort(t.at)}</span> {ATTEMPT_LABEL[t.outcome] ?? t.outcome} {t.detail ?? ""}
              </li>
            )}
          </For>
        </ol>
      </Show>
    </li>
  );
}

const DELIVERY_LABEL: Record<string, string> = { delivered: "reçu", acknowledged: "AR signé", unclaimed: "pli avisé et non réclamé, revenu" };

/**
 * What came back of a posted registered letter: the AR card, or the letter itself, advised and not collected. Either
 * is its receipt: the deadlines it gave (the formal notice's 8 days, the period to collect the goods) count from
 * that day.
 */
function ReceiptForm(props: { message: MessageItem; onDone: () => void }) {
  const today = todayIn(settings().timeZone);
  const [outcome, setOutcome] = createSignal<ReceiptOutcome>("acknowledged");
  const [day, setDay] = createSignal(today);
  const save = useMutation(() => ({
    mutationFn: () => apiPost<MessageDetail>(`/letters/${props.message.id}/acknowledged`, { outcome: outcome(), receivedOn: day() }),
    onSuccess: (updated) => {
      queryClient.setQueryData(["message", props.message.id], updated);
      props.onDone();
    },
  }));
  return (
    <form
      class="receipt-form"
      data-receipt-for={props.message.id}
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <fieldset>
        <legend>Retour de la lettre recommandée</legend>
        <label class="check">
          <input type="radio" name={`outcome-${props.message.id}`} value="acknowledged" checked={outcome() === "acknowledged"} onChange={() => setOutcome("acknowledged")} />
          <span>Avis de réception signé</span>
        </label>
        <label class="check">
          <input type="radio" name={`outcome-${props.message.id}`} value="unclaimed" checked={outcome() === "unclaimed"} onChange={() => setOutcome("unclaimed")} />
          <span>Pli avisé et non réclamé, revenu</span>
        </label>
      </fieldset>
      <label class="field">
        {outcome() === "unclaimed" ? "Revenu le" : "Signé le"}
        <input type="date" max={today} value={day()} required onInput={(e) => setDay(e.currentTarget.value)} />
      </label>
      <button type="submit" class="button secondary" disabled={save.isPending}>
        Enregistrer le retour
      </button>
      <FormError message={save.isError && problemsOf(save.error).join(" ; ")} />
    </form>
  );
}

/**
 * The letters waiting: print them (the server dates them today and keeps the PDF, which opens), then say they are
 * posted (registered: with the tracking number). A letter no longer due is cancelled instead of printed.
 */
function Letters(props: { letters: MessageItem[]; onDone: () => void }) {
  const [tracking, setTracking] = createSignal<Record<string, string>>({});
  const printing = useSaving();
  const [printed, setPrinted] = createSignal<PrintResponse | null>(null);
  const print = () => {
    if (printing.saving()) return;
    // Opened on the tap itself: a window opened once the answer is back would be taken for a pop-up and blocked.
    const tab = window.open("", "_blank");
    void printing.run(async () => {
      try {
        const answer = await apiPost<PrintResponse>("/letters/print", { ids: props.letters.map((l) => l.id) });
        setPrinted(answer);
        if (answer.batch && tab) tab.location.href = answer.batch.pdf;
        else tab?.close();
        if (answer.cancelled.length > 0) props.onDone();
      } catch (e) {
        tab?.close();
        throw e;
      }
    });
  };
  const post = useMutation(() => ({
    mutationFn: () => apiPost("/letters/posted", { letters: props.letters.map((l) => ({ id: l.id, ...(l.channel === "registered_letter" && tracking()[l.id] ? { trackingNumber: tracking()[l.id] } : {}) })) }),
    onSuccess: props.onDone,
  }));
  return (
    <Show when={props.letters.length > 0} fallback={<div class="empty"><p>Aucun courrier à poster.</p></div>}>
      <div class="card billing-bar">
        <SaveButton type="button" class="button secondary" saving={printing.saving()} savingLabel="Impression…" disabled={post.isPending} onClick={print}>
          {props.letters.length > 1 ? `Imprimer les ${props.letters.length} courriers (PDF)` : "Imprimer le courrier (PDF)"}
        </SaveButton>
        <button type="button" class="button primary" disabled={post.isPending || printing.saving()} onClick={() => post.mutate()}>
          Marquer postés
        </button>
        <FormError message={post.isError && problemsOf(post.error).join(" ; ")} />
        <FormError message={printing.error()} />
        <Show when={printed()}>
          {(p) => (
            <p class="muted" data-printed-batch={p().batch?.id ?? ""}>
              <Show when={p().batch}>
                {(b) => (
                  <>
                    {b().letters.length > 1 ? `${b().letters.length} courriers imprimés` : "Courrier imprimé"}, datés du {formatDateFr(b().printedOn)}&#8239;: postez-les ce jour.{" "}
                    <a href={b().pdf} target="_blank" rel="noopener">
                      Ouvrir le PDF
                    </a>
                  </>
                )}
              </Show>
              <Show when={p().cancelled.length > 0}>
                {" "}
                {p().cancelled.length > 1 ? `${p().cancelled.length} lettres annulées` : "Une lettre annulée"} (plus dues)&#8239;: {[...new Set(p().cancelled.map((c) => c.reason))].join(" ; ")}.
              </Show>
            </p>
          )}
        </Show>
      </div>
      <ul class="billing-list">
        <For each={props.letters}>
          {(l) => (
            <li class="card">
              <strong>{l.name}</strong> <span class="muted">({l.customerRef})</span>
              <p>
                {CHANNEL_LABEL[l.channel]} · {l.subject}
              </p>
              <Show when={l.channel === "registered_letter"}>
                <label class="field">
                  N° de suivi
                  <input value={tracking()[l.id] ?? ""} placeholder="ex. 1A12345678901" onInput={(e) => setTracking({ ...tracking(), [l.id]: e.currentTarget.value.trim() })} />
                </label>
              </Show>
            </li>
          )}
        </For>
      </ul>
    </Show>
  );
}

import { floorChoices } from "../../../shared/messaging/floor";
import type { SmsCount } from "../../../shared/messaging/sms";
import { fill } from "../../../shared/messaging/templates";
import { todayIn } from "../../../shared/dates";
import { For, Match, Show, Switch, createSignal } from "solid-js";
import type { CallOutcome } from "../../../shared/enums";
import { VOICEMAIL_SCRIPT } from "../../../shared/floor/templates";
import type { SessionUser } from "../../../shared/schemas/auth";
import type { DebtorDoc } from "../../../shared/schemas/debtor-doc";
import { FormError } from "../../components/FormError";
import { SaveButton, useSaving } from "../../components/Saving";
import { Sheet } from "../../components/Sheet";
import { telHref } from "../../format";
import { settings } from "../../session";
import { act } from "../../store";
import { useFloorMessaging } from "../../store/queries";
import { templateValues } from "./context";
import { PromiseForm, TextForm } from "./forms";

type Step = "outcome" | "no-answer" | "promise" | "answered";

/**
 * After the call: one tap records how it went. "Pas de réponse" then offers the messages to send at once;
 * "Promesse" asks for the date and amount; "Répondu" lets the user write what the customer said.
 */
export function CallSheet(props: { doc: DebtorDoc; user: SessionUser; open: boolean; onClose: () => void }) {
  const [step, setStep] = createSignal<Step>("outcome");
  const close = () => {
    setStep("outcome");
    props.onClose();
  };
  const values = () => templateValues(props.doc, props.user);
  // One guard for the four outcomes: a call is logged once, whichever buttons are tapped in a hurry.
  const save = useSaving();
  const [chosen, setChosen] = createSignal<CallOutcome | null>(null);
  const record = (outcome: CallOutcome) =>
    void save.run(async () => {
      setChosen(outcome);
      await act("call.logged", { customerId: props.doc.customerId, outcome });
      if (outcome === "no_answer") setStep("no-answer");
      else if (outcome === "promise") setStep("promise");
      else if (outcome === "answered") setStep("answered");
      else close();
    });
  const outcomeButton = (outcome: CallOutcome, tone: string, label: string) => (
    <SaveButton type="button" class={`button outcome ${tone}`} saving={save.saving() && chosen() === outcome} disabled={save.saving()} onClick={() => record(outcome)}>
      {label}
    </SaveButton>
  );

  return (
    <Sheet title={step() === "outcome" ? "Comment s'est passé l'appel ?" : step() === "no-answer" ? "Pas de réponse" : step() === "promise" ? "Promesse de paiement" : "Client joint"} open={props.open} onClose={close}>
      <Switch>
        <Match when={step() === "outcome"}>
          <div class="script">
            <span class="label">Si messagerie, dites&#8239;:</span>
            <p>« {fill(VOICEMAIL_SCRIPT, values())} »</p>
          </div>
          <div class="outcomes">
            {outcomeButton("answered", "ok", "Répondu")}
            {outcomeButton("promise", "ok", "Promesse")}
            {outcomeButton("no_answer", "warn", "Pas de réponse / messagerie")}
            {outcomeButton("wrong_number", "bad", "Faux numéro")}
          </div>
          <FormError message={save.error()} />
          <Show when={props.doc.phone}>
            {(phone) => (
              <a class="button ghost block" href={telHref(phone())}>
                Rappeler le {phone()}
              </a>
            )}
          </Show>
        </Match>
        {/* The next step's buttons take the place of the outcome tapped: they wait a moment (`arrives`) so the
            second tap of a double tap does not send a message or skip the step. */}
        <Match when={step() === "no-answer"}>
          <div class="arrives">
            <p class="muted">Appel enregistré. Envoyez tout de suite un message&#8239;:</p>
            <MessageChoices doc={props.doc} user={props.user} onSent={close} />
            <button type="button" class="button ghost block" onClick={close}>
              Pas de message
            </button>
          </div>
        </Match>
        <Match when={step() === "promise"}>
          <div class="arrives">
            <PromiseForm doc={props.doc} onDone={close} />
          </div>
        </Match>
        <Match when={step() === "answered"}>
          <div class="arrives">
            <p class="muted">Appel enregistré. Ce que le client a dit (facultatif)&#8239;:</p>
            <TextForm label="Réponse du client" placeholder="ex. : je passerai payer lundi" onSubmit={(text) => act("answer.logged", { customerId: props.doc.customerId, text })} onDone={close} optional />
          </div>
        </Match>
      </Switch>
    </Sheet>
  );
}

/**
 * The office's floor templates for this customer (*Modèles de messages*, brought by the sync): sent by the server
 * when it can send that channel, otherwise opened in the phone's own SMS or mail app with the text filled in — and
 * logged either way. The preview is the sending's own renderer run on the phone's copy of the debtor: the text
 * shown, and its SMS count, are the text that goes (the server renders it again from the same document).
 */
export function MessageChoices(props: { doc: DebtorDoc; user: SessionUser; onSent: () => void }) {
  // One message per tap: a second tap while the first is saved neither logs it again nor opens the app twice.
  const save = useSaving();
  const [sending, setSending] = createSignal<string | null>(null);
  const messaging = useFloorMessaging();
  const choices = () => {
    const m = messaging();
    if (!m) return [];
    const site = props.user.sites.find((s) => s.id === props.doc.units[0]?.siteId);
    return floorChoices(m, props.doc, props.user.name, todayIn(settings().timeZone), { name: site?.name, phone: site?.phone ?? undefined });
  };
  const none = () =>
    messaging() === null
      ? "Les modèles de messages n'ont pas encore été reçus : ils arrivent avec la prochaine synchronisation."
      : !props.doc.phone && !props.doc.email
        ? "Ni téléphone portable ni e-mail connus pour ce client."
        : "Aucun modèle de message proposé pour ce client (le bureau les choisit dans Modèles de messages).";
  return (
    <div class="message-choices">
      <Show when={choices().length > 0} fallback={<Show when={messaging() !== undefined}><p class="muted">{none()}</p></Show>}>
        <For each={choices()}>
          {(choice) => {
            const { template, channel, composed } = choice;
            const code = template.code;
            const body = () => composed.body;
            const viaServer = () => settings().serverMessaging[channel];
            const href = () =>
              channel === "sms"
                ? `sms:${telHref(props.doc.phone!).slice(4)}?&body=${encodeURIComponent(body())}`
                : `mailto:${props.doc.email}?subject=${encodeURIComponent(composed.subject ?? "")}&body=${encodeURIComponent(body())}`;
            const label = `${channel === "sms" ? "SMS" : "E-mail"} « ${template.label} »`;
            return (
              <div class="message-choice" data-template={code} data-channel={channel}>
                <Show when={composed.subject}>
                  <p class="message-subject">
                    <span class="muted">Objet&#8239;:</span> <strong>{composed.subject}</strong>
                  </p>
                </Show>
                <p class="message-preview">{body()}</p>
                <Show when={choice.sms}>{(c) => <p class="muted sms-count">{smsCountLabel(c())}</p>}</Show>
                <Show
                  when={viaServer()}
                  fallback={
                    <a
                      class="button primary block"
                      href={href()}
                      aria-disabled={save.saving()}
                      onClick={(e) => {
                        if (save.saving()) return e.preventDefault();
                        void save.run(() => act("message.logged", { customerId: props.doc.customerId, channel, templateCode: code, templateLabel: template.label, text: body() }).then(props.onSent));
                      }}
                    >
                      {label} depuis le téléphone
                    </a>
                  }
                >
                  <SaveButton
                    type="button"
                    class="button primary block"
                    saving={save.saving() && sending() === code}
                    disabled={save.saving()}
                    onClick={() =>
                      void save.run(() => {
                        setSending(code);
                        return act("message.requested", { customerId: props.doc.customerId, channel, templateCode: code, templateLabel: template.label }).then(props.onSent);
                      })
                    }
                  >
                    Envoyer {label}
                  </SaveButton>
                </Show>
              </div>
            );
          }}
        </For>
      </Show>
      <FormError message={save.error()} />
    </div>
  );
}

/** "1 SMS · 132 caractères", and which characters make it cost more (UCS-2). */
function smsCountLabel(c: SmsCount): string {
  const base = `${c.segments} SMS · ${c.units} caractères`;
  return c.encoding === "GSM-7" ? base : `${base} (accents spéciaux : ${c.unicodeChars.join(" ")} — 70 caractères par SMS)`;
}

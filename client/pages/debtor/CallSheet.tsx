import { smsCount } from "../../../shared/messaging/sms";
import { For, Match, Show, Switch, createSignal } from "solid-js";
import type { CallOutcome } from "../../../shared/enums";
import { FLOOR_TEMPLATES, VOICEMAIL_SCRIPT, renderTemplate } from "../../../shared/floor/templates";
import type { SessionUser } from "../../../shared/schemas/auth";
import type { DebtorDoc } from "../../../shared/schemas/debtor-doc";
import { Sheet } from "../../components/Sheet";
import { telHref } from "../../format";
import { settings } from "../../session";
import { act } from "../../store";
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
  const record = async (outcome: CallOutcome) => {
    await act("call.logged", { customerId: props.doc.customerId, outcome });
    if (outcome === "no_answer") setStep("no-answer");
    else if (outcome === "promise") setStep("promise");
    else if (outcome === "answered") setStep("answered");
    else close();
  };

  return (
    <Sheet title={step() === "outcome" ? "Comment s'est passé l'appel ?" : step() === "no-answer" ? "Pas de réponse" : step() === "promise" ? "Promesse de paiement" : "Client joint"} open={props.open} onClose={close}>
      <Switch>
        <Match when={step() === "outcome"}>
          <div class="script">
            <span class="label">Si messagerie, dites :</span>
            <p>« {renderTemplate(VOICEMAIL_SCRIPT, values())} »</p>
          </div>
          <div class="outcomes">
            <button type="button" class="button outcome ok" onClick={() => void record("answered")}>
              Répondu
            </button>
            <button type="button" class="button outcome ok" onClick={() => void record("promise")}>
              Promesse
            </button>
            <button type="button" class="button outcome warn" onClick={() => void record("no_answer")}>
              Pas de réponse / messagerie
            </button>
            <button type="button" class="button outcome bad" onClick={() => void record("wrong_number")}>
              Faux numéro
            </button>
          </div>
          <Show when={props.doc.phone}>
            {(phone) => (
              <a class="button ghost block" href={telHref(phone())}>
                Rappeler le {phone()}
              </a>
            )}
          </Show>
        </Match>
        <Match when={step() === "no-answer"}>
          <p class="muted">Appel enregistré. Envoyez tout de suite un message :</p>
          <MessageChoices doc={props.doc} values={values()} onSent={close} />
          <button type="button" class="button ghost block" onClick={close}>
            Pas de message
          </button>
        </Match>
        <Match when={step() === "promise"}>
          <PromiseForm doc={props.doc} onDone={close} />
        </Match>
        <Match when={step() === "answered"}>
          <p class="muted">Appel enregistré. Ce que le client a dit (facultatif) :</p>
          <TextForm label="Réponse du client" placeholder="ex. : je passerai payer lundi" onSubmit={(text) => act("answer.logged", { customerId: props.doc.customerId, text })} onDone={close} optional />
        </Match>
      </Switch>
    </Sheet>
  );
}

/**
 * The floor's templates for this customer: sent by the server when it can send that channel, otherwise opened
 * in the phone's own SMS or mail app with the text filled in — and logged either way.
 */
export function MessageChoices(props: { doc: DebtorDoc; values: Record<string, string>; onSent: () => void }) {
  const templates = () =>
    Object.entries(FLOOR_TEMPLATES).filter(([, t]) => (t.channel === "sms" ? Boolean(props.doc.phone) : Boolean(props.doc.email)));
  return (
    <div class="message-choices">
      <Show when={templates().length > 0} fallback={<p class="muted">Ni téléphone portable ni e-mail connus pour ce client.</p>}>
        <For each={templates()}>
          {([code, template]) => {
            const body = () => renderTemplate(template.body, props.values);
            const viaServer = () => settings().serverMessaging[template.channel];
            const href = () =>
              template.channel === "sms"
                ? `sms:${telHref(props.doc.phone!).slice(4)}?&body=${encodeURIComponent(body())}`
                : `mailto:${props.doc.email}?subject=${encodeURIComponent(renderTemplate(template.subject ?? "", props.values))}&body=${encodeURIComponent(body())}`;
            const label = `${template.channel === "sms" ? "SMS" : "E-mail"} « ${template.label} »`;
            return (
              <div class="message-choice">
                <p class="message-preview">{body()}</p>
                <Show when={template.channel === "sms"}>
                  <p class="muted sms-count">{smsCountLabel(body())}</p>
                </Show>
                <Show
                  when={viaServer()}
                  fallback={
                    <a
                      class="button primary block"
                      href={href()}
                      onClick={() => {
                        void act("message.logged", { customerId: props.doc.customerId, channel: template.channel, templateCode: code, text: body() }).then(props.onSent);
                      }}
                    >
                      {label} depuis le téléphone
                    </a>
                  }
                >
                  <button
                    type="button"
                    class="button primary block"
                    onClick={() => void act("message.requested", { customerId: props.doc.customerId, channel: template.channel, templateCode: code }).then(props.onSent)}
                  >
                    Envoyer {label}
                  </button>
                </Show>
              </div>
            );
          }}
        </For>
      </Show>
    </div>
  );
}

/** "1 SMS · 132 caractères", and which characters make it cost more (UCS-2). */
function smsCountLabel(text: string): string {
  const c = smsCount(text);
  const base = `${c.segments} SMS · ${c.units} caractères`;
  return c.encoding === "GSM-7" ? base : `${base} (accents spéciaux : ${c.unicodeChars.join(" ")} — 70 caractères par SMS)`;
}

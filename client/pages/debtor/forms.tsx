import { Show } from "solid-js";
import { addDays, isCalendarDate, todayIn } from "../../../shared/dates";
import { formatEurosInput, parseEuros } from "../../../shared/money";
import type { DebtorDoc } from "../../../shared/schemas/debtor-doc";
import { settings } from "../../session";
import { act } from "../../store";
import { FormError } from "../../components/FormError";
import { SaveButton, useSaving } from "../../components/Saving";
import { LimitedText, tooLong } from "../../components/LimitedText";
import { NOTE_MAX_CHARS } from "../../../shared/schemas/limits";

/** A promise to pay: when, and how much (the balance by default). */
export function PromiseForm(props: { doc: DebtorDoc; onDone: () => void }) {
  const today = todayIn(settings().timeZone);
  const save = useSaving();
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    void save.run(async () => {
      const promisedOn = String(form.get("date") ?? "");
      const amountCents = parseEuros(String(form.get("amount") ?? ""));
      if (!isCalendarDate(promisedOn) || promisedOn < today) return save.fail("Choisissez une date à partir d'aujourd'hui.");
      if (amountCents === null || amountCents <= 0) return save.fail("Saisissez un montant, par exemple 150 ou 150,50.");
      await act("promise.made", { customerId: props.doc.customerId, promisedOn, amountCents });
      props.onDone();
    });
  };
  return (
    <form class="sheet-form" onSubmit={submit} novalidate>
      <label class="field">
        <span>Date promise</span>
        <input name="date" type="date" min={today} value={addDays(today, 3)} required />
      </label>
      <label class="field">
        <span>Montant (€)</span>
        <input name="amount" inputmode="decimal" value={formatEurosInput(Math.max(props.doc.balanceCents, 0))} required />
      </label>
      <FormError message={save.error()} />
      <SaveButton saving={save.saving()}>Enregistrer la promesse</SaveButton>
    </form>
  );
}

/** One text to record (a note, what the customer said). `optional`: the user may leave without writing. */
export function TextForm(props: { label: string; placeholder?: string; optional?: boolean; onSubmit: (text: string) => Promise<unknown>; onDone: () => void }) {
  const save = useSaving();
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const text = String(new FormData(e.currentTarget as HTMLFormElement).get("text") ?? "").trim();
    void save.run(async () => {
      if (!text) {
        if (props.optional) return props.onDone();
        return save.fail("Écrivez quelque chose avant d'enregistrer.");
      }
      const long = tooLong(text.length, NOTE_MAX_CHARS);
      if (long) return save.fail(long);
      await props.onSubmit(text);
      props.onDone();
    });
  };
  return (
    <form class="sheet-form" onSubmit={submit} novalidate>
      <LimitedText label={props.label} name="text" rows={4} max={NOTE_MAX_CHARS} placeholder={props.placeholder} />
      <FormError message={save.error()} />
      <SaveButton saving={save.saving()}>Enregistrer</SaveButton>
      <Show when={props.optional}>
        <button type="button" class="button ghost block" disabled={save.saving()} onClick={() => props.onDone()}>
          Passer
        </button>
      </Show>
    </form>
  );
}

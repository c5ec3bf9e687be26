import { For, Index, Show, createSignal } from "solid-js";
import { addDays, addMonths, isCalendarDate, todayIn } from "../../../shared/dates";
import { formatEurosInput, formatEurosPlain, parseEuros } from "../../../shared/money";
import type { CloseCaseBody, CloseCaseResponse, PaymentPlanResponse } from "../../../shared/schemas/cases";
import type { DebtorDoc } from "../../../shared/schemas/debtor-doc";
import { apiPost, problemsOf } from "../../api";
import { Problems } from "../../components/SaveBar";
import { SaveButton, useSaving } from "../../components/Saving";
import { settings, user } from "../../session";
import { syncNow } from "../../store";

// What the office and the Manager decide on a debtor, online (the server checks and records it at once; the
// phone's copy follows at the next sync): a payment plan, a case closed by hand.


/** A payment plan: the balance split into monthly instalments by default, each line editable. */
export function PaymentPlanForm(props: { doc: DebtorDoc; onDone: () => void }) {
  const today = todayIn(settings().timeZone);
  const split = (n: number) => {
    const balance = Math.max(props.doc.balanceCents, 0);
    const each = Math.floor(balance / n / 100) * 100;
    return Array.from({ length: n }, (_, k) => ({ dueOn: addMonths(addDays(today, 7), k), amount: formatEurosInput(k === n - 1 ? balance - each * (n - 1) : each) }));
  };
  const [lines, setLines] = createSignal(split(3));
  const [problems, setProblems] = createSignal<string[]>([]);
  const save = useSaving();
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    if (save.saving()) return;
    const note = String(new FormData(e.currentTarget as HTMLFormElement).get("note") ?? "").trim();
    const instalments = lines().map((l) => ({ dueOn: l.dueOn, amountCents: parseEuros(l.amount) }));
    const bad = instalments.flatMap((i, n) => [
      ...(isCalendarDate(i.dueOn) ? [] : [`Échéance ${n + 1} : choisissez une date`]),
      ...(i.amountCents && i.amountCents > 0 ? [] : [`Échéance ${n + 1} : montant illisible (ex. 150 ou 150,50)`]),
    ]);
    if (bad.length > 0) return setProblems(bad);
    await save.run(async () => {
      try {
        await apiPost<PaymentPlanResponse>(`/customers/${props.doc.customerId}/payment-plans`, { instalments, ...(note ? { note } : {}) });
        syncNow();
        props.onDone();
      } catch (error) {
        setProblems(problemsOf(error));
      }
    });
  };
  const total = () => lines().reduce((s, l) => s + (parseEuros(l.amount) ?? 0), 0);
  return (
    <form class="sheet-form" onSubmit={submit} novalidate>
      <div class="segmented" role="group" aria-label="Nombre d'échéances">
        <For each={[2, 3, 4, 6]}>
          {(n) => (
            <button type="button" aria-pressed={lines().length === n} onClick={() => setLines(split(n))}>
              {n} fois
            </button>
          )}
        </For>
      </div>
      <ol class="plan-lines">
        <Index each={lines()}>
          {(l, k) => (
            <li>
              <input type="date" min={today} value={l().dueOn} aria-label={`Date de l'échéance ${k + 1}`} onChange={(e) => setLines(lines().map((x, j) => (j === k ? { ...x, dueOn: e.currentTarget.value } : x)))} />
              <input inputmode="decimal" value={l().amount} aria-label={`Montant de l'échéance ${k + 1}`} onChange={(e) => setLines(lines().map((x, j) => (j === k ? { ...x, amount: e.currentTarget.value } : x)))} />
              <span>€</span>
            </li>
          )}
        </Index>
      </ol>
      <p class="muted">
        Total {formatEurosPlain(total())} pour {formatEurosPlain(props.doc.balanceCents)} dus. Les relances automatiques attendent tant que chaque échéance est payée à sa date.
      </p>
      <label class="field">
        <span>Note (facultatif)</span>
        <input name="note" placeholder="ex. : accord au téléphone avec le client" />
      </label>
      <Problems list={problems()} />
      <SaveButton saving={save.saving()}>Accorder l'échéancier</SaveButton>
    </form>
  );
}

/**
 * Closing a case by hand: filed after the contract ended (debt handed over), or written off (Manager only).
 * The server says why when it cannot be done (the exit not yet approved…).
 */
export function CloseCaseForm(props: { doc: DebtorDoc; onDone: (result: CloseCaseResponse) => void }) {
  const [reason, setReason] = createSignal<CloseCaseBody["reason"]>("contract_ended");
  const [problems, setProblems] = createSignal<string[]>([]);
  const save = useSaving();
  const isManager = () => user()?.role === "manager";
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    if (save.saving()) return;
    const note = String(new FormData(e.currentTarget as HTMLFormElement).get("note") ?? "").trim();
    if (note.length < 3) return setProblems(["Dites pourquoi en quelques mots."]);
    await save.run(async () => {
      try {
        const result = await apiPost<CloseCaseResponse>(`/cases/${props.doc.case!.id}/close`, { reason: reason(), note });
        syncNow();
        props.onDone(result);
      } catch (error) {
        setProblems(problemsOf(error));
      }
    });
  };
  return (
    <form class="sheet-form" onSubmit={submit} novalidate>
      <div class="segmented" role="group" aria-label="Comment le dossier se clôt">
        <button type="button" aria-pressed={reason() === "contract_ended"} onClick={() => setReason("contract_ended")}>
          Après la sortie
        </button>
        <button type="button" aria-pressed={reason() === "write_off"} disabled={!isManager()} onClick={() => setReason("write_off")}>
          Passer en perte
        </button>
      </div>
      <p class="muted">
        <Show
          when={reason() === "write_off"}
          fallback={`Le contrat a pris fin : les ${formatEurosPlain(props.doc.balanceCents)} restent dus et passent au contentieux ; les relances s'arrêtent, l'ouverture du box reste à faire.`}
        >
          Les {formatEurosPlain(props.doc.balanceCents)} échus sont abandonnés (une ligne « perte » par facture, à saisir en facturation)&#8239;; le double cadenas sera retiré.
        </Show>
      </p>
      <Show when={!isManager()}>
        <p class="muted">Passer une dette en perte est décidé par le Manager.</p>
      </Show>
      <label class="field">
        <span>Pourquoi</span>
        <input name="note" placeholder="ex. : dossier transmis à l'huissier" required />
      </label>
      <Problems list={problems()} />
      <SaveButton saving={save.saving()}>Clôturer le dossier</SaveButton>
    </form>
  );
}

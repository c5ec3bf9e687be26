import { addDays, type CalendarDate } from "../dates";
import type { CustomerKind, IncidentKind, InvoiceKind, Level, PaymentMethod, TaskKind } from "../enums";
import { LEVELS } from "../enums";
import { COMPANY_ONLY_FEES, type FeeKind, type PlanAction, type PlanChannel, type Scenario, type ScenarioStep, type StepAction } from "./scenarios";
import { stepDate } from "./schedule";
import { promiseInForce } from "./promises";

/**
 * The reminder engine's core: a customer's facts and a day in, what the scenario asks for up to that day out.
 * Pure: no clock, no database. It replays the customer's history day by day, each day seeing only the facts dated
 * on or before it, so running it every day or once at the end of a period plans the same actions, and a missed
 * run is caught up. Each planned action has a key (episode, step, occurrence, action): the storing layer keeps
 * the keys it has recorded and plans nothing twice.
 */

export interface EngineCustomer {
  ref: string;
  kind: CustomerKind;
  paymentMethod: PaymentMethod;
  /** On stop: nothing at all is planned. */
  stop: boolean;
}

export interface InvoiceFact {
  ref: string;
  issueDate: CalendarDate;
  dueDate: CalendarDate;
  /** Negative for a credit note or a write-off: it settles debt on its date, as a payment would. */
  amountCents: number;
  /** `write_off`: the debt given up (the case closes as written off, no thanks). Default: rent. */
  kind?: InvoiceKind;
}

export interface PaymentFact {
  ref: string;
  date: CalendarDate;
  amountCents: number;
  /** A rejected payment (card refused, debit or cheque returned) pays nothing and is a payment incident. */
  status: "ok" | "rejected";
  method: PaymentMethod;
  /** Not money received: a credit note or a write-off, which settles debt but earns no thanks. */
  credit?: "credit_note" | "write_off";
}

/** A promise to pay still standing (corrected ones left out), given in the order they were made. */
export interface PromiseFact {
  madeOn: CalendarDate;
  promisedOn: CalendarDate;
}

/** An agreed payment plan (*échéancier*): automatic steps wait while its instalments are paid on time. */
export interface PaymentPlanFact {
  agreedOn: CalendarDate;
  instalments: { dueOn: CalendarDate; amountCents: number }[];
}

/** A registered letter recorded as sent (its tracking number known), for the step that asked for it. */
export interface LetterFact {
  step: string;
  sentOn: CalendarDate;
  /**
   * The day it was received: its AR, or the day it came back unclaimed (`server/messaging/receipts.ts`). Steps
   * counted from a receipt (`when.from: "receipt"`) start from it; absent until recorded.
   */
  receivedOn?: CalendarDate | null;
}

export interface EngineInput {
  customer: EngineCustomer;
  scenario: Scenario;
  invoices: readonly InvoiceFact[];
  payments: readonly PaymentFact[];
  promises?: readonly PromiseFact[];
  plans?: readonly PaymentPlanFact[];
  letters?: readonly LetterFact[];
  /** A case opens when the balance goes over this (default: any debt). */
  minBalanceCents?: number;
  /**
   * Cases closed at the end of the contract (the debt handed over to the bailiff or the court): from that day
   * the debt owed then is out of the procedure; only a new debt opens a new case.
   */
  closures?: readonly CalendarDate[];
}

export interface PlannedAction {
  /** Unique for the customer: `episode|step|occurrence|n`. */
  key: string;
  /** The day the episode (the case) opened, or null for a notice before any debt (pre-due). */
  episode: CalendarDate | null;
  step: string;
  occurrence: number;
  action: PlanAction;
  channel: PlanChannel | null;
  /** The day the step fell due, after the working-day shift (not the day it was planned). */
  date: CalendarDate;
  needsApproval: boolean;
  template?: string;
  level?: Level;
  fee?: FeeKind;
  task?: TaskKind;
  /** Which incident the step answers (first contact after a reject). */
  incident?: IncidentKind;
  /** The invoice a notice before its due date is about. */
  invoiceRef?: string;
}

export type ClosedBy = "payment" | "credit_note" | "write_off" | "contract_ended";

export interface Episode {
  openedOn: CalendarDate;
  /** The day the case closed (the balance came back to zero, or the contract-end closure); null while open. */
  paidOn: CalendarDate | null;
  /** How it closed; null while open. */
  closedBy: ClosedBy | null;
  /** Due date of the oldest unpaid invoice on the last day replayed. */
  anchorOn: CalendarDate;
  level: Level;
  balanceCents: number;
}

export interface EngineResult {
  episodes: Episode[];
  actions: PlannedAction[];
}

const INCIDENT_OF: Record<PaymentMethod, IncidentKind> = {
  card: "card_rejected",
  sepa: "sepa_rejected",
  cheque: "cheque_bounced",
  transfer: "transfer_missing",
  cash: "transfer_missing",
};

interface Open {
  episode: Episode;
  /** Step code → occurrences fired (and the date each fell due). */
  fired: Map<string, CalendarDate[]>;
  incidents: { date: CalendarDate; kind: IncidentKind }[];
  /** Step code → the day it falls for a starting day (anchors rarely move: worked out once each). */
  dates: Map<string, { start: CalendarDate; date: CalendarDate }>;
}

export interface RunOptions {
  /**
   * Replay only from the last day before this one when the customer owed nothing: what came before is settled
   * (its actions recorded by earlier runs), and a long-standing customer's years of rent need not be replayed
   * every day. Unset: the whole history.
   */
  settledBefore?: CalendarDate;
}

/** Replays the customer's facts up to `asOf` and returns the episodes (cases) and every action due by then. */
export function runEngine(input: EngineInput, asOf: CalendarDate, options: RunOptions = {}): EngineResult {
  const invoices = input.invoices.filter((i) => i.amountCents >= 0).sort((a, b) => cmp(a.dueDate, b.dueDate) || cmp(a.ref, b.ref));
  // Credit notes and write-offs settle debt on their date, like a payment that is not money received.
  const credits = input.invoices.flatMap((i): PaymentFact[] =>
    i.amountCents < 0
      ? [{ ref: i.ref, date: i.dueDate, amountCents: -i.amountCents, status: "ok", method: "transfer", credit: i.kind === "write_off" ? "write_off" : "credit_note" }]
      : [],
  );
  const payments = [...input.payments, ...credits].sort((a, b) => cmp(a.date, b.date) || cmp(a.ref, b.ref));
  const closures = new Set(input.closures ?? []);
  const min = input.minBalanceCents ?? 0;
  const steps = input.scenario.steps.filter((s) => s.enabled);
  const dueSteps = steps.filter((s) => s.when.from !== "payment");
  const afterPayment = steps.filter((s) => s.when.from === "payment");
  const preDue = dueSteps.filter((s) => stepOffsetDays(s) < 0);
  const out: PlannedAction[] = [];
  const episodes: Episode[] = [];
  if (invoices.length === 0) return { episodes, actions: out };

  let open: Open | null = null;
  let lastClosed: Open | null = null;
  const preDueDone = new Set<string>();
  // What happens on which day, read once: the replay then walks the days adding it up.
  const dueOn = groupByDay(invoices, (i) => i.dueDate);
  const paidOn = groupByDay(
    payments.filter((p) => p.status === "ok"),
    (p) => p.date,
  );
  const rejectedOn = groupByDay(
    payments.filter((p) => p.status === "rejected"),
    (p) => p.date,
  );
  const noticeOn = new Map<CalendarDate, { step: ScenarioStep; invoice: InvoiceFact }[]>();
  for (const step of preDue) {
    for (const invoice of invoices) {
      const day = stepDate(step.when, invoice.dueDate);
      noticeOn.set(day, [...(noticeOn.get(day) ?? []), { step, invoice }]);
    }
  }
  const lead = Math.min(0, ...preDue.map(stepOffsetDays));
  let start = addDays(invoices[0]!.dueDate, lead);
  if (options.settledBefore) {
    const settled = lastSettledDay(invoices, payments, closures, options.settledBefore);
    // From the day after: nothing was owed then, so no case is cut in two (notices before due dates of those
    // days were planned by the runs of that time).
    if (settled && addDays(settled, 1) > start) start = addDays(settled, 1);
  }
  // What fell due and was paid before the first day replayed (an advance, or settled years) counts from the start.
  let balance = balanceBefore(invoices, payments, closures, start);
  // Debt handed over at a contract-end closure: still owed, no longer the procedure's.
  let handedOver = 0;
  let anchor: CalendarDate | null = balance > 0 ? anchorOn(invoices, payments, addDays(start, -1)) : null;
  for (let t = start; t <= asOf; t = nextDay(t)) {
    const due = dueOn.get(t);
    const received = paidOn.get(t);
    if (due || received) {
      for (const i of due ?? []) balance += i.amountCents;
      for (const p of received ?? []) balance -= p.amountCents;
      anchor = anchorOn(invoices, payments, t);
    }
    if (closures.has(t)) {
      handedOver = Math.max(handedOver, balance);
      if (open) {
        open.episode.paidOn = t;
        open.episode.closedBy = "contract_ended";
        open = null;
      }
    }
    // Payments after the handover pay the handed-over debt first.
    if (balance - handedOver < 0) handedOver = Math.max(0, balance);
    if (!open && balance - handedOver > min) {
      const episode: Episode = { openedOn: t, paidOn: null, closedBy: null, anchorOn: anchor!, level: "none", balanceCents: balance };
      episodes.push(episode);
      open = { episode, fired: new Map(), incidents: [], dates: new Map() };
    }
    if (open) {
      for (const p of rejectedOn.get(t) ?? []) open.incidents.push({ date: t, kind: INCIDENT_OF[p.method] });
      if (balance - handedOver <= 0) {
        open.episode.paidOn = t;
        open.episode.balanceCents = balance;
        open.episode.closedBy = closedByOn(received ?? []);
        lastClosed = open;
        open = null;
      } else {
        open.episode.anchorOn = anchor ?? open.episode.anchorOn;
        open.episode.balanceCents = balance;
        if (!input.customer.stop && !paused(input, t)) fireDueSteps(input, open, dueSteps, t, out);
      }
    }
    // Notices before a due date, for an invoice issued and still unpaid.
    if (!input.customer.stop) {
      for (const { step, invoice } of noticeOn.get(t) ?? []) {
        const key = `${step.code}#${invoice.ref}`;
        if (preDueDone.has(key) || invoice.issueDate > t || !unpaidOn(invoices, payments, invoice, t)) continue;
        preDueDone.add(key);
        const before = out.length;
        emit(out, input, step, open?.episode.openedOn ?? null, 1, t, null, key);
        for (const a of out.slice(before)) a.invoiceRef = invoice.ref;
      }
    }
    // After a payment in full: unlock at once, thanks a few days later.
    if (lastClosed && !input.customer.stop) {
      for (const step of afterPayment) {
        if (lastClosed.fired.has(step.code)) continue;
        if (step.code === "unlock" && !lastClosed.fired.has("lockout")) continue;
        // Thanks are for a customer who was reminded and paid: not for one who paid a day late before any
        // message, nor for a debt credited or written off.
        if (isMessageStep(step) && (lastClosed.episode.closedBy !== "payment" || !remindedIn(lastClosed, input.scenario))) continue;
        const date = stepDate(step.when, lastClosed.episode.paidOn!);
        if (date > t) continue;
        lastClosed.fired.set(step.code, [date]);
        emit(out, input, step, lastClosed.episode.openedOn, 1, date, lastClosed.episode);
      }
    }
  }
  return { episodes, actions: out };
}

/** The day after: the replay asks it for every day of every customer, so the answers are kept. */
const nextDays = new Map<CalendarDate, CalendarDate>();
function nextDay(day: CalendarDate): CalendarDate {
  let next = nextDays.get(day);
  if (next === undefined) {
    if (nextDays.size > 20_000) nextDays.clear();
    nextDays.set(day, (next = addDays(day, 1)));
  }
  return next;
}

function groupByDay<T>(items: readonly T[], day: (item: T) => CalendarDate): Map<CalendarDate, T[]> {
  const map = new Map<CalendarDate, T[]>();
  for (const item of items) {
    const list = map.get(day(item));
    if (list) list.push(item);
    else map.set(day(item), [item]);
  }
  return map;
}

/** The steps counted from the due date whose day has come, in the scenario's order, each once an episode. */
function fireDueSteps(input: EngineInput, open: Open, steps: readonly ScenarioStep[], t: CalendarDate, out: PlannedAction[]): void {
  const { episode } = open;
  const sepaNotRejected = input.customer.paymentMethod === "sepa" && open.incidents.length === 0;
  let previous = episode.anchorOn;
  for (const step of steps) {
    if (stepOffsetDays(step) < 0) continue; // pre-due notices are not part of an episode
    const fired = open.fired.get(step.code);
    const start = step.when.from === "previous" ? previous : step.when.from === "receipt" ? receivedIn(input, step.when.step, episode.openedOn, t) : episode.anchorOn;
    if (start === null && !fired) return; // counted from a receipt not recorded yet: not planned, nor the steps after it
    let known = open.dates.get(step.code);
    if (start !== null && known?.start !== start) open.dates.set(step.code, (known = { start, date: stepDate(step.when, start) }));
    let date = known!.date;
    if (fired) {
      previous = fired[0]!;
      // A further payment incident in the same episode: the first contact again (a call, and the fee).
      if (step.perIncident) {
        const later = open.incidents.filter((i) => i.date > fired.at(-1)! && i.date <= t);
        for (const incident of later) {
          fired.push(incident.date);
          emit(out, input, step, episode.openedOn, fired.length, incident.date, episode, undefined, incident.kind);
        }
      }
      continue;
    }
    // A debit is chased only once it has been rejected; the first contact falls on the reject if later.
    if (sepaNotRejected) return;
    const incident = step.perIncident ? open.incidents.find((i) => i.date >= episode.openedOn) : undefined;
    if (incident && incident.date > date) date = incident.date;
    if (date > t) return; // later steps fall later still
    if (step.gate === "previous_registered_letter" && !letterSent(input, steps, step, t)) return;
    open.fired.set(step.code, [date]);
    previous = date;
    emit(out, input, step, episode.openedOn, 1, date, episode, undefined, incident?.kind);
  }
}

function emit(
  out: PlannedAction[],
  input: EngineInput,
  step: ScenarioStep,
  episodeDay: CalendarDate | null,
  occurrence: number,
  date: CalendarDate,
  episode: Episode | null,
  keyOverride?: string,
  incident?: IncidentKind,
): void {
  const actions: StepAction[] = [...step.actions];
  if (incident === "sepa_rejected") actions.push({ action: "fee", fee: "sepa_reject" });
  if (incident === "card_rejected") actions.push({ action: "task", channel: "call", task: "card_rerun" });
  const base = keyOverride ?? `${episodeDay ?? "-"}|${step.code}|${occurrence}`;
  actions.forEach((a, n) => {
    if (a.action === "fee" && COMPANY_ONLY_FEES.includes(a.fee) && input.customer.kind !== "company") return;
    if (a.action === "level") {
      if (!episode || rank(a.level) <= rank(episode.level)) return; // a level never goes down, nor repeats
      episode.level = a.level;
    }
    const planned: PlannedAction = {
      key: `${base}|${n}`,
      episode: episodeDay,
      step: step.code,
      occurrence,
      action: a.action,
      channel: channelOf(a),
      date,
      needsApproval: step.needsApproval,
    };
    if (a.action === "message") planned.template = a.template;
    if (a.action === "level") planned.level = a.level;
    if (a.action === "fee") planned.fee = a.fee;
    if (a.action === "task") planned.task = a.task;
    if (incident) planned.incident = incident;
    out.push(planned);
  });
}

function isMessageStep(step: ScenarioStep): boolean {
  return step.actions.some((a) => a.action === "message");
}

function remindedIn(episode: Open, scenario: Scenario): boolean {
  return scenario.steps.some((s) => s.when.from !== "payment" && episode.fired.has(s.code) && isMessageStep(s));
}

function channelOf(a: StepAction): PlanChannel | null {
  if (a.action === "message") return a.channel;
  if (a.action === "task") return a.task === "card_rerun" ? null : a.channel;
  return null;
}

/** Automatic steps wait during a promise to pay (until its day has passed) and while a payment plan is kept. */
/** What a payment-plan check needs of a payment. */
export type PausePayment = Pick<PaymentFact, "date" | "amountCents" | "status">;

export function paused(input: Pick<EngineInput, "promises" | "plans"> & { payments: readonly PausePayment[] }, t: CalendarDate): boolean {
  // Only the latest promise is in force: one made again with a new date replaces the earlier one.
  if (promiseInForce(input.promises ?? [], t)) return true;
  for (const plan of input.plans ?? []) {
    if (plan.agreedOn > t) continue;
    const last = plan.instalments.at(-1);
    if (!last || t > last.dueOn) continue;
    // Kept while what was paid since the agreement covers every instalment fallen due before today.
    const owed = plan.instalments.filter((i) => i.dueOn < t).reduce((s, i) => s + i.amountCents, 0);
    const paid = input.payments.filter((p) => p.status === "ok" && p.date >= plan.agreedOn && p.date <= t).reduce((s, p) => s + p.amountCents, 0);
    if (paid >= owed) return true;
  }
  return false;
}

/** The registered letter of the nearest earlier step that sends one has been recorded by `t`. */
function letterSent(input: EngineInput, steps: readonly ScenarioStep[], step: ScenarioStep, t: CalendarDate): boolean {
  const before = steps.slice(0, steps.indexOf(step)).filter((s) => s.actions.some((a) => a.action === "message" && a.channel === "registered_letter"));
  const wanted = before.at(-1);
  if (!wanted) return true;
  return (input.letters ?? []).some((l) => l.step === wanted.code && l.sentOn <= t);
}

/**
 * The day the registered letter of `step` sent in this episode (on or after the day it opened) was received, as
 * known on `t`: the first such receipt recorded (an AR, or the letter back unclaimed). Null: none yet.
 */
function receivedIn(input: EngineInput, step: string | undefined, since: CalendarDate, t: CalendarDate): CalendarDate | null {
  let first: CalendarDate | null = null;
  for (const l of input.letters ?? []) {
    if (l.step !== step || l.sentOn < since || !l.receivedOn || l.receivedOn > t) continue;
    if (!first || l.receivedOn < first) first = l.receivedOn;
  }
  return first;
}

/** How a case closed on a day its balance came back to zero: money received that day, else the credit. */
function closedByOn(received: readonly PaymentFact[]): ClosedBy {
  if (received.length === 0 || received.some((p) => !p.credit)) return "payment";
  return received.some((p) => p.credit === "write_off") ? "write_off" : "credit_note";
}

/**
 * Day → what the procedure counts as owed at the end of it, for the days before `before` on which something
 * happened: invoices fallen due, minus payments and credits; a contract-end closure hands over what was owed.
 */
function balancesBefore(invoices: readonly InvoiceFact[], payments: readonly PaymentFact[], closures: ReadonlySet<CalendarDate>, before: CalendarDate): [CalendarDate, number][] {
  const net = new Map<CalendarDate, number>();
  for (const i of invoices) if (i.dueDate < before) net.set(i.dueDate, (net.get(i.dueDate) ?? 0) + i.amountCents);
  for (const p of payments) if (p.status === "ok" && p.date < before) net.set(p.date, (net.get(p.date) ?? 0) - p.amountCents);
  for (const c of closures) if (c < before && !net.has(c)) net.set(c, 0);
  let balance = 0;
  let handedOver = 0;
  const out: [CalendarDate, number][] = [];
  for (const day of [...net.keys()].sort()) {
    balance += net.get(day)!;
    if (closures.has(day)) handedOver = Math.max(handedOver, balance);
    if (balance - handedOver < 0) handedOver = Math.max(0, balance);
    out.push([day, balance - handedOver]);
  }
  return out;
}

function balanceBefore(invoices: readonly InvoiceFact[], payments: readonly PaymentFact[], closures: ReadonlySet<CalendarDate>, before: CalendarDate): number {
  return balancesBefore(invoices, payments, closures, before).at(-1)?.[1] ?? 0;
}

/** The last day before `before` at the end of which the customer owed nothing (null: never). */
function lastSettledDay(invoices: readonly InvoiceFact[], payments: readonly PaymentFact[], closures: ReadonlySet<CalendarDate>, before: CalendarDate): CalendarDate | null {
  let settled: CalendarDate | null = null;
  for (const [day, balance] of balancesBefore(invoices, payments, closures, before)) if (balance <= 0) settled = day;
  return settled;
}

/** Due date of the oldest invoice not covered by the payments received by `t` (oldest first); null if none. */
function anchorOn(invoices: readonly InvoiceFact[], payments: readonly PaymentFact[], t: CalendarDate): CalendarDate | null {
  let paid = 0;
  for (const p of payments) if (p.status === "ok" && p.date <= t) paid += p.amountCents;
  for (const i of invoices) {
    if (i.dueDate > t) return null;
    if (paid >= i.amountCents) paid -= i.amountCents;
    else return i.dueDate;
  }
  return null;
}

function unpaidOn(invoices: readonly InvoiceFact[], payments: readonly PaymentFact[], invoice: InvoiceFact, t: CalendarDate): boolean {
  let paid = 0;
  for (const p of payments) if (p.status === "ok" && p.date <= t) paid += p.amountCents;
  for (const i of invoices) {
    if (i === invoice) return paid < i.amountCents;
    paid = Math.max(0, paid - i.amountCents);
  }
  return false;
}

function stepOffsetDays(step: ScenarioStep): number {
  return step.when.from === "due" && !step.when.months ? (step.when.days ?? 0) : 0;
}

function rank(level: Level): number {
  return LEVELS.indexOf(level);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}


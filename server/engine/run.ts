import { and, desc, eq, inArray, isNotNull, isNull, lte, notInArray, or, sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { runEngine, type ClosedBy, type Episode, type PlannedAction } from "../../shared/engine/engine";
import { addDays, type CalendarDate } from "../../shared/dates";
import type { Scenario } from "../../shared/engine/scenarios";
import { LEVELS, type CaseStatus, type Level, type TaskKind } from "../../shared/enums";
import { formatDateFr } from "../../shared/dates";
import type { FeeKind } from "../../shared/engine/scenarios";
import { formatEurosPlain } from "../../shared/money";
import type { Settings } from "../../shared/schemas/settings";
import { invoices } from "../billing/billing.sql";
import { cadenasRef, creditsFor, feeAmount, unpaidInvoices, type OpenInvoice } from "../billing/ledger";
import { actions, cases, tasks } from "../cases/cases.sql";
import { contracts } from "../customers/customers.sql";
import type { Database, Transaction } from "../db/client";
import { lastSuccessfulImport } from "../imports/apply";
import { STALE_IMPORT_HOURS, importAgeHours, isImportStale } from "../../shared/engine/freshness";
import { customersChangedStatements } from "../sync/changes";
import { engineRuns, plannedActions } from "./engine.sql";
import { customersToEvaluate, loadFacts, loadScenarios } from "./facts";
import type { SiteFilter } from "./zones";
import { loadSettings } from "./settings";
import type { MessageChannel } from "../../shared/enums";
import type { MessagePurpose } from "../messaging/messaging.sql";
import { queuedMessageWrites, type QueueRequest } from "../messaging/outbox";
import { isTransientDbFault, isUniqueConflict } from "../db/faults";
import { retrying, writeAll, type Write } from "../db/write";

/** One line of the plan, as `npm run engine -- --json` prints it (CONTRACT.md). */
export interface PlanLine {
  customer_ref: string;
  case_id: string | null;
  scenario: string;
  step: string;
  action: PlannedAction["action"];
  channel: PlannedAction["channel"];
  date: CalendarDate;
  needs_approval: boolean;
}

export interface EngineRunResult {
  asOf: CalendarDate;
  plan: PlanLine[];
  /** Why nothing was recorded (dry run, data too old), or null when the plan was carried out. */
  heldReason: string | null;
  customersEvaluated: number;
}

export interface EngineRunOptions {
  asOf: CalendarDate;
  dryRun: boolean;
  now: Date;
  /** No automatic action when the newest successful import is older than this (hours). */
  staleAfterHours?: number;
  /**
   * The time zone whose day this is: the calendar day of a promise or a letter (default Europe/Paris). Recorded
   * with the run, and the previous run this one follows on is that zone's (or one over every customer).
   */
  timeZone?: string;
  /** A time zone's daily run: only the customers of its sites (`engineZones`). Unset: every customer. */
  sites?: SiteFilter;
  /** Filled with the milliseconds spent in each phase (for the benchmark). */
  timings?: Record<"find" | "facts" | "replay" | "store", number>;
  /**
   * Only these customers, at once, after a decision in the app changed their account (a write-off): the data is
   * the app's own, so the stale-import guard does not apply, and it does not count as the day's run.
   */
  customerIds?: readonly string[];
}

/**
 * Runs the scenarios for a day: works out, for every customer who may need something, what is due and not yet
 * recorded; records it (cases opened, moved and closed, tasks for the floor, levels, the approval queue) unless
 * it is a dry run or the imported data is too old to act on. A second run of the same day records nothing new:
 * every planned action is unique by (customer, key).
 */
export async function runEngineDay(db: Database, options: EngineRunOptions): Promise<EngineRunResult> {
  const { asOf } = options;
  const targeted = options.customerIds !== undefined;
  const heldReason = options.dryRun ? "dry run" : targeted ? null : await staleData(db, options.now, options.staleAfterHours ?? STALE_IMPORT_HOURS);
  const all = await loadScenarios(db);
  const settings = await loadSettings(db);
  const timings = options.timings ?? { find: 0, facts: 0, replay: 0, store: 0 };
  let lap = performance.now();
  const phase = (name: keyof typeof timings) => {
    const t = performance.now();
    timings[name] += t - lap;
    lap = t;
  };
  // A targeted run (an approval, an import) looks at the customers it is given; the daily run at those changed
  // since the previous run.
  const ids = options.customerIds ? [...options.customerIds] : await customersToEvaluate(db, asOf, await previousRun(db, asOf, options.timeZone), options.sites);
  phase("find");
  const plan: PlanLine[] = [];
  const runId = targeted ? null : uuidv7();
  if (!heldReason && runId) await db.insert(engineRuns).values({ id: runId, asOf, timeZone: options.timeZone ?? null, startedAt: options.now.toISOString() });

  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    // A chunk is read, worked out, then written in one batch (db/write.ts): over a libSQL server an interactive
    // transaction would hold the write lock across a round trip a statement, past sqld's 5 s. Two servers running
    // the same day: the second's batch meets the first's planned actions (unique by customer and key) or open case
    // (one a customer), is rolled back whole, and the chunk is read and worked out again — finding it done.
    const work = async (tx: Database) => {
      const plan: PlanLine[] = [];
      const facts = await loadFacts(tx, chunk, all, options.timeZone ?? "Europe/Paris", settings.minBalanceCents);
      const openCases = await tx.select().from(cases).where(and(inArray(cases.customerId, chunk), eq(cases.status, "open")));
      const openCaseOf = new Map(openCases.map((k) => [k.customerId, k]));
      const boxes = heldReason ? new Map<string, Box[]>() : await boxesByCustomer(tx, chunk, asOf);
      const writes = new Writes(new Map(openCases.map((k) => [k.id, k.level])), settings, asOf);
      const caseWrites: Write[] = [];
      const changed: string[] = [];
      phase("facts");
      for (const { customerId, input, recorded } of facts) {
        // History settled more than two months ago was planned by the runs of that time.
        const result = runEngine(input, asOf, { settledBefore: addDays(asOf, -60) });
        phase("replay");
        const unseen = result.actions.filter((a) => !recorded.has(a.key));
        const moot = unseen.filter((a) => isMoot(a, result.episodes, input.scenario, asOf));
        const fresh = unseen.filter((a) => !moot.includes(a));
        const caseIds = heldReason ? new Map<string, string>() : syncCases(tx, caseWrites, customerId, result.episodes, openCaseOf.get(customerId), fresh, asOf);
        for (const a of fresh) {
          plan.push({
            customer_ref: input.customer.ref,
            case_id: (a.episode && caseIds.get(a.episode)) ?? openCaseOf.get(customerId)?.id ?? null,
            scenario: input.scenario.code,
            step: a.step,
            action: a.action,
            channel: a.channel,
            date: a.date,
            needs_approval: a.needsApproval,
          });
        }
        if (heldReason || unseen.length === 0) {
          phase("store");
          continue;
        }
        recordActions(writes, customerId, input.scenario, fresh, caseIds, runId, options.now, boxes.get(customerId) ?? []);
        recordMoot(writes, customerId, input.scenario.code, moot, runId);
        changed.push(customerId);
        phase("store");
      }
      if (!heldReason) await writeAll(tx, [...caseWrites, ...(await writes.statements(tx)), ...customersChangedStatements(tx, changed)]);
      phase("store");
      return plan;
    };
    plan.push(...(await retrying(() => work(db), (e) => isTransientDbFault(e) || isUniqueConflict(e))));
  }
  if (!heldReason && runId) await db.update(engineRuns).set({ finishedAt: new Date().toISOString(), planned: plan.length }).where(eq(engineRuns.id, runId));
  return { asOf, plan, heldReason, customersEvaluated: ids.length };
}

/**
 * Records everything the scenarios would have planned up to `asOf` as already done, without doing it: for a
 * database whose history was written by other means (the demo data, a migration from the spreadsheet), so the
 * first real run plans only what falls due from then on.
 */
export async function markPlanDone(
  db: Database,
  asOf: CalendarDate,
  timeZone = "Europe/Paris",
  options: { asRun?: boolean; customerIds?: readonly string[]; except?: readonly string[] } = {},
): Promise<number> {
  const all = await loadScenarios(db);
  // Only some customers (a story told up to another day), or everyone but them.
  const except = new Set(options.except ?? []);
  const ids = options.customerIds ? [...options.customerIds] : (await customersToEvaluate(db, asOf)).filter((id) => !except.has(id));
  let marked = 0;
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    // Read, then written in one batch (db/write.ts); a key already recorded is kept as it is.
    await retrying(async () => {
      const tx = db;
      const openCases = await tx.select().from(cases).where(and(inArray(cases.customerId, chunk), eq(cases.status, "open")));
      const caseOf = new Map(openCases.map((k) => [k.customerId, k.id]));
      const rows: (typeof plannedActions.$inferInsert)[] = [];
      for (const { customerId, input } of await loadFacts(tx, chunk, all, timeZone)) {
        const result = runEngine(input, asOf);
        const open = result.episodes.at(-1);
        for (const a of result.actions) {
          rows.push({
            id: uuidv7(),
            customerId,
            caseId: open && !open.paidOn && a.episode === open.openedOn ? (caseOf.get(customerId) ?? null) : null,
            key: a.key,
            scenario: input.scenario.code,
            step: a.step,
            occurrence: a.occurrence,
            action: a.action,
            channel: a.channel,
            date: a.date,
            needsApproval: a.needsApproval,
            status: "done",
          });
        }
      }
      const writes: Write[] = [];
      for (let j = 0; j < rows.length; j += 50) writes.push(tx.insert(plannedActions).values(rows.slice(j, j + 50)).onConflictDoNothing());
      await writeAll(tx, writes);
      marked += rows.length;
    }, isTransientDbFault);
  }
  // Counted as that day's run when asked (a system taken over as if it had run every day).
  if (options.asRun) {
    const at = new Date().toISOString();
    await db.insert(engineRuns).values({ id: uuidv7(), asOf, startedAt: at, finishedAt: at, planned: 0, heldReason: "recorded as done" });
  }
  return marked;
}

/** Why the day's actions must not be carried out automatically: imported data more than a day old. */
async function staleData(db: Database, now: Date, hours: number): Promise<string | null> {
  const last = await lastSuccessfulImport(db);
  if (!last) return "no import yet: nothing is sent before the billing data has been imported";
  return isImportStale(last, now, hours) ? `the last import is ${importAgeHours(last, now)} h old (over ${hours} h): nothing is sent automatically` : null;
}

/**
 * Brings the customer's case rows in line with the engine's episodes: the open one opened or moved (anchor,
 * level, stage), a paid one closed and what waited for it cancelled. Returns episode day → case id.
 */
function syncCases(
  tx: Database | Transaction,
  out: Write[],
  customerId: string,
  episodes: readonly Episode[],
  open: typeof cases.$inferSelect | undefined,
  fresh: readonly PlannedAction[],
  asOf: CalendarDate,
): Map<string, string> {
  const ids = new Map<string, string>();
  const last = episodes.at(-1);
  const lastStep = [...fresh].reverse().find((a) => a.episode === last?.openedOn && a.step !== "pre-due")?.step;
  if (open && last && last.paidOn === null) {
    // The level is written as its step is carried out (some wait for approval), not here.
    if (open.anchorOn !== last.anchorOn || (lastStep && open.stage !== lastStep)) {
      out.push(
        tx
          .update(cases)
          .set({ anchorOn: last.anchorOn, ...(lastStep ? { stage: lastStep } : {}) })
          .where(and(eq(cases.id, open.id), eq(cases.status, "open"))),
      );
    }
    ids.set(last.openedOn, open.id);
  } else if (!open && last && last.paidOn === null) {
    const id = uuidv7();
    out.push(tx.insert(cases).values({ id, customerId, status: "open", openedOn: last.openedOn, anchorOn: last.anchorOn, level: "none", stage: lastStep ?? null }));
    ids.set(last.openedOn, id);
  } else if (open) {
    // Paid in full, credited or written off (or nothing owed any more): the case closes, and what was waiting
    // for it with it.
    const paid = episodes.find((e) => e.paidOn && e.openedOn >= open.openedOn) ?? last;
    out.push(...closeCaseWrites(tx, open.id, CLOSED_STATUS[paid?.closedBy ?? "payment"], paid?.paidOn ?? asOf));
    if (paid) ids.set(paid.openedOn, open.id);
  }
  return ids;
}

const CLOSED_STATUS: Record<ClosedBy, Exclude<CaseStatus, "open">> = { payment: "paid", credit_note: "paid", write_off: "written_off", contract_ended: "contract_ended" };

/**
 * Closes a case and cancels what was waiting for it: steps not yet carried out, and the floor's open tasks —
 * except those a closing calls for (padlock off, gate code back) and, at a contract's end, the box still to open.
 */
export async function closeCase(tx: Database | Transaction, caseId: string, status: Exclude<CaseStatus, "open">, closedOn: CalendarDate): Promise<void> {
  for (const write of closeCaseWrites(tx, caseId, status, closedOn)) await write;
}

function closeCaseWrites(tx: Database | Transaction, caseId: string, status: Exclude<CaseStatus, "open">, closedOn: CalendarDate): Write[] {
  const kept = status === "contract_ended" ? ["padlock_remove", "gate_restore", "open_box", "padlock_place"] : ["padlock_remove", "gate_restore"];
  return [
    tx.update(cases).set({ status, closedOn }).where(eq(cases.id, caseId)),
    tx
      .update(plannedActions)
      .set({ status: "cancelled" })
      .where(and(eq(plannedActions.caseId, caseId), inArray(plannedActions.status, ["planned", "awaiting_approval", "held"]))),
    tx.update(tasks).set({ status: "cancelled" }).where(and(eq(tasks.caseId, caseId), eq(tasks.status, "open"), notInArray(tasks.kind, kept as TaskKind[]))),
  ];
}

/** Adds the new planned actions to the chunk's writes, and the effects of those that need no one's approval. */
function recordActions(
  writes: Writes,
  customerId: string,
  scenario: Scenario,
  fresh: readonly PlannedAction[],
  caseIds: Map<string, string>,
  runId: string | null,
  now: Date,
  boxes: readonly Box[],
): void {
  for (const a of fresh) {
    const row: PlannedRow = {
      id: uuidv7(),
      customerId,
      caseId: (a.episode && caseIds.get(a.episode)) || null,
      key: a.key,
      scenario: scenario.code,
      step: a.step,
      occurrence: a.occurrence,
      action: a.action,
      channel: a.channel,
      date: a.date,
      needsApproval: a.needsApproval,
      status: a.needsApproval ? "awaiting_approval" : a.action === "message" ? "planned" : "done",
      detail: compact({
        template: a.template,
        level: a.level,
        fee: a.fee,
        task: a.task,
        incident: a.incident,
        invoice: a.invoiceRef,
        purpose: a.action === "message" ? purposeOf(a, scenario) : undefined,
        // The termination notice names the day the contract ends: its own step's day.
        contractEnd: a.action === "message" && endsContract(a, scenario) ? a.date : undefined,
      }),
      runId,
    };
    writes.planned.push(row);
    // Done now, or a message handed to the outbox now (it is sent later, after its last checks).
    if (row.status === "done" || row.status === "planned") writes.effectsOf(row, boxes, now);
  }
}

type PlannedRow = typeof plannedActions.$inferInsert;

/**
 * What a message is for: thanks after payment, a notice before a due date or of the contract's end (it goes even
 * once the case is filed: the opening of the box counts from its receipt), else a reminder of the debt.
 */
function purposeOf(a: PlannedAction, scenario: Scenario): MessagePurpose {
  if (a.invoiceRef || endsContract(a, scenario)) return "notice";
  return scenario.steps.find((s) => s.code === a.step)?.when.from === "payment" ? "thanks" : "reminder";
}
/** The action belongs to a step that ends the contract (the exit). */
function endsContract(a: PlannedAction, scenario: Scenario): boolean {
  return Boolean(scenario.steps.find((s) => s.code === a.step)?.actions.some((x) => x.action === "contract_end"));
}

type Box = { id: string; siteId: string };

/** Every customer's boxes under a contract running on `day`, with their site, in one query. */
async function boxesByCustomer(tx: Database | Transaction, customerIds: readonly string[], day: CalendarDate): Promise<Map<string, Box[]>> {
  const rows = await tx.all<{ customer_id: string; id: string; site_id: string }>(sql`
    select ct.customer_id, u.id, u.site_id from contracts ct join units u on u.id = ct.unit_id
    where ${inArray(sql.raw("ct.customer_id"), [...customerIds])} and (ct.end_date is null or ct.end_date >= ${day})
    order by u.number`);
  const map = new Map<string, Box[]>();
  for (const r of rows) map.set(r.customer_id, [...(map.get(r.customer_id) ?? []), { id: r.id, siteId: r.site_id }]);
  return map;
}

const FEE_TEXT: Record<FeeKind, string> = {
  sepa_reject: "Frais d'impayé (prélèvement SEPA rejeté)",
  late_penalties: "Pénalités de retard (client professionnel)",
  recovery_indemnity: "Indemnité forfaitaire pour frais de recouvrement (client professionnel)",
};

/** Who carries an action out: the system on its daily run, or the person who approved it. */
export interface Author {
  userId: string | null;
  initials: string;
}
const SYSTEM: Author = { userId: null, initials: "SYS" };

type Note = (kind: "level_changed" | "fee" | "contract_ended" | "credit_note", text: string, data: Record<string, unknown>) => void;

/**
 * What planned actions do once they need no one's approval, or have it, gathered and written together: tasks
 * for the floor (a padlock or gate-code task for each box, the rest once at the customer's first site), the
 * level written to the case and its history (`R2 11/26`, as the billing software notes it), fees billed (an
 * invoice made by Cadenas, for the office to enter in the billing software), the contract's end and the credit
 * notes it calls for (to the Manager's approval), credit notes once approved. Messages are the outbox's
 * (issue 5): they stay `planned` until it sends.
 */
class Writes {
  planned: PlannedRow[] = [];
  tasks: (typeof tasks.$inferInsert)[] = [];
  history: (typeof actions.$inferInsert)[] = [];
  /** Case → its level now (the loaded one, raised as levels are carried out). */
  levels: Map<string, Level>;
  raised = new Set<string>();
  contractEnds: { row: PlannedRow; unitId: string }[] = [];
  fees: { row: PlannedRow; fee: FeeKind; note: Note }[] = [];
  creditNotes: { row: PlannedRow; note: Note }[] = [];
  outbox: QueueRequest[] = [];

  constructor(
    levels: Map<string, Level>,
    private readonly settings: Settings,
    /** The day the messages are written for (their deadline, their date). */
    private readonly asOf: CalendarDate,
    private readonly by: Author = SYSTEM,
  ) {
    this.levels = levels;
  }

  effectsOf(row: PlannedRow, boxes: readonly Box[], now: Date): void {
    const detail = row.detail ?? {};
    const note: Note = (kind, text, data) =>
      this.history.push({
        id: uuidv7(),
        caseId: row.caseId ?? null,
        customerId: row.customerId,
        siteId: boxes[0]?.siteId ?? null,
        userId: this.by.userId,
        initials: this.by.initials,
        kind,
        text,
        happenedAt: now.toISOString(),
        data: { ...data, step: row.step },
      });
    if (row.action === "message" && detail.template && row.channel) {
      this.outbox.push({
        customerId: row.customerId,
        caseId: row.caseId ?? null,
        plannedActionId: row.id!,
        key: row.key,
        step: row.step,
        template: detail.template,
        channel: row.channel as MessageChannel,
        purpose: (detail.purpose as MessagePurpose | undefined) ?? "reminder",
        invoiceRef: detail.invoice,
        contractEndsOn: detail.contractEnd,
      });
    } else if (row.action === "task" && detail.task) {
      const perUnit = ["padlock_place", "padlock_remove", "gate_suspend", "gate_restore"].includes(detail.task);
      for (const u of perUnit ? boxes : boxes.slice(0, 1)) {
        this.tasks.push({
          id: uuidv7(),
          siteId: u.siteId,
          caseId: row.caseId ?? null,
          customerId: row.customerId,
          unitId: perUnit ? u.id : null,
          kind: detail.task as TaskKind,
          stepCode: row.step,
          dueOn: row.date,
          status: "open",
        });
      }
    } else if (row.action === "level" && detail.level && row.caseId) {
      const level = detail.level as Level;
      if (LEVELS.indexOf(level) > LEVELS.indexOf(this.levels.get(row.caseId) ?? "none")) {
        this.levels.set(row.caseId, level);
        this.raised.add(row.caseId);
        note("level_changed", `${level} ${row.date.slice(5, 7)}/${row.date.slice(2, 4)}`, { level });
      }
    } else if (row.action === "fee" && detail.fee) {
      this.fees.push({ row, fee: detail.fee as FeeKind, note });
    } else if (row.action === "contract_end") {
      // The contract ends that day, before the next recurring billing; the debt stays owed.
      for (const b of boxes) this.contractEnds.push({ row, unitId: b.id });
      note("contract_ended", `Sortie du contrat au ${formatDateFr(row.date)}`, {});
    } else if (row.action === "credit_note") {
      this.creditNotes.push({ row, note });
    }
  }

  /** Writes it all now, in the caller's transaction. */
  async flush(tx: Database | Transaction): Promise<void> {
    for (const write of await this.statements(tx)) await write;
  }

  /**
   * The statements that write it all, in their order (planned actions before what points at them), built on `tx`
   * and not yet run: what they need is read now. Planned actions are inserted plainly: one already recorded by
   * another process fails the whole write, to be read and worked out again.
   */
  async statements(tx: Database | Transaction): Promise<Write[]> {
    const out: Write[] = [];
    const billing = await this.billing(tx); // first: it adds history lines
    for (let i = 0; i < this.planned.length; i += 50) out.push(tx.insert(plannedActions).values(this.planned.slice(i, i + 50)));
    out.push(...billing);
    out.push(...(await queuedMessageWrites(tx, this.outbox, this.asOf)));
    for (let i = 0; i < this.tasks.length; i += 100) out.push(tx.insert(tasks).values(this.tasks.slice(i, i + 100)));
    for (let i = 0; i < this.history.length; i += 100) out.push(tx.insert(actions).values(this.history.slice(i, i + 100)));
    for (const caseId of this.raised) {
      // Only ever raised: an approval carried out meanwhile may have raised it further.
      const level = this.levels.get(caseId)!;
      out.push(tx.update(cases).set({ level }).where(and(eq(cases.id, caseId), inArray(cases.level, LEVELS.slice(0, LEVELS.indexOf(level))))));
    }
    for (const e of this.contractEnds) {
      out.push(
        tx
          .update(contracts)
          .set({ endDate: e.row.date })
          .where(and(eq(contracts.customerId, e.row.customerId), eq(contracts.unitId, e.unitId))),
      );
    }
    return out;
  }

  /** Fees, credit notes proposed at a contract's end and credit notes approved: rare, one customer at a time. */
  private async billing(tx: Database | Transaction): Promise<Write[]> {
    const out: Write[] = [];
    // Fees of this batch not written yet, by customer: a later fee counts them among the invoices still open.
    const billed = new Map<string, OpenInvoice[]>();
    for (const { row, fee, note } of this.fees) {
      // The SEPA reject fee is a flat amount; the others count the invoices still open (fees written above included).
      const open = fee === "sepa_reject" ? [] : [...(await unpaidInvoices(tx, row.customerId)), ...(billed.get(row.customerId) ?? [])];
      const amount = feeAmount(fee, open, row.date, this.settings);
      if (amount <= 0) {
        note("fee", `${FEE_TEXT[fee]} : rien à facturer`, { fee });
        continue;
      }
      const ref = cadenasRef("FR", row.id!);
      const id = uuidv7();
      billed.set(row.customerId, [...(billed.get(row.customerId) ?? []), { id, ref, contractId: null, dueDate: row.date, amountCents: amount, remainingCents: amount }]);
      out.push(tx.insert(invoices).values({
        id,
        ref,
        customerId: row.customerId,
        kind: "fee",
        issueDate: row.date,
        dueDate: row.date,
        amountCents: amount,
        source: "cadenas",
        plannedActionId: row.id!,
        label: FEE_TEXT[fee],
      }));
      note("fee", `${FEE_TEXT[fee]} : ${formatEurosPlain(amount)}, facture ${ref}`, { fee, ref, amountCents: amount });
    }
    // A contract ended: the invoices falling due after its last day are credited, once the Manager agrees.
    const ended = new Map(this.contractEnds.map((e) => [e.row.customerId, e.row]));
    for (const row of ended.values()) {
      const after = (await unpaidInvoices(tx, row.customerId)).filter((i) => i.dueDate > row.date);
      if (after.length === 0) continue;
      const total = after.reduce((s, i) => s + i.remainingCents, 0);
      out.push(tx
        .insert(plannedActions)
        .values({
          id: uuidv7(),
          customerId: row.customerId,
          caseId: row.caseId ?? null,
          key: `${row.key}|credit`,
          scenario: row.scenario,
          step: row.step,
          occurrence: row.occurrence,
          action: "credit_note",
          channel: null,
          date: row.date,
          needsApproval: true,
          status: "awaiting_approval",
          detail: { invoices: after.map((i) => i.ref).join(","), amountCents: String(total) },
        })
        .onConflictDoNothing());
    }
    for (const { row, note } of this.creditNotes) {
      const refs = new Set((row.detail?.invoices ?? "").split(",").filter(Boolean));
      const open = (await unpaidInvoices(tx, row.customerId)).filter((i) => refs.has(i.ref));
      if (open.length === 0) {
        note("credit_note", "Avoirs : factures déjà réglées, rien à créditer", {});
        continue;
      }
      const credits = creditsFor(open, "credit_note", row.customerId, row.date, (n) => ({ id: uuidv7(), ref: cadenasRef("AV", row.id!, n + 1) }), {
        plannedActionId: row.id!,
        label: "Avoir après la sortie du contrat",
      });
      out.push(tx.insert(invoices).values(credits));
      const total = -credits.reduce((s, c) => s + c.amountCents, 0);
      note("credit_note", `Avoirs sur ${open.map((i) => i.ref).join(", ")} : ${formatEurosPlain(total)} (accord Manager)`, { refs: credits.map((c) => c.ref), amountCents: total });
    }
    return out;
  }
}

/**
 * Carries out planned actions now (approvals, up to a whole batch): their effects, gathered and written together
 * as the daily run writes them, in the approver's name.
 */
export async function carryOutAll(tx: Database | Transaction, rows: readonly PlannedRow[], now: Date, today: CalendarDate, by: Author): Promise<void> {
  if (rows.length === 0) return;
  const caseIds = [...new Set(rows.flatMap((r) => (r.caseId ? [r.caseId] : [])))];
  const levels = caseIds.length > 0 ? await tx.select({ id: cases.id, level: cases.level }).from(cases).where(inArray(cases.id, caseIds)) : [];
  const writes = new Writes(new Map(levels.map((k) => [k.id, k.level])), await loadSettings(tx), today, by);
  const boxesOn = new Map<CalendarDate, Map<string, Box[]>>();
  for (const date of new Set(rows.map((r) => r.date))) {
    boxesOn.set(date, await boxesByCustomer(tx, [...new Set(rows.filter((r) => r.date === date).map((r) => r.customerId))], date));
  }
  for (const row of rows) writes.effectsOf(row, boxesOn.get(row.date)!.get(row.customerId) ?? [], now);
  await writes.flush(tx);
}

/**
 * An action that fell due in a case since paid (the engine had not run then), or thanks more than a week late:
 * kept as cancelled, so it is never planned again, and neither shown nor done.
 */
function isMoot(a: PlannedAction, episodes: readonly Episode[], scenario: Scenario, asOf: CalendarDate): boolean {
  const afterPayment = scenario.steps.find((s) => s.code === a.step)?.when.from === "payment";
  if (afterPayment) return a.date < addDays(asOf, -7);
  const episode = a.episode ? episodes.find((e) => e.openedOn === a.episode) : undefined;
  return Boolean(episode?.paidOn);
}

function recordMoot(writes: Writes, customerId: string, scenario: string, moot: readonly PlannedAction[], runId: string | null): void {
  for (const a of moot) {
    writes.planned.push({
      id: uuidv7(),
      customerId,
      caseId: null,
      key: a.key,
      scenario,
      step: a.step,
      occurrence: a.occurrence,
      action: a.action,
      channel: a.channel,
      date: a.date,
      needsApproval: a.needsApproval,
      status: "cancelled",
      runId,
    });
  }
}

function compact(o: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * The runs that count for a time zone: its own, and those over every customer (zone null). A run given no zone
 * follows only runs over every customer: another zone's run did not look at all of its customers.
 */
function runsOfZone(timeZone: string | undefined) {
  return timeZone ? or(eq(engineRuns.timeZone, timeZone), isNull(engineRuns.timeZone)) : isNull(engineRuns.timeZone);
}

/** Whether that day's run of that zone is done (the scheduler's "already run"). */
export async function hasRun(db: Database, asOf: CalendarDate, timeZone: string): Promise<boolean> {
  const [done] = await db
    .select({ id: engineRuns.id })
    .from(engineRuns)
    .where(and(eq(engineRuns.asOf, asOf), isNotNull(engineRuns.finishedAt), runsOfZone(timeZone)))
    .limit(1);
  return Boolean(done);
}

/** The latest finished run up to `asOf` that counts for this zone. */
async function previousRun(db: Database, asOf: CalendarDate, timeZone: string | undefined) {
  const [previous] = await db
    .select({ asOf: engineRuns.asOf, startedAt: engineRuns.startedAt })
    .from(engineRuns)
    .where(and(isNotNull(engineRuns.finishedAt), lte(engineRuns.asOf, asOf), runsOfZone(timeZone)))
    .orderBy(desc(engineRuns.asOf), desc(engineRuns.startedAt))
    .limit(1);
  return previous;
}

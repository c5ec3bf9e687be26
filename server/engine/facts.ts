import { inArray, sql } from "drizzle-orm";
import { settledOnInvoiceSql } from "../billing/balance";
import type { EngineInput, InvoiceFact, LetterFact, PaymentFact, PaymentPlanFact, PromiseFact } from "../../shared/engine/engine";
import { DEFAULT_SCENARIOS, EXIT_WHEN, TERMINATION_NOTICE, type Scenario, type ScenarioStep } from "../../shared/engine/scenarios";
import { addDays, dateOfInstant, type CalendarDate } from "../../shared/dates";
import type { Segment } from "../../shared/enums";
import type { Database, Transaction } from "../db/client";
import { notCorrectedSql } from "../debtors/corrections";
import { receivedOnSql } from "../messaging/receipts";
import { scenarios } from "./engine.sql";
import type { SiteFilter } from "./zones";
import { heldSql, scenarioSql } from "../customers/hold";

type Db = Database | Transaction;

/** The scenarios as the office left them; the defaults are written the first time. */
export async function loadScenarios(db: Db): Promise<Map<Segment, Scenario>> {
  const rows = await db.select().from(scenarios);
  const missing = DEFAULT_SCENARIOS.filter((d) => !rows.some((r) => r.code === d.code));
  if (missing.length > 0) {
    await db.insert(scenarios).values(missing.map((s) => ({ code: s.code, name: s.name, steps: s.steps }))).onConflictDoNothing();
  }
  const all = new Map<Segment, Scenario>(DEFAULT_SCENARIOS.map((s) => [s.code, s]));
  for (const r of rows) all.set(r.code, { code: r.code, name: r.name, steps: r.code === "box" ? withExitFromReceipt(r.steps) : r.steps });
  return all;
}

/**
 * A box scenario saved before the exit counted from R3's receipt kept a fixed date ("D + 1 month", end of month),
 * which could end a contract the very day the formal notice's deadline ran out, and sent no termination notice:
 * read as the procedure now has it (the operator's other choices kept) until it is saved again.
 */
function withExitFromReceipt(steps: ScenarioStep[]): ScenarioStep[] {
  return steps.map((s) => {
    if (s.code !== "exit" || s.when.from !== "due") return s;
    const sendsNotice = s.actions.some((a) => a.action === "message" && a.channel === "registered_letter");
    const at = s.actions.findIndex((a) => a.action === "task");
    const actions = sendsNotice ? s.actions : [...s.actions.slice(0, at < 0 ? s.actions.length : at), ...TERMINATION_NOTICE, ...(at < 0 ? [] : s.actions.slice(at))];
    return { ...s, when: EXIT_WHEN, actions };
  });
}

/**
 * The customers the engine must look at on `asOf`, found by index, not by adding up everyone's account: an open
 * case; an invoice fallen due in the last weeks, or falling due within the pre-due notice, that its payments do
 * not cover; a payment rejected lately; a case closed lately (unlock, thanks). A customer who owes nothing and
 * whose invoices are all paid is not looked at. The engine decides on the exact balance. A time zone's run gives
 * its `sites`: only their customers.
 */
export async function customersToEvaluate(db: Db, asOf: CalendarDate, lastRun?: { asOf: CalendarDate; startedAt: string } | null, sites?: SiteFilter): Promise<string[]> {
  // Invoices fallen due before the last run were looked at by it (and opened a case if unpaid): a few days back
  // from it is enough — plus whatever was imported since it started, however old (a debt taken over from the
  // spreadsheet, a reject dated back). With no run yet, every unpaid invoice.
  const recent = lastRun ? addDays(lastRun.asOf, -10) : "0000-01-01";
  const since = lastRun?.startedAt ?? "9999";
  const candidates = sql`
    select customer_id as id from cases where status = 'open'
    union
    select i.customer_id from invoices i
     where ((i.due_date > ${recent} and i.due_date <= ${addDays(asOf, 10)}) or (i.updated_at >= ${since} and i.due_date <= ${addDays(asOf, 10)}))
       and i.amount_cents > ${settledOnInvoiceSql(sql.raw("i.id"))}
    union
    select customer_id from payments where status = 'rejected' and ((date > ${recent} and date <= ${asOf}) or updated_at >= ${since})
    union
    select customer_id from cases where status <> 'open' and closed_on >= ${addDays(asOf, -10)}`;
  // A time zone's run: only the customers of its sites (and, for one, those with no box at all).
  const rows = await db.all<{ id: string }>(
    sites
      ? sql`select id from (${candidates}) t
          where exists (select 1 from contracts ct join units u on u.id = ct.unit_id where ct.customer_id = t.id and ${inArray(sql.raw("u.site_id"), [...sites.ids])})
          ${sites.boxless ? sql`or not exists (select 1 from contracts ct where ct.customer_id = t.id)` : sql``}
          order by 1`
      : sql`${candidates} order by 1`,
  );
  return rows.map((r) => r.id);
}

/**
 * A customer's promises to pay and payment plans, as JSON columns of a query over `customers c`: what pauses the
 * reminders. The daily run and the outbox's last check before sending read them the same way. A promise its
 * author corrected (cancelled as a mistake) is no promise.
 */
export const PROMISES_OF_C = sql`(select json_group_array(json_array(a.happened_at, json_extract(a.data, '$.promisedOn'))) from actions a
  where a.customer_id = c.id and a.kind = 'promise' and a.rejected_reason is null and ${notCorrectedSql(sql.raw("a.id"))})`;
export const PLANS_OF_C = sql`(select json_group_array(json_array(pp.agreed_on, json(pp.instalments))) from payment_plans pp where pp.customer_id = c.id)`;

/** In the order they were made (to the instant): a later promise replaces an earlier one of the same day. */
export function parsePromises(json: string, timeZone: string): PromiseFact[] {
  return (JSON.parse(json) as [string, string | null][])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([at, promisedOn]) => (promisedOn ? [{ madeOn: dateOfInstant(at, timeZone), promisedOn }] : []));
}

export function parsePlans(json: string): PaymentPlanFact[] {
  return (JSON.parse(json) as [string, PaymentPlanFact["instalments"]][]).map(([agreedOn, instalments]) => ({ agreedOn, instalments }));
}

export interface CustomerFacts {
  customerId: string;
  input: EngineInput;
  /** Keys of the actions already recorded for this customer. */
  recorded: Set<string>;
}

interface FactsRow {
  id: string;
  ref: string;
  kind: EngineInput["customer"]["kind"];
  payment_method: EngineInput["customer"]["paymentMethod"];
  stop: number;
  segment: Segment;
  /** JSON arrays, folded by SQLite: a row a customer costs far less than a row an invoice. */
  invoices: string;
  payments: string;
  promises: string;
  letters: string;
  receipts: string;
  plans: string;
  recorded: string;
  closures: string;
}

/** Everything the engine needs about these customers, one query a chunk. */
export async function loadFacts(
  db: Db,
  customerIds: readonly string[],
  all: Map<Segment, Scenario>,
  timeZone: string,
  minBalanceCents = 0,
): Promise<CustomerFacts[]> {
  const out: CustomerFacts[] = [];
  for (let i = 0; i < customerIds.length; i += 500) {
    const rows = await db.all<FactsRow>(sql`
      select c.id, c.ref, c.kind, c.payment_method, ${heldSql("c")} as stop, ${scenarioSql("c")} as segment,
        (select json_group_array(json_array(i.ref, i.issue_date, i.due_date, i.amount_cents, i.kind)) from invoices i where i.customer_id = c.id) as invoices,
        (select json_group_array(json_array(p.ref, p.date, p.amount_cents, p.status, p.method)) from payments p where p.customer_id = c.id) as payments,
        ${PROMISES_OF_C} as promises,
        (select json_group_array(json_array(a.happened_at, json_extract(a.data, '$.step'))) from actions a
          where a.customer_id = c.id and a.kind = 'registered_letter') as letters,
        (select json_group_array(json_array(m.sent_at, m.step_code, ${receivedOnSql("m")})) from messages m
          where m.customer_id = c.id and ${receivedOnSql("m")} is not null) as receipts,
        ${PLANS_OF_C} as plans,
        (select json_group_array(pa.key) from planned_actions pa where pa.customer_id = c.id) as recorded,
        (select json_group_array(k.closed_on) from cases k where k.customer_id = c.id and k.status = 'contract_ended') as closures
      from customers c where ${inArray(sql.raw("c.id"), customerIds.slice(i, i + 500))}`);
    for (const r of rows) {
      const day = (instant: string) => dateOfInstant(instant, timeZone);
      out.push({
        customerId: r.id,
        recorded: new Set(JSON.parse(r.recorded) as string[]),
        input: {
          customer: { ref: r.ref, kind: r.kind, paymentMethod: r.payment_method, stop: Boolean(r.stop) },
          scenario: all.get(r.segment) ?? all.get("box")!,
          invoices: (JSON.parse(r.invoices) as [string, string, string, number, InvoiceFact["kind"]][]).map(
            ([ref, issueDate, dueDate, amountCents, kind]): InvoiceFact => ({ ref, issueDate, dueDate, amountCents, kind }),
          ),
          payments: (JSON.parse(r.payments) as [string, string, number, PaymentFact["status"], PaymentFact["method"]][]).map(
            ([ref, date, amountCents, status, method]): PaymentFact => ({ ref, date, amountCents, status, method }),
          ),
          promises: parsePromises(r.promises, timeZone),
          letters: [
            ...(JSON.parse(r.letters) as [string, string | null][]).flatMap(([at, step]): LetterFact[] => (step ? [{ step, sentOn: day(at) }] : [])),
            // The same letters' receipts (AR or unclaimed return), from which the steps after them count.
            ...(JSON.parse(r.receipts) as [string | null, string | null, string][]).flatMap(([at, step, receivedOn]): LetterFact[] =>
              step && at ? [{ step, sentOn: day(at), receivedOn }] : [],
            ),
          ],
          plans: parsePlans(r.plans),
          closures: (JSON.parse(r.closures) as (string | null)[]).filter((d): d is string => d !== null),
          minBalanceCents,
        },
      });
    }
  }
  return out;
}

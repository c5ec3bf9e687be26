// Issue 4, the daily run at chain scale: 100,000 customers with a year of monthly rent (1.2 M invoices, their
// payments), 10,000 of them late with an open case; then twice that. The data is made by SQL inside the database
// (a JavaScript generator would take minutes for 2.4 M rows). The day before is recorded as done, as a running
// system's would be; the run of the day is timed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { addDays } from "../shared/dates";
import { migrateDatabase, openDatabase, type Database } from "../server/db/client";
import { customersToEvaluate } from "../server/engine/facts";
import { markPlanDone, runEngineDay } from "../server/engine/run";
import { importRuns } from "../server/imports/imports.sql";
import { count, ms } from "./support/measure";

// A Wednesday: steps fall due (BENCH_TODAY, the 22nd, is a Sunday, when none do).
const AS_OF = "2026-11-25";
const SEGMENTS = ["box", "box", "box", "box", "box", "box", "standard", "standard-sans-email", "export", "grand-compte", "mauvais-payeur"];
const METHODS = ["card", "sepa", "transfer", "cheque", "card"];

/** Customers, one box each, 12 monthly invoices; every tenth customer owes the last 1–3 months. */
async function fill(db: Database, customers: number): Promise<{ invoices: number; payments: number; openCases: number; ms: number }> {
  const started = performance.now();
  const now = new Date().toISOString();
  const uuid = (prefix: string, expr: string) => `printf('${prefix}-0000-7000-8000-%012d', ${expr})`;
  await db.transaction(async (tx) => {
    const run = (text: string) => tx.run(sql.raw(text));
    await run(`insert into sites (id, code, name, created_at, updated_at)
      with recursive s(i) as (select 0 union all select i + 1 from s where i < 49)
      select ${uuid("00000001", "i")}, printf('S%02d', i), printf('Site %02d', i), '${now}', '${now}' from s`);
    const series = `with recursive n(i) as (select 0 union all select i + 1 from n where i < ${customers - 1})`;
    await run(`insert into units (id, site_id, number, building, aisle, padlock_state, gate_state, created_at, updated_at)
      ${series} select ${uuid("00000002", "i")}, ${uuid("00000001", "i % 50")}, printf('U%06d', i), 'A', printf('%d', (i / 50) % 20), 'none', 'active', '${now}', '${now}' from n`);
    const segment = `case i % ${SEGMENTS.length} ${SEGMENTS.map((s, k) => `when ${k} then '${s}'`).join(" ")} end`;
    const method = `case i % ${METHODS.length} ${METHODS.map((s, k) => `when ${k} then '${s}'`).join(" ")} end`;
    await run(`insert into customers (id, ref, kind, name, email, phone, payment_method, segment, stop, created_at, updated_at)
      ${series} select ${uuid("00000003", "i")}, printf('C%07d', i), case when i % 7 = 0 then 'company' else 'person' end, printf('Client %d', i),
        printf('client%d@exemple.test', i), '06 00 00 00 00', ${method}, ${segment}, case when i % 997 = 0 then 1 else 0 end, '${now}', '${now}' from n`);
    await run(`insert into contracts (id, ref, customer_id, unit_id, monthly_rent_cents, start_date, created_at, updated_at)
      ${series} select ${uuid("00000004", "i")}, printf('K%07d', i), ${uuid("00000003", "i")}, ${uuid("00000002", "i")}, 5000 + (i % 10) * 1000, '2025-06-01', '${now}', '${now}' from n`);
    // Month m (0–11) due on day 1 + i % 20 of the month, from December 2025 to November 2026.
    const due = `date('2025-12-01', printf('+%d months', m), printf('+%d days', i % 20))`;
    await run(`insert into invoices (id, ref, customer_id, contract_id, kind, issue_date, due_date, amount_cents, created_at, updated_at)
      ${series}, months(m) as (select 0 union all select m + 1 from months where m < 11)
      select printf('00000005-%04d-7000-8000-%012d', m, i), printf('F%07d-%02d', i, m), ${uuid("00000003", "i")}, ${uuid("00000004", "i")}, 'rent',
        date(${due}, '-10 days'), ${due}, 5000 + (i % 10) * 1000, '${now}', '${now}' from n, months`);
    // Paid a few days after the due date, except the debtors' last months; a SEPA debtor's first unpaid month
    // was debited and rejected.
    const unpaidFrom = `(11 - (i % 3))`; // a debtor owes months unpaidFrom..11 that have fallen due
    await run(`insert into payments (id, ref, customer_id, invoice_id, date, amount_cents, method, status, created_at, updated_at)
      ${series}, months(m) as (select 0 union all select m + 1 from months where m < 11)
      select printf('00000006-%04d-7000-8000-%012d', m, i), printf('P%07d-%02d', i, m), ${uuid("00000003", "i")}, printf('00000005-%04d-7000-8000-%012d', m, i),
        date(${due}, printf('+%d days', i % 4)), 5000 + (i % 10) * 1000, ${method}, 'ok', '${now}', '${now}'
      from n, months where date(${due}, printf('+%d days', i % 4)) <= '${AS_OF}' and not (i % 10 = 0 and m >= ${unpaidFrom})`);
    await run(`insert into payments (id, ref, customer_id, invoice_id, date, amount_cents, method, status, reason, created_at, updated_at)
      ${series} select printf('00000007-0000-7000-8000-%012d', i), printf('R%07d', i), ${uuid("00000003", "i")}, printf('00000005-%04d-7000-8000-%012d', ${unpaidFrom}, i),
        date('2025-12-01', printf('+%d months', ${unpaidFrom}), printf('+%d days', i % 20 + 3)), 5000 + (i % 10) * 1000, 'sepa', 'rejected', 'AM04', '${now}', '${now}'
      from n where i % 10 = 0 and i % ${METHODS.length} = 1`);
    await run(`insert into cases (id, customer_id, status, opened_on, anchor_on, level, created_at, updated_at)
      ${series} select ${uuid("00000008", "i")}, ${uuid("00000003", "i")}, 'open', date('2025-12-01', printf('+%d months', ${unpaidFrom}), printf('+%d days', i % 20)),
        date('2025-12-01', printf('+%d months', ${unpaidFrom}), printf('+%d days', i % 20)), 'none', '${now}', '${now}'
      from n where i % 10 = 0 and date('2025-12-01', printf('+%d months', ${unpaidFrom}), printf('+%d days', i % 20)) <= '${AS_OF}'`);
  });
  await db.insert(importRuns).values({ id: uuidv7(), kind: "invoices", fileName: "bench", ok: true, lines: customers * 12 });
  const counted = await db.all<{ invoices: number; payments: number; cases: number }>(
    sql`select (select count(*) from invoices) as invoices, (select count(*) from payments) as payments, (select count(*) from cases where status = 'open') as cases`,
  );
  return { invoices: counted[0]!.invoices, payments: counted[0]!.payments, openCases: counted[0]!.cases, ms: performance.now() - started };
}

async function measure(customers: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "cadenas-bench-engine-"));
  const handle = await openDatabase(`file:${join(dir, "engine.db")}`);
  try {
    await migrateDatabase(handle.db);
    const filled = await fill(handle.db, customers);
    console.log(
      `\n${count(customers)} customers, ${count(filled.invoices)} invoices, ${count(filled.payments)} payments, ${count(filled.openCases)} open cases ` +
        `(made in ${ms(filled.ms)})`,
    );
    // Steady state: everything up to yesterday was planned by yesterday's runs.
    let started = performance.now();
    const marked = await markPlanDone(handle.db, addDays(AS_OF, -1), "Europe/Paris", { asRun: true });
    console.log(`  set-up, the plan up to yesterday recorded as done: ${count(marked)} actions in ${ms(performance.now() - started)}`);

    started = performance.now();
    const candidates = await customersToEvaluate(handle.db, AS_OF, { asOf: addDays(AS_OF, -1), startedAt: new Date().toISOString() });
    const findMs = performance.now() - started;
    started = performance.now();
    const timings = { find: 0, facts: 0, replay: 0, store: 0 };
    const result = await runEngineDay(handle.db, { asOf: AS_OF, dryRun: false, now: new Date(), timings });
    const runMs = performance.now() - started;
    const waiting = result.plan.filter((l) => l.needs_approval).length;
    console.log(`  customers looked at: ${count(candidates.length)} (found in ${ms(findMs)})`);
    console.log(`  daily run for ${AS_OF}: ${ms(runMs)} (target ≤ 5,000 ms at 100,000 customers) · ${count(result.plan.length)} actions due, ${count(waiting)} for approval`);
    console.log(`    of which: finding ${ms(timings.find)} · loading facts ${ms(timings.facts)} · replaying ${ms(timings.replay)} · recording ${ms(timings.store)}`);
    started = performance.now();
    const again = await runEngineDay(handle.db, { asOf: AS_OF, dryRun: false, now: new Date() });
    console.log(`  the same day again: ${ms(performance.now() - started)} · ${count(again.plan.length)} new actions (expected 0)`);
    return runMs;
  } finally {
    handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const scale = Number(process.env.ENGINE_BENCH_CUSTOMERS ?? 100_000);
if (process.env.ENGINE_BENCH_PROFILE) {
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  await measure(scale);
  const { profile } = await session.post("Profiler.stop");
  const self = new Map<string, number>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples!.forEach((id, i) => {
    const n = byId.get(id)!;
    const k = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").slice(-2).join("/")}:${n.callFrame.lineNumber}`;
    self.set(k, (self.get(k) ?? 0) + profile.timeDeltas![i]! / 1000);
  });
  console.log([...self].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, v]) => `${v.toFixed(0).padStart(7)} ${k}`).join("\n"));
  process.exit(0);
}
const once = await measure(scale);
const twice = await measure(2 * scale);
console.log(`\ntwice the data: ${(twice / once).toFixed(2)}× the time (target ≤ 2.2×)`);

// Issue 17, the dashboards at chain scale: the follow-up bench's chain (100,000 customers with a year of monthly rent,
// 10,000 late with an open case, `fillChain`) plus a year of procedure history — a case a year closed paid for every
// tenth other customer, and in every case a call, an SMS, the R1 e-mail, the padlock, a promise, the R2 letter
// when its day has come. Times every figure of the dashboard (`dashboardFigures`) for every site and for one site;
// target ≤ 2 s.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { addDays, addMonths } from "../shared/dates";
import { migrateDatabase, openDatabase, type Database } from "../server/db/client";
import { dashboardFigures } from "../server/dashboard/figures";
import { fillChain } from "../tests/support/chain-data";
import { count, median, ms } from "./support/measure";

const AS_OF = "2026-11-25";
const RUNS = Number(process.env.DASHBOARD_BENCH_RUNS ?? 5);
const CUSTOMERS = Number(process.env.DASHBOARD_BENCH_CUSTOMERS ?? 100_000);
const PERIOD = { from: addDays(addMonths(AS_OF, -12), 1), to: AS_OF };

const dir = mkdtempSync(join(tmpdir(), "cadenas-bench-dashboard-"));
const handle = await openDatabase(`file:${join(dir, "dashboard.db")}`);
try {
  await migrateDatabase(handle.db);
  const started = performance.now();
  const { openCases } = await fillChain(handle.db, CUSTOMERS, AS_OF);
  const history = await fillHistory(handle.db, CUSTOMERS);
  console.log(`\n${count(CUSTOMERS)} customers, ${count(openCases)} open cases, ${count(history.closed)} closed, ${count(history.actions)} actions (made in ${ms(performance.now() - started)})`);
  let worst = 0;
  for (const [label, sites] of [["every site", undefined], ["one site (S10)", ["S10"]]] as const) {
    const samples: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await dashboardFigures(handle.db, { all: true }, { sites, ...PERIOD }, AS_OF);
      samples.push(performance.now() - t);
    }
    worst = Math.max(worst, ...samples);
    // The first run adds every balance up and passes over the year's payments and invoices; the next ones find both
    // kept (until invoices, payments or boxes are written).
    console.log(`  ${label.padEnd(16)} first (cold) ${ms(samples[0]!)} · then median ${ms(median(samples.slice(1)))} · worst ${ms(Math.max(...samples))}`);
  }
  console.log(`worst: ${ms(worst)} (target ≤ 2 s)`);
} finally {
  handle.close();
  rmSync(dir, { recursive: true, force: true });
}

/** A year of the procedure's history over `fillChain`'s customers, made by SQL. */
async function fillHistory(db: Database, customers: number): Promise<{ closed: number; actions: number }> {
  const now = `${AS_OF}T06:00:00Z`;
  const first = addMonths(`${AS_OF.slice(0, 7)}-01`, -11);
  await db.transaction(async (tx) => {
    const run = (text: string) => tx.run(sql.raw(text));
    // Every tenth customer but those with an open case had one case this year, closed paid 20 days after it opened.
    await run(`insert into cases (id, customer_id, status, opened_on, anchor_on, level, stage, closed_on, created_at, updated_at)
      with recursive n(i) as (select 5 union all select i + 10 from n where i + 10 < ${customers})
      select printf('00000009-0000-7000-8000-%012d', i), printf('00000003-0000-7000-8000-%012d', i), 'paid',
        date('${first}', printf('+%d months', i % 10), printf('+%d days', i % 20)), date('${first}', printf('+%d months', i % 10), printf('+%d days', i % 20)),
        case when i % 3 = 0 then 'R2' else 'R1' end, 'R1', date('${first}', printf('+%d months', i % 10), printf('+%d days', i % 20 + 20)), '${now}', '${now}' from n`);
    // Each case's steps, as the engine, the outbox and the floor write them (floor actions carry no step).
    const steps: [string, string, number, string][] = [
      ["call", "null", 1, "Appel : pas de réponse"],
      ["sms", `json_object('step', 'reminder')`, 9, "SMS envoyé"],
      ["email", `json_object('step', 'R1')`, 14, "Courriel envoyé"],
      ["padlock_placed", "null", 14, "Double cadenas posé"],
      ["promise", `json_object('promisedOn', date(k.opened_on, '+25 days'), 'amountCents', 5000)`, 16, "Promesse de paiement"],
      ["registered_letter", `json_object('step', 'R2')`, 30, "LRAR R2 envoyée"],
    ];
    for (const [n, [kind, data, days, text]] of steps.entries()) {
      await run(`insert into actions (id, case_id, customer_id, initials, kind, text, happened_at, created_at, data)
        select printf('0000000a-%04d-7000-8000-%s', ${n}, substr(k.id, 25)), k.id, k.customer_id, 'SYS', '${kind}', '${text}',
          date(k.opened_on, '+${days} days') || 'T09:00:00.000Z', '${now}', ${data}
        from cases k where date(k.opened_on, '+${days} days') <= '${AS_OF}'`);
    }
  });
  const [closed] = await db.all<{ n: number }>(sql`select count(*) as n from cases where status <> 'open'`);
  const [actions] = await db.all<{ n: number }>(sql`select count(*) as n from actions`);
  return { closed: closed!.n, actions: actions!.n };
}

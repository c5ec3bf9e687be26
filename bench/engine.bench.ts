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
import { fillChain } from "../tests/support/chain-data";

// A Wednesday: steps fall due (BENCH_TODAY, the 22nd, is a Sunday, when none do).
const AS_OF = "2026-11-25";
/** Customers, one box each, 12 monthly invoices; every tenth customer owes the last 1–3 months (`fillChain`). */
async function fill(db: Database, customers: number): Promise<{ invoices: number; payments: number; openCases: number; ms: number }> {
  const started = performance.now();
  await fillChain(db, customers, AS_OF);
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

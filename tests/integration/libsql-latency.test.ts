import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays } from "../../shared/dates";
import { migrateDatabase, openDatabase, type DatabaseHandle } from "../../server/db/client";
import { isTransientDbFault } from "../../server/db/faults";
import { markPlanDone, runEngineDay } from "../../server/engine/run";
import { importCsv } from "../../server/imports/apply";
import { importRuns } from "../../server/imports/imports.sql";
import { fillChain, invoicesCsv } from "../support/chain-data";
import { startLatencyProxy, type LatencyProxy } from "../support/latency-proxy";
import { TEST_NOW, TEST_TODAY } from "../support/server";
import { startSqld, type Sqld } from "../support/sqld";
import { timeWrites, type WriteTimer } from "../support/write-timer";

// The scale-out path over a real network: a libSQL server (sqld) behind a proxy that adds 20 ms a round trip.
// sqld rolls back a transaction that holds the write lock over 5 s while another writer waits; the daily run and
// an import write in batches, so none comes near. At CI size (1,000 open cases, 10,000 lines); the full size
// (10,000 open cases, 100,000 lines) is bench/libsql-latency.bench.ts.

const CUSTOMERS = 10_000; // every tenth a debtor: about 1,000 open cases
const LINES = 10_000;
const AS_OF = addDays(TEST_TODAY, 3); // a Wednesday: steps fall due
const LOCK_LIMIT_MS = 5_000;

let sqld: Sqld;
let proxy: LatencyProxy;
let direct: DatabaseHandle;
let remote: DatabaseHandle;
let timer: WriteTimer;

beforeAll(async () => {
  sqld = await startSqld();
  proxy = await startLatencyProxy({ host: "127.0.0.1", port: sqld.port }, 20);
  // Set up without the added latency; timed through the proxy.
  direct = await openDatabase(sqld.url);
  await migrateDatabase(direct.db);
  const { openCases } = await fillChain(direct.db, CUSTOMERS, AS_OF);
  expect(openCases).toBeGreaterThanOrEqual(900);
  await direct.db.insert(importRuns).values({ id: "00000009-0000-7000-8000-000000000000", kind: "invoices", fileName: "chain", ok: true, lines: 1, createdAt: TEST_NOW.toISOString() });
  await markPlanDone(direct.db, addDays(AS_OF, -1), "Europe/Paris", { asRun: true });
  remote = await openDatabase(proxy.url);
  timer = timeWrites(remote.client);
}, 60_000);

afterAll(async () => {
  remote?.close();
  direct?.close();
  await proxy?.close();
  await sqld?.close();
});

const count = async (table: string, where = "1") => (await direct.db.all<{ n: number }>(sql.raw(`select count(*) as n from ${table} where ${where}`)))[0]!.n;
const doubles = async (query: string) => (await direct.db.all<{ n: number }>(sql.raw(`select count(*) as n from (${query})`)))[0]!.n;

describe("on a libSQL server 20 ms away", () => {
  it("runs the day over 1,000 open cases in short batched writes, and a second run records nothing more", async () => {
    const before = { planned: await count("planned_actions"), tasks: await count("tasks"), messages: await count("messages") };
    timer.reset();
    const started = performance.now();
    const run = await runEngineDay(remote.db, { asOf: AS_OF, dryRun: false, now: TEST_NOW });
    const ms = performance.now() - started;
    console.log(`[sqld +20 ms] engine run over ${run.customersEvaluated} customers: ${Math.round(ms)} ms, ${run.plan.length} actions; longest write ${Math.round(timer.longest.ms)} ms (${timer.longest.kind}, ${timer.longest.statements} statements) of ${timer.writes}`);
    expect(run.heldReason).toBeNull();
    expect(run.plan.length).toBeGreaterThan(100);
    expect(timer.longest.ms).toBeLessThan(LOCK_LIMIT_MS);
    // Everything planned is recorded once.
    expect(await count("planned_actions")).toBe(before.planned + run.plan.length);
    expect(await count("tasks")).toBeGreaterThan(before.tasks);
    expect(await count("messages")).toBeGreaterThan(before.messages);
    expect(await doubles("select customer_id, kind, step_code, unit_id from tasks group by 1, 2, 3, 4 having count(*) > 1")).toBe(0);

    const after = { planned: await count("planned_actions"), tasks: await count("tasks"), messages: await count("messages"), invoices: await count("invoices") };
    const again = await runEngineDay(remote.db, { asOf: AS_OF, dryRun: false, now: TEST_NOW });
    expect(again.plan).toEqual([]);
    expect({ planned: await count("planned_actions"), tasks: await count("tasks"), messages: await count("messages"), invoices: await count("invoices") }).toEqual(after);
  }, 60_000);

  it("runs the next day from two servers at once without doing anything twice", async () => {
    const next = addDays(AS_OF, 1);
    const before = await count("planned_actions");
    const other = await openDatabase(proxy.url);
    try {
      const [a, b] = await Promise.all([
        runEngineDay(remote.db, { asOf: next, dryRun: false, now: TEST_NOW }),
        runEngineDay(other.db, { asOf: next, dryRun: false, now: TEST_NOW }),
      ]);
      // What each reports is what it recorded: the chunk one of them lost to the other was read and worked out
      // again, and found done.
      expect(a.plan.length + b.plan.length).toBeGreaterThan(0);
      expect(await count("planned_actions")).toBe(before + a.plan.length + b.plan.length);
      expect(await doubles("select customer_id, key from planned_actions group by 1, 2 having count(*) > 1")).toBe(0);
      expect(await doubles("select customer_id, kind, step_code, unit_id from tasks group by 1, 2, 3, 4 having count(*) > 1")).toBe(0);
      expect(await doubles("select customer_id from cases where status = 'open' group by 1 having count(*) > 1")).toBe(0);
    } finally {
      other.close();
    }
  }, 60_000);

  it("rolls back a transaction that holds the write lock over 5 s while another writer waits, an error counted as passing", async () => {
    // The shape of sqld's rollback as the code meets it, through drizzle: what db/faults.ts must recognise.
    const waiting = await openDatabase(sqld.url);
    let caught: unknown = null;
    try {
      await direct.db.transaction(async (tx) => {
        await tx.run(sql`insert into sync_changes (customer_id, site_id) values ('held', 'held')`);
        const other = waiting.db.run(sql`insert into sync_changes (customer_id, site_id) values ('other', 'other')`);
        await other; // sqld lets it in after 5 s, having rolled this transaction back
        await tx.run(sql`insert into sync_changes (customer_id, site_id) values ('held', 'held')`);
      });
    } catch (e) {
      caught = e;
    } finally {
      waiting.close();
    }
    expect(caught).not.toBeNull();
    expect(isTransientDbFault(caught)).toBe(true);
    expect(await count("sync_changes", "customer_id = 'held'")).toBe(0);
    expect(await count("sync_changes", "customer_id = 'other'")).toBe(1);
  }, 30_000);

  it("imports 10,000 invoice lines all or nothing in one short write, and the same file again updates them", async () => {
    const before = await count("invoices");
    timer.reset();
    let started = performance.now();
    const first = await importCsv(remote.db, "invoices", invoicesCsv(LINES, CUSTOMERS, AS_OF), { fileName: "factures.csv", userId: null, at: TEST_NOW });
    console.log(`[sqld +20 ms] import of ${LINES} lines: ${Math.round(performance.now() - started)} ms; longest write ${Math.round(timer.longest.ms)} ms (${timer.longest.kind}, ${timer.longest.statements} statements)`);
    expect(first).toMatchObject({ ok: true, created: LINES, updated: 0 });
    expect(timer.longest.ms).toBeLessThan(LOCK_LIMIT_MS);
    expect(await count("invoices")).toBe(before + LINES);

    timer.reset();
    started = performance.now();
    const again = await importCsv(remote.db, "invoices", invoicesCsv(LINES, CUSTOMERS, AS_OF), { fileName: "factures.csv", userId: null, at: TEST_NOW });
    expect(again).toMatchObject({ ok: true, created: 0, updated: LINES });
    expect(timer.longest.ms).toBeLessThan(LOCK_LIMIT_MS);
    expect(await count("invoices")).toBe(before + LINES);
    expect(await count("import_runs", "ok = 1 and file_name = 'factures.csv'")).toBe(2);
  }, 60_000);
});

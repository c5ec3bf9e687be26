// Issue 3, push: how many floor actions a second the server takes in, beside what the same libSQL file can write
// raw on this machine, so the figure means the same on a fast and a slow disk. One mutation is one durable write
// (its history line, its processed-mutation record and its change-feed row commit together), so the raw baseline
// is a row shaped like a history line, committed the same way: one a transaction for pushes of one, 100 a
// transaction for pushes of 100.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { InStatement } from "@libsql/client";
import { v7 as uuidv7 } from "uuid";
import type { PullResponse } from "../shared/schemas/debtor-doc";
import type { Mutation, PushResponse } from "../shared/schemas/mutations";
import { openDatabase } from "../server/db/client";
import { BENCH_TODAY } from "./support/bulk";
import { count, ms, postJson, signIn, startServerProcess } from "./support/measure";

const RAW_SINGLE_ROWS = 3_000;
const RAW_BATCHES = 100;
const BATCH = 100;
const PUSH_BATCHED = 5_000;
const PUSH_SINGLE = 500;
const PHONES = 4;

const benchStarted = performance.now();
const dir = mkdtempSync(join(tmpdir(), "cadenas-bench-"));
try {
  // ---- raw libSQL --------------------------------------------------------------------------------------------
  // Opened by the server's own code, so the connection is the server's: WAL, synchronous FULL, busy timeout.
  const raw = await openDatabase(`file:${join(dir, "raw.db")}`);
  let rawSingle: number;
  let rawBatch: number;
  let rawInteractive: number;
  try {
    const { client } = raw;
    // The columns and indexes of `actions`, without its foreign keys: the raw ceiling of a history-line write.
    await client.execute(`create table raw_actions (
      id text primary key, case_id text, customer_id text not null, site_id text, unit_id text, user_id text,
      initials text not null, kind text not null, outcome text, text text not null, happened_at text not null,
      recorded_at text not null, device_id text, mutation_id text unique, rejected_reason text, data text)`);
    await client.execute("create index raw_actions_customer_happened on raw_actions (customer_id, happened_at)");
    await client.execute("create index raw_actions_case on raw_actions (case_id)");
    await client.execute("create index raw_actions_unit on raw_actions (unit_id)");
    const customerIds = Array.from({ length: 200 }, () => uuidv7());
    const caseIds = customerIds.map(() => uuidv7());
    const [siteId, userId, deviceId] = [uuidv7(), uuidv7(), uuidv7()];
    let n = 0;
    const row = (): InStatement => {
      const k = n++ % customerIds.length;
      const id = uuidv7();
      const at = new Date().toISOString();
      return {
        sql: "insert into raw_actions values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        args: [id, caseIds[k]!, customerIds[k]!, siteId!, null, userId!, "VT", "note", null, noteText(n), at, at, deviceId!, id, null, null],
      };
    };
    // Warm-up (statement cache, file growth), not counted.
    for (let i = 0; i < 50; i++) await client.execute(row());

    // One row a transaction: each statement on its own commits (autocommit), as a push of one commits once.
    let started = performance.now();
    for (let i = 0; i < RAW_SINGLE_ROWS; i++) await client.execute(row());
    rawSingle = RAW_SINGLE_ROWS / ((performance.now() - started) / 1000);

    // 100 rows a transaction, as a batch: the fastest the client commits 100 rows.
    started = performance.now();
    for (let b = 0; b < RAW_BATCHES; b++) await client.batch(Array.from({ length: BATCH }, row), "write");
    rawBatch = (RAW_BATCHES * BATCH) / ((performance.now() - started) / 1000);

    // For context: 100 rows in an interactive transaction, the way drizzle's db.transaction drives the client.
    started = performance.now();
    for (let b = 0; b < RAW_BATCHES / 4; b++) {
      const tx = await client.transaction("write");
      for (let i = 0; i < BATCH; i++) await tx.execute(row());
      await tx.commit();
    }
    rawInteractive = ((RAW_BATCHES / 4) * BATCH) / ((performance.now() - started) / 1000);
  } finally {
    raw.close();
  }
  console.log("raw libSQL inserts, a row shaped like a history line (16 text columns, the same 4 indexes), WAL, synchronous FULL:");
  console.log(`  1 row a transaction (autocommit, ${count(RAW_SINGLE_ROWS)} rows): ${count(rawSingle)} rows/s`);
  console.log(`  100 rows a transaction (batch, ${count(RAW_BATCHES * BATCH)} rows): ${count(rawBatch)} rows/s`);
  console.log(`  100 rows an interactive transaction (context, ${count((RAW_BATCHES / 4) * BATCH)} rows): ${count(rawInteractive)} rows/s`);

  // ---- push over HTTP ----------------------------------------------------------------------------------------
  // The server runs as `npm start` runs it, in its own process, so the figures are the server's: this process's
  // HTTP client (the phones' side) works on the other core.
  const server = await startServerProcess(dir, { DATABASE_URL: `file:${join(dir, "push.db")}`, DEMO_DATA: "auto", TODAY: BENCH_TODAY });
  try {
    const cookie = await signIn(server.url, "gestionnaire@demo.test", "demo");
    // The debtors a phone of this user holds: the customers its notes are about.
    const customers: string[] = [];
    const pullClient = uuidv7();
    for (let page: string | null = null; ; ) {
      const res: { body: PullResponse } = await postJson<PullResponse>(server.url, "/api/sync/pull", { clientId: pullClient, cursor: null, page }, cookie);
      customers.push(...res.body.docs.map((d) => d.customerId));
      if (!res.body.hasMore) break;
      page = res.body.nextPage;
    }

    /** Pushes `total` notes from a new phone in batches of `size`, one request at a time as the phone does. */
    async function pushNotes(total: number, size: number): Promise<{ seconds: number; requestMs: number; applied: number }> {
      const clientId = uuidv7();
      let applied = 0;
      const started = performance.now();
      for (let seq = 1; seq <= total; seq += size) {
        const mutations: Mutation[] = [];
        for (let s = seq; s < Math.min(seq + size, total + 1); s++) {
          mutations.push({ id: uuidv7(), seq: s, v: 1, kind: "note.added", payload: { customerId: customers[s % customers.length]!, text: noteText(s) }, happenedAt: new Date().toISOString() });
        }
        const res = await postJson<PushResponse>(server.url, "/api/sync/push", { clientId, mutations }, cookie);
        if (res.status === 200) applied += res.body.results.filter((r) => r.status === "applied").length;
      }
      const seconds = (performance.now() - started) / 1000;
      return { seconds, requestMs: (seconds * 1000) / Math.ceil(total / size), applied };
    }

    await pushNotes(BATCH * 5, BATCH); // warm-up: statement preparation and JIT, not counted
    const batched = await pushNotes(PUSH_BATCHED, BATCH);
    const single = await pushNotes(PUSH_SINGLE, 1);
    // Several phones at once, each one request at a time: what the server takes in when a site syncs together.
    let started = performance.now();
    const together = await Promise.all(Array.from({ length: PHONES }, () => pushNotes(PUSH_BATCHED / PHONES, BATCH)));
    const togetherRate = PUSH_BATCHED / ((performance.now() - started) / 1000);

    const rate = (r: { seconds: number }, n: number) => n / r.seconds;
    console.log(`\npush over HTTP (note.added; the real server in its own process, demo data, ${customers.length} debtors):`);
    console.log(
      `  one phone, batches of 100 (${count(PUSH_BATCHED)} mutations): ${count(rate(batched, PUSH_BATCHED))} mutations/s · ${ms(batched.requestMs)} a request · ` +
        `${(rate(batched, PUSH_BATCHED) / rawBatch).toFixed(2)}× raw 100-rows-a-transaction (target ≥ 0.3×)`,
    );
    console.log(
      `  ${PHONES} phones at once, batches of 100 (${count(PUSH_BATCHED)} mutations): ${count(togetherRate)} mutations/s · ` +
        `${(togetherRate / rawBatch).toFixed(2)}× raw 100-rows-a-transaction (target ≥ 0.3×)`,
    );
    console.log(
      `  one phone, batches of 1 (${count(PUSH_SINGLE)} mutations): ${count(rate(single, PUSH_SINGLE))} mutations/s · ${ms(single.requestMs)} a request · ` +
        `${(rate(single, PUSH_SINGLE) / rawSingle).toFixed(2)}× raw 1-row-a-transaction (a request each: HTTP, session and commit dominate)`,
    );
    const appliedAll = batched.applied + single.applied + together.reduce((n, r) => n + r.applied, 0);
    if (appliedAll !== 2 * PUSH_BATCHED + PUSH_SINGLE) console.log(`  note: applied ${appliedAll} of ${2 * PUSH_BATCHED + PUSH_SINGLE}; the rest were refused`);
  } finally {
    await server.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`\nsync-push bench took ${(Math.round(performance.now() - benchStarted) / 1000).toFixed(1)} s`);

/** A note of a realistic length (~90 characters), numbered so no two are the same. */
function noteText(n: number): string {
  return `Passé au box, client absent ; avis de passage laissé dans la boîte aux lettres (n° ${n}).`;
}

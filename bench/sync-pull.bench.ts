// Issue 3, pull: how long a phone waits for its first full sync at a site with 5,000 debtors, and what an
// incremental pull costs when the change feed has grown to 100,000 rows. Over HTTP against the real server in
// this process (so the figures include routing, the session check, JSON both ways and reading the answer).
import { compress } from "../server/compress";
import { v7 as uuidv7 } from "uuid";
import type { PullResponse } from "../shared/schemas/debtor-doc";
import { markCustomersChanged } from "../server/sync/changes";
import { BULK_USER, startBulkServer } from "./support/bulk";
import { count, median, mib, ms, percentile, postJson, signIn } from "./support/measure";

const DEBTORS = 5_000;
const CHANGE_ROWS = 100_000;
const FULL_RUNS = 3;
const INCREMENTAL_RUNS = 50;
const CHANGED_PER_RUN = 10;

const benchStarted = performance.now();
// One database serves both parts: a full pull reads no change rows (it starts from the debtors themselves), so
// the 100,000 rows the incremental part needs do not change what the full pull measures.
const bulk = await startBulkServer({ debtors: DEBTORS, changeRows: CHANGE_ROWS });
try {
  const { rows } = bulk.data;
  console.log(
    `data: 1 site, ${count(rows.customers)} debtors, ${count(rows.invoices)} invoices, ${count(rows.payments)} payments, ` +
      `${count(rows.actions)} history rows, ${count(rows.tasks)} open tasks, ${count(rows.changes)} sync_changes rows ` +
      `(written in ${ms(bulk.seedMs)})`,
  );
  const cookie = await signIn(bulk.url, BULK_USER.email, BULK_USER.password);

  interface FullPull {
    totalMs: number;
    pages: number;
    docs: number;
    bytes: number;
    slowestPageMs: number;
    cursor: string;
  }

  /** A first sync: pull with no cursor, then every next page until the server says there is no more. */
  async function fullPull(clientId: string): Promise<FullPull> {
    let page: string | null = null;
    let pages = 0;
    let docs = 0;
    let bytes = 0;
    let slowestPageMs = 0;
    const started = performance.now();
    for (;;) {
      const pageStarted = performance.now();
      const res: { status: number; body: PullResponse; bytes: number } = await postJson<PullResponse>(bulk.url, "/api/sync/pull", { clientId, cursor: null, page }, cookie);
      if (res.status !== 200) throw new Error(`pull answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
      slowestPageMs = Math.max(slowestPageMs, performance.now() - pageStarted);
      pages++;
      docs += res.body.docs.length;
      bytes += res.bytes;
      if (!res.body.hasMore) return { totalMs: performance.now() - started, pages, docs, bytes, slowestPageMs, cursor: res.body.cursor };
      page = res.body.nextPage;
    }
  }

  // ---- a. full pull --------------------------------------------------------------------------------------------
  console.log(`\nfull pull of ${count(DEBTORS)} debtors over HTTP (a new phone each run), target ≤ 2,000 ms:`);
  const fullTimes: number[] = [];
  for (let run = 1; run <= FULL_RUNS; run++) {
    const r = await fullPull(uuidv7());
    fullTimes.push(r.totalMs);
    console.log(
      `  run ${run}: ${ms(r.totalMs)} (target ≤ 2,000 ms) · ${r.pages} pages · ${count(r.docs)} docs · ${count(r.bytes)} bytes (${mib(r.bytes)}) · ` +
        `slowest page ${ms(r.slowestPageMs)}`,
    );
  }
  console.log(`  median: ${ms(median(fullTimes))} (target ≤ 2,000 ms)`);
  // What a phone on 4G downloads: the server compresses answers, brotli for browsers over HTTPS, else gzip.
  // Counted apart from the timed runs, by the server's own compression.
  let gzipped = 0;
  let brotli = 0;
  for (let page: string | null = null, clientId = uuidv7(); ; ) {
    const res: { body: PullResponse } = await postJson<PullResponse>(bulk.url, "/api/sync/pull", { clientId, cursor: null, page }, cookie);
    const body = Buffer.from(JSON.stringify(res.body));
    gzipped += (await compress(body, "gzip")).byteLength;
    brotli += (await compress(body, "br")).byteLength;
    if (!res.body.hasMore) break;
    page = res.body.nextPage;
  }
  console.log(`  on the wire: ${mib(brotli)} brotli (HTTPS), ${mib(gzipped)} gzip, for the ${count(DEBTORS)} debtors`);

  // ---- b. incremental pull -------------------------------------------------------------------------------------
  // One phone, synced once; then, each run, 10 customers change (written as the server's own writers write them)
  // and the phone pulls from its last cursor. Only the pull is timed.
  const clientId = uuidv7();
  let cursor = (await fullPull(clientId)).cursor;
  const db = bulk.server.services.db;
  const ids = bulk.data.customerIds;
  const times: number[] = [];
  let docsSeen = 0;
  let bytesSeen = 0;
  let oddAnswers = 0;
  for (let run = 0; run < INCREMENTAL_RUNS; run++) {
    // 10 customers spread over the site, different each run.
    const changed = Array.from({ length: CHANGED_PER_RUN }, (_, k) => ids[(run * 37 + k * 491) % ids.length]!);
    await markCustomersChanged(db, changed);
    const started = performance.now();
    const res = await postJson<PullResponse>(bulk.url, "/api/sync/pull", { clientId, cursor }, cookie);
    times.push(performance.now() - started);
    if (res.status !== 200 || res.body.reset || res.body.hasMore || res.body.docs.length !== CHANGED_PER_RUN) oddAnswers++;
    docsSeen += res.body.docs.length;
    bytesSeen += res.bytes;
    cursor = res.body.cursor;
  }
  console.log(`\nincremental pull of ${CHANGED_PER_RUN} changes with ${count(CHANGE_ROWS)}+ rows in sync_changes, ${INCREMENTAL_RUNS} runs, target ≤ 20 ms:`);
  console.log(`  p50 ${ms(percentile(times, 0.5))} · p95 ${ms(percentile(times, 0.95))} (target ≤ 20 ms) · max ${ms(Math.max(...times))} · first ${ms(times[0]!)}`);
  console.log(`  ${(docsSeen / INCREMENTAL_RUNS).toFixed(1)} docs and ${count(bytesSeen / INCREMENTAL_RUNS)} bytes a pull`);
  if (oddAnswers > 0) console.log(`  note: ${oddAnswers} of ${INCREMENTAL_RUNS} answers were not a plain ${CHANGED_PER_RUN}-doc incremental page`);
} finally {
  await bulk.close();
}
console.log(`\nsync-pull bench took ${(Math.round(performance.now() - benchStarted) / 1000).toFixed(1)} s`);

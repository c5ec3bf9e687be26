// Issue 17, the office's follow-up table at chain scale: 100,000 customers with a year of monthly rent, 10,000 of
// them late with an open case (`fillChain`). Each view — a filter, a sort, a search — is asked as the office (every
// site) and timed over repeated runs; target p95 ≤ 200 ms.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrateDatabase, openDatabase } from "../server/db/client";
import { followUp } from "../server/follow-up/query";
import { FollowUpQuery } from "../shared/schemas/follow-up";
import { fillChain } from "../tests/support/chain-data";
import { count, median, ms, percentile } from "./support/measure";

const AS_OF = "2026-11-25";
const RUNS = Number(process.env.FOLLOW_UP_BENCH_RUNS ?? 20);
const VIEWS: Record<string, Record<string, string>> = {
  "default (days late, desc)": {},
  "sort by balance asc": { sort: "balance", dir: "asc" },
  "sort by name": { sort: "name", dir: "asc" },
  "sort by last action": { sort: "lastActionAt" },
  "one site": { site: "S10" },
  "three sites, companies": { site: "S01,S02,S03", kind: "company" },
  "level none": { level: "none" },
  "balance 100–200 €": { minBalance: "100", maxBalance: "200" },
  "late 31–45 and 60+": { lateBucket: "31-45,60+" },
  "promise broken": { promise: "broken" },
  "scenario mauvais-payeur": { scenario: "mauvais-payeur" },
  "search name 'client 12'": { q: "client 12" },
  "search box 'U000420'": { q: "U000420" },
  "search phone '06 00 00'": { q: "06 00 00" },
  "page 50 of 100": { offset: "5000" },
};

const dir = mkdtempSync(join(tmpdir(), "cadenas-bench-follow-up-"));
const handle = await openDatabase(`file:${join(dir, "follow-up.db")}`);
try {
  await migrateDatabase(handle.db);
  const started = performance.now();
  const { openCases } = await fillChain(handle.db, Number(process.env.FOLLOW_UP_BENCH_CUSTOMERS ?? 100_000), AS_OF);
  console.log(`\n${count(100_000)} customers, ${count(openCases)} open cases (made in ${ms(performance.now() - started)})`);
  // The first view adds every account up (then kept until invoices or payments are written, or the day changes).
  const cold = performance.now();
  await followUp(handle.db, { all: true }, FollowUpQuery.parse({}), AS_OF);
  console.log(`  first view after a write to invoices or payments (balances added up): ${ms(performance.now() - cold)}`);
  let worst = 0;
  for (const [label, params] of Object.entries(VIEWS)) {
    const query = FollowUpQuery.parse(params);
    const samples: number[] = [];
    let total = 0;
    for (let i = 0; i < RUNS + 2; i++) {
      const t = performance.now();
      const answer = await followUp(handle.db, { all: true }, query, AS_OF);
      if (i >= 2) samples.push(performance.now() - t);
      total = answer.total;
    }
    const p95 = percentile(samples, 0.95);
    worst = Math.max(worst, p95);
    console.log(`  ${label.padEnd(28)} ${count(total).padStart(7)} rows · p50 ${ms(median(samples))} · p95 ${ms(p95)}`);
  }
  console.log(`worst p95: ${ms(worst)} (target ≤ 200 ms)`);
} finally {
  handle.close();
  rmSync(dir, { recursive: true, force: true });
}

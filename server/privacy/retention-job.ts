import { sql } from "drizzle-orm";
import { retentionDecision } from "../../shared/privacy/retention";
import { recordAudit } from "../audit/audit";
import { startPeriodic } from "../periodic";
import type { Clock } from "../context";
import type { Database } from "../db/client";
import { loadSettings } from "../engine/settings";
import { pseudonymise, sweepErasedFiles } from "./erase";
import { customerFacts } from "./facts";

export interface RetentionRun {
  day: string;
  retentionYears: number;
  /** Customers looked at: those not erased, not held, with no open case. */
  examined: number;
  pseudonymised: number;
  /** Of those examined, still in the intermediate archive (their day has not come). */
  archived: number;
  records: number;
  photos: number;
  files: number;
}

const PAGE = 1_000;

/**
 * The daily retention run: every customer whose relationship ended more than `retentionYears` ago (the setting)
 * and whom nothing keeps (`retentionDecision` says `due`) is pseudonymised (`pseudonymise`), one transaction each;
 * then the files of anything erased are removed (`sweepErasedFiles`). What it did is an audit line `retention.run`
 * when it erased anything (each customer's evidence chains hold their own erasure records).
 */
export async function runRetention(db: Database, options: { today: string; now: Date; dataDir: string }): Promise<RetentionRun> {
  const { retentionYears } = await loadSettings(db);
  const run: RetentionRun = { day: options.today, retentionYears, examined: 0, pseudonymised: 0, archived: 0, records: 0, photos: 0, files: 0 };
  const candidates = sql`c.pseudonymised_at is null and c.legal_hold_reason is null and not exists (select 1 from cases k where k.customer_id = c.id and k.status = 'open')`;
  const due: string[] = [];
  for (let after: string | null = null; ; ) {
    const page = await customerFacts(db, candidates, { after, limit: PAGE });
    for (const f of page) {
      run.examined++;
      const d = retentionDecision(f, options.today, retentionYears);
      if (d.state === "due") due.push(f.id);
      else if (d.state === "archived") run.archived++;
    }
    if (page.length < PAGE) break;
    after = page.at(-1)!.id;
  }
  for (const id of due) {
    const done = await pseudonymise(db, id, {
      reason: "retention",
      now: options.now,
      by: { userId: null, initials: "SYS" },
      dataDir: options.dataDir,
      allowed: (f) => retentionDecision(f, options.today, retentionYears).state === "due",
    });
    if (!done) continue;
    run.pseudonymised++;
    run.records += done.records;
    run.photos += done.photos;
    run.files += done.files;
  }
  run.files += await sweepErasedFiles(db, options.dataDir);
  if (run.pseudonymised > 0 || run.files > 0) await recordAudit(db, { event: "retention.run", userId: null, address: null, entity: "retention", details: { ...run } });
  return run;
}

export interface RetentionJob {
  stop(): void;
  /** Resolves with what the next look that begins after this call did (null: today's run was done already). */
  nextLook(): Promise<RetentionRun | null>;
  /** The latest run (a look whose day was done already runs nothing). */
  lastRun(): RetentionRun | null;
}

/**
 * Runs retention once a day by the server's clock: at its first look (the server's start) and at the first look of
 * each later day. It looks every hour; tests look often and wait on `nextLook()`. A run that fails is logged and
 * tried again at the next look. Two processes running it at once do no harm: each customer is decided again
 * inside the transaction that pseudonymises them.
 */
export function startRetentionJob(db: Database, dataDir: string, clock: Clock, log: (line: string) => void, options: { everyMs?: number } = {}): RetentionJob {
  let doneDay: string | null = null;
  let last: RetentionRun | null = null;
  const job = startPeriodic<RetentionRun | null>(
    options.everyMs ?? 3_600_000,
    async () => {
      const today = clock.today();
      if (doneDay === today) return null;
      const result = await runRetention(db, { today, now: clock.now(), dataDir });
      doneDay = today;
      last = result;
      if (result.pseudonymised > 0 || result.files > 0) {
        log(`Retention for ${today}: ${result.pseudonymised} customers pseudonymised (${result.retentionYears} years after the relationship ended), ${result.files} files removed.`);
      }
      return result;
    },
    (e) => {
      log(`Retention failed: ${e.message}`);
      return null;
    },
  );
  return { ...job, lastRun: () => last };
}

import { and, asc, eq, isNull, lte, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import type { Clock } from "../context";
import type { Config } from "../env";
import { parseStampReply, replyProblem, stampRequest } from "./rfc3161";
import { evidenceTimestamps } from "./timestamps.sql";

/**
 * The timestamp worker. `appendEvidence` leaves a row "to stamp" for each new head of a chain, in the record's
 * transaction; this worker asks the TSA for each, outside any request (a slow or absent TSA never holds a floor
 * action), and stores the reply. A fault (TSA unreachable, an HTTP error, a refusal, a reply that does not answer
 * the request) is written on the row and tried again later, each time a little later, never given up; a daily
 * sweep brings the pending rows forward and adds the heads that have none (records from before `TSA_URL` was set).
 */

export type TimestampRow = typeof evidenceTimestamps.$inferSelect;

/** The data a head's token stamps: the hash as printed in the pack, 64 ASCII hex characters. */
export const stampedData = (headHash: string): Buffer => Buffer.from(headHash, "ascii");

export interface StampOptions {
  tsaUrl: string;
  now: () => Date;
  /** The first delay after a fault; it doubles with each, up to an hour. */
  retryBaseMs?: number;
  batch?: number;
  timeoutMs?: number;
}

export interface StampRound {
  stamped: number;
  failed: number;
}

const MAX_DELAY_MS = 60 * 60_000;

/** Stamps the heads waiting and due now. */
export async function stampDue(db: Database, options: StampOptions): Promise<StampRound> {
  const result = { stamped: 0, failed: 0 };
  const due = await db
    .select()
    .from(evidenceTimestamps)
    .where(and(isNull(evidenceTimestamps.genTime), lte(evidenceTimestamps.nextAttemptAt, options.now().toISOString())))
    .orderBy(asc(evidenceTimestamps.createdAt), asc(evidenceTimestamps.recordSeq))
    .limit(options.batch ?? 50);
  for (const row of due) {
    try {
      const { token, genTime } = await askTsa(options.tsaUrl, row.headHash, options.timeoutMs ?? 30_000);
      // Another process may have stamped it meanwhile: the first token stays.
      await db
        .update(evidenceTimestamps)
        .set({ token, genTime, tsaUrl: options.tsaUrl, attempts: row.attempts + 1, lastError: null })
        .where(and(eq(evidenceTimestamps.id, row.id), isNull(evidenceTimestamps.genTime)));
      result.stamped++;
    } catch (error) {
      const attempts = row.attempts + 1;
      const delay = Math.min(MAX_DELAY_MS, (options.retryBaseMs ?? 60_000) * 2 ** Math.min(attempts - 1, 20));
      await db
        .update(evidenceTimestamps)
        .set({ attempts, lastError: (error as Error).message, nextAttemptAt: new Date(options.now().getTime() + delay).toISOString() })
        .where(eq(evidenceTimestamps.id, row.id));
      result.failed++;
    }
  }
  return result;
}

/** One request to the TSA; throws with a French reason when no usable token comes back. */
export async function askTsa(tsaUrl: string, headHash: string, timeoutMs = 30_000): Promise<{ token: Buffer; genTime: string }> {
  const request = stampRequest(stampedData(headHash));
  let res: Response;
  try {
    res = await fetch(tsaUrl, { method: "POST", headers: { "content-type": "application/timestamp-query", accept: "application/timestamp-reply" }, body: new Uint8Array(request.der), signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new Error(`autorité d'horodatage injoignable : ${(error as Error).message}`);
  }
  if (!res.ok) throw new Error(`autorité d'horodatage : HTTP ${res.status}`);
  const token = Buffer.from(await res.arrayBuffer());
  const reply = parseStampReply(token);
  const problem = replyProblem(request, reply);
  if (problem) throw new Error(problem);
  return { token, genTime: reply.genTime! };
}

/**
 * The daily sweep: every chain's head without a row gets one, and every row still waiting is due now (its delay
 * may have grown to an hour). Returns how many heads were added.
 */
export async function sweepTimestamps(db: Database, now: Date): Promise<number> {
  const at = now.toISOString();
  const added = await db.run(sql`
    insert into evidence_timestamps (id, chain, case_id, record_seq, head_hash, attempts, next_attempt_at, created_at)
    select lower(hex(randomblob(16))), r.chain, r.case_id, r.seq, r.hash, 0, ${at}, ${at}
    from evidence_records r
    where r.seq = (select max(seq) from evidence_records x where x.chain = r.chain)
      and not exists (select 1 from evidence_timestamps t where t.chain = r.chain and t.record_seq = r.seq)`);
  await db.update(evidenceTimestamps).set({ nextAttemptAt: at }).where(isNull(evidenceTimestamps.genTime));
  return added.rowsAffected;
}

/** The timestamps of a chain, stamped or waiting, in record order. */
export function timestampsOf(db: Database, chain: string): Promise<TimestampRow[]> {
  return db.select().from(evidenceTimestamps).where(eq(evidenceTimestamps.chain, chain)).orderBy(asc(evidenceTimestamps.recordSeq));
}

export interface TimestampWorkerOptions {
  /** Between two looks for heads to stamp (5 s; tests look more often). */
  everyMs?: number;
  retryBaseMs?: number;
}

/** Runs the stamping in this process when `TSA_URL` is set: a look every few seconds, a sweep at start and daily. */
export function startTimestampWorker(db: Database, config: Config, clock: Clock, log: (line: string) => void, options: TimestampWorkerOptions = {}): { stop(): void } {
  const tsaUrl = config.tsaUrl;
  if (!tsaUrl) return { stop() {} };
  let running = false;
  let lastSweep = 0;
  let failing = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      if (Date.now() - lastSweep >= 24 * 60 * 60_000) {
        lastSweep = Date.now();
        const added = await sweepTimestamps(db, clock.now());
        if (added > 0) log(`Timestamps: ${added} chain head(s) without a timestamp queued.`);
      }
      const r = await stampDue(db, { tsaUrl, now: clock.now, retryBaseMs: options.retryBaseMs });
      // One line when the TSA starts or stops failing, not one a round.
      if (r.failed > 0 && !failing) log(`Timestamps: the TSA failed (${r.failed}); retried later.`);
      failing = r.failed > 0 && r.stamped === 0;
    } catch (e) {
      log(`Timestamps failed: ${(e as Error).message}`);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), options.everyMs ?? 5000);
  timer.unref();
  void tick();
  return { stop: () => clearInterval(timer) };
}

import { and, eq, isNotNull } from "drizzle-orm";
import { todayIn, zonedInstant } from "../../shared/dates";
import type { Database } from "../db/client";
import type { Config } from "../env";
import { engineRuns } from "./engine.sql";
import { runEngineDay } from "./run";

/**
 * Runs the engine once a day, at `config.engineAt` site time. It looks every minute whether today's run is due
 * and not yet done (a run recorded in `engine_runs`), so a server started late, or restarted, catches up at
 * once and never runs a day twice; a day it was down for is caught up by the next run (the engine plans
 * everything due and not yet done).
 */
export function startEngineScheduler(db: Database, config: Config, log: (line: string) => void): { stop(): void } {
  const at = config.engineAt;
  if (at === "off") return { stop() {} };
  let running = false;
  const tick = async () => {
    if (running) return;
    const now = new Date();
    const today = config.today ?? todayIn(config.siteTimeZone, now);
    if (now < new Date(zonedInstant(today, at, config.siteTimeZone))) return;
    running = true;
    try {
      const [done] = await db
        .select({ id: engineRuns.id })
        .from(engineRuns)
        .where(and(eq(engineRuns.asOf, today), isNotNull(engineRuns.finishedAt)))
        .limit(1);
      if (done) return;
      const result = await runEngineDay(db, { asOf: today, dryRun: false, now, timeZone: config.siteTimeZone });
      log(`Engine for ${today}: ${result.plan.length} actions due${result.heldReason ? `, none carried out (${result.heldReason})` : ""}.`);
    } catch (e) {
      log(`Engine for ${today} failed: ${(e as Error).message}`);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), 60_000);
  timer.unref();
  void tick();
  return { stop: () => clearInterval(timer) };
}

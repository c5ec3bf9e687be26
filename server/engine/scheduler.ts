import { and, eq, isNotNull } from "drizzle-orm";
import { zonedInstant } from "../../shared/dates";
import type { Clock } from "../context";
import type { Database } from "../db/client";
import type { Config } from "../env";
import { engineRuns } from "./engine.sql";
import { runEngineDay } from "./run";

/**
 * Runs the engine once a day, at `config.engineAt` site time. It looks every minute whether today's run is due
 * and not yet done (a run recorded in `engine_runs`), so a server started late, or restarted, catches up at
 * once and never runs a day twice; a day it was down for is caught up by the next run (the engine plans
 * everything due and not yet done). Its first look is logged whatever it finds, so a person (or a test) restarting
 * the server sees what it decided. `runToday` runs today's at the first look even before the hour: the demo data
 * just written stands for a morning's state, and a person trying Cadenas at 05:00 should find the queues filled.
 */
export function startEngineScheduler(db: Database, config: Config, clock: Clock, log: (line: string) => void, options: { runToday?: boolean } = {}): { stop(): void } {
  const at = config.engineAt;
  if (at === "off") return { stop() {} };
  let running = false;
  let first = true;
  const tick = async () => {
    if (running) return;
    const now = clock.now();
    const today = clock.today();
    const firstLook = first;
    first = false;
    if (!(firstLook && options.runToday) && now < new Date(zonedInstant(today, at, config.siteTimeZone))) {
      if (firstLook) log(`Engine for ${today}: due at ${at}.`);
      return;
    }
    running = true;
    try {
      const [done] = await db
        .select({ id: engineRuns.id })
        .from(engineRuns)
        .where(and(eq(engineRuns.asOf, today), isNotNull(engineRuns.finishedAt)))
        .limit(1);
      if (done) {
        if (firstLook) log(`Engine for ${today}: already run.`);
        return;
      }
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

import { randomUUID } from "node:crypto";
import { zonedInstant } from "../../shared/dates";
import type { Clock } from "../context";
import type { Database } from "../db/client";
import type { Config } from "../env";
import { lastSuccessfulImport } from "../imports/apply";
import { withLease } from "../system/leases";
import { hasRun, runEngineDay } from "./run";
import { engineZones } from "./zones";

/**
 * Runs the engine once a day in each time zone the sites are in (`engineZones`; usually one), at `config.engineAt`
 * that zone's time, over the customers of that zone's sites. It looks every minute whether a zone's run for its
 * today is due and not yet done (a run recorded in `engine_runs` for that day and zone), so a server started late,
 * or restarted, catches up at once and never runs a day twice; a day it was down for is caught up by the next run
 * (the engine plans everything due and not yet done). Its first look is logged whatever it finds, so a person (or a
 * test) restarting the server sees what it decided. `runToday` runs today's at the first look even before the hour:
 * the demo data just written stands for a morning's state, and a person trying Cadenas at 05:00 should find the
 * queues filled. A pinned `TODAY` is the day in every zone.
 */
export function startEngineScheduler(db: Database, config: Config, clock: Clock, log: (line: string) => void, options: { runToday?: boolean; everyMs?: number } = {}): { stop(): Promise<void> } {
  const at = config.engineAt;
  if (at === "off") return { stop: async () => undefined };
  let running = false;
  let first = true;
  // A day held back (no import yet, or data too old) waits for a new import rather than being evaluated again
  // every minute: zone and day → the newest import it was held on. It runs once the imports have settled (the
  // newest one the same at two looks in a row), so the four files of a first import all count, not the first one.
  const held = new Map<string, number | null>();
  const holder = `engine-${process.pid}-${randomUUID()}`;
  const settling = new Map<string, number | null>();
  const tick = async () => {
    if (running) return;
    running = true;
    const firstLook = first;
    first = false;
    try {
      const zones = await engineZones(db, config.siteTimeZone);
      for (const zone of zones) {
        const now = clock.now();
        const today = clock.todayIn(zone.timeZone);
        // The zone is named only when there are several: one zone logs as it always has.
        const label = `Engine for ${today}${zones.length > 1 ? ` (${zone.timeZone})` : ""}`;
        try {
          if (!(firstLook && options.runToday) && now < new Date(zonedInstant(today, at, zone.timeZone))) {
            if (firstLook) log(`${label}: due at ${at}.`);
            continue;
          }
          if (await hasRun(db, today, zone.timeZone)) {
            if (firstLook) log(`${label}: already run.`);
            continue;
          }
          const heldKey = `${zone.timeZone} ${today}`;
          const newestImport = (await lastSuccessfulImport(db))?.getTime() ?? null;
          if (held.has(heldKey)) {
            if (held.get(heldKey) === newestImport) continue;
            if (settling.get(heldKey) !== newestImport) {
              settling.set(heldKey, newestImport);
              continue;
            }
          }
          // Once across every process on the database: the others find the lease taken, then the day run.
          const run = await withLease(db, `engine:${zone.timeZone}`, holder, ENGINE_LEASE_SECONDS, async () =>
            (await hasRun(db, today, zone.timeZone)) ? null : runEngineDay(db, { asOf: today, dryRun: false, now, timeZone: zone.timeZone, sites: zone.sites }),
          );
          if (!run.ran) {
            log(`${label}: under way in another process.`);
            continue;
          }
          const result = run.value;
          if (!result) continue;
          if (result.heldReason) held.set(heldKey, newestImport);
          log(`${label}: ${result.plan.length} actions due${result.heldReason ? `, none carried out (${result.heldReason}); run again after the next import` : ""}.`);
        } catch (e) {
          log(`${label} failed: ${(e as Error).message}`);
        }
      }
    } catch (e) {
      log(`Engine failed: ${(e as Error).message}`);
    } finally {
      running = false;
    }
  };
  let current: Promise<void> = Promise.resolve();
  const look = () => {
    if (!running) current = tick();
  };
  const timer = setInterval(look, options.everyMs ?? 60_000);
  timer.unref();
  look();
  return {
    // A run under way finishes (and lets its lease go) before the database closes.
    stop: async () => {
      clearInterval(timer);
      await current;
    },
  };
}

/** A run takes seconds; the lease is renewed while it lasts, and lapses this long after a process died in one. */
const ENGINE_LEASE_SECONDS = 120;

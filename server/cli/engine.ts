// `npm run engine -- --as-of YYYY-MM-DD [--dry-run] [--json]`: runs the reminder scenarios for a day and prints
// the plan (CONTRACT.md). Like the daily run, once for each time zone the sites are in, over that zone's sites'
// customers; without --as-of, each zone's today (a pinned TODAY in every zone), with it, that day in every zone.
// Migrates the database first.
import { parseArgs } from "node:util";
import { isCalendarDate } from "../../shared/dates";
import { systemClock } from "../clock";
import { migrateDatabase, openDatabase } from "../db/client";
import { runEngineDay, type PlanLine } from "../engine/run";
import { engineZones } from "../engine/zones";
import { loadConfig } from "../env";

const USAGE = "usage: npm run engine -- [--as-of YYYY-MM-DD] [--dry-run] [--json]";

let args;
try {
  args = parseArgs({ options: { "as-of": { type: "string" }, "dry-run": { type: "boolean" }, json: { type: "boolean" } }, strict: true }).values;
} catch (e) {
  console.error(`${(e as Error).message}\n${USAGE}`);
  process.exit(64);
}
const config = loadConfig();
const asked = args["as-of"];
if (asked !== undefined && !isCalendarDate(asked)) {
  console.error(`--as-of: « ${asked} » is not a date YYYY-MM-DD\n${USAGE}`);
  process.exit(64);
}
const clock = systemClock(config);

const handle = await openDatabase(config.databaseUrl, config.databaseAuthToken);
try {
  await migrateDatabase(handle.db);
  const zones = await engineZones(handle.db, config.siteTimeZone);
  const plan: PlanLine[] = [];
  for (const zone of zones) {
    const asOf = asked ?? clock.todayIn(zone.timeZone);
    const result = await runEngineDay(handle.db, { asOf, dryRun: Boolean(args["dry-run"]), now: clock.now(), timeZone: zone.timeZone, sites: zone.sites });
    plan.push(...result.plan);
    if (args.json) continue;
    console.log(`Engine for ${asOf}${zones.length > 1 ? ` (${zone.timeZone})` : ""}: ${result.customersEvaluated} customers looked at, ${result.plan.length} actions due.`);
    for (const line of result.plan) {
      console.log(
        `  ${line.date}  ${line.customer_ref.padEnd(10)} ${line.scenario.padEnd(15)} ${line.step.padEnd(14)} ${line.action}${line.channel ? ` (${line.channel})` : ""}${line.needs_approval ? "  [approval]" : ""}`,
      );
    }
    console.log(result.heldReason ? `Nothing recorded: ${result.heldReason}.` : "Recorded.");
  }
  if (args.json) process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
} finally {
  handle.close();
}

// `npm run engine -- --as-of YYYY-MM-DD [--dry-run] [--json]`: runs the reminder scenarios for a day and prints
// the plan (CONTRACT.md). Without --as-of, today at the sites. Migrates the database first.
import { parseArgs } from "node:util";
import { isCalendarDate, todayIn } from "../../shared/dates";
import { migrateDatabase, openDatabase } from "../db/client";
import { runEngineDay } from "../engine/run";
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
const asOf = args["as-of"] ?? config.today ?? todayIn(config.siteTimeZone);
if (!isCalendarDate(asOf)) {
  console.error(`--as-of: « ${asOf} » is not a date YYYY-MM-DD\n${USAGE}`);
  process.exit(64);
}

const handle = await openDatabase(config.databaseUrl, config.databaseAuthToken);
try {
  await migrateDatabase(handle.db);
  const result = await runEngineDay(handle.db, { asOf, dryRun: Boolean(args["dry-run"]), now: new Date(), timeZone: config.siteTimeZone });
  if (args.json) {
    process.stdout.write(`${JSON.stringify(result.plan, null, 2)}\n`);
  } else {
    console.log(`Engine for ${asOf}: ${result.customersEvaluated} customers looked at, ${result.plan.length} actions due.`);
    for (const line of result.plan) {
      console.log(
        `  ${line.date}  ${line.customer_ref.padEnd(10)} ${line.scenario.padEnd(15)} ${line.step.padEnd(14)} ${line.action}${line.channel ? ` (${line.channel})` : ""}${line.needs_approval ? "  [approval]" : ""}`,
      );
    }
    console.log(result.heldReason ? `Nothing recorded: ${result.heldReason}.` : "Recorded.");
  }
} finally {
  handle.close();
}

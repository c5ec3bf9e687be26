// `npm run import -- --kind KIND FILE`: imports a CSV file from the billing software, all or nothing, and prints
// the report: how many lines were created and updated, or every bad line and column (then nothing is written).
// Migrates the database first, so it works on an empty DATABASE_URL. Exit code: 0 imported, 2 refused, 64 usage.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { migrateDatabase, openDatabase } from "../db/client";
import { loadConfig } from "../env";
import { importCsv } from "../imports/apply";
import { systemClock } from "../clock";
import { IMPORT_KINDS, type ImportKind } from "../imports/imports.sql";

const USAGE = `usage: npm run import -- --kind ${IMPORT_KINDS.join("|")} FILE`;

let kind: ImportKind;
let file: string;
try {
  const { values, positionals } = parseArgs({ options: { kind: { type: "string" } }, allowPositionals: true, strict: true });
  if (!values.kind || !(IMPORT_KINDS as readonly string[]).includes(values.kind)) throw new Error(`--kind must be one of ${IMPORT_KINDS.join(", ")}`);
  if (positionals.length !== 1) throw new Error("one file to import");
  kind = values.kind as ImportKind;
  file = positionals[0]!;
} catch (e) {
  console.error(`${(e as Error).message}\n${USAGE}`);
  process.exit(64);
}

let bytes: Uint8Array;
try {
  bytes = readFileSync(file);
} catch (e) {
  console.error(`cannot read ${file}: ${(e as Error).message}`);
  process.exit(64);
}

const config = loadConfig();
const handle = await openDatabase(config.databaseUrl, config.databaseAuthToken);
try {
  await migrateDatabase(handle.db);
  const started = performance.now();
  const report = await importCsv(handle.db, kind, bytes, { fileName: basename(file), userId: null, source: "command_line", at: systemClock(config).now() });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (report.ok) {
    console.log(`${basename(file)} (${kind}, ${report.encoding}): ${report.lines} lines imported in ${seconds} s — ${report.created} created, ${report.updated} updated.`);
  } else {
    console.error(`${basename(file)} (${kind}) refused: ${report.errors.length} problem(s), nothing imported.`);
    for (const issue of report.errors) console.error(`  ${issue.message}`);
    process.exitCode = 2;
  }
} finally {
  handle.close();
}

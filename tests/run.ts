// `npm test`: the type check, then every vitest project (client, server, e2e), then the one summary line CI
// reads: "N passed, N failed". Extra arguments go to vitest (`npm test -- --project server`).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const bin = (name: string) => join("node_modules", ".bin", name);
const args = process.argv.slice(2);
let passed = 0;
let failed = 0;

if (args.length === 0) {
  console.log("Type check (tsc --noEmit)…");
  const tsc = spawnSync(bin("tsc"), ["--noEmit", "-p", "."], { stdio: "inherit" });
  if (tsc.status === 0) passed++;
  else failed++;
}

mkdirSync(".test-results", { recursive: true });
const report = resolve(".test-results", "vitest.json");
rmSync(report, { force: true });
const vitest = spawnSync(bin("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...args], {
  stdio: "inherit",
});

if (existsSync(report)) {
  const result = JSON.parse(readFileSync(report, "utf8")) as { numPassedTests: number; numFailedTests: number; success: boolean };
  passed += result.numPassedTests;
  failed += result.numFailedTests;
  // A suite that failed to load counts no test but must not pass.
  if (!result.success && result.numFailedTests === 0) failed++;
} else {
  failed++;
}
if (vitest.status !== 0 && failed === 0) failed++;

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);

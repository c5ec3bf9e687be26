// `npm run budget`: the first screen's compressed bytes (bench/support/first-screen.ts), each file listed, held to
// budgets.json — exit 1 with what grew when over. `npm run budget -- --write` records the current sizes plus the
// file's margin as the new budget (after a change that makes the first screen smaller, or one judged worth its bytes).
// The same check runs in `npm test` (tests/e2e/first-screen-size.test.ts).
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureClientBuilt } from "../server/cli/client-build";
import { budgetFor, formatScreens, measureScreens, overBudget, readBudget, screensOf, writeBudget } from "./support/first-screen";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
const write = process.argv.includes("--write");

await ensureClientBuilt(undefined, (line) => console.log(line));
const budget = readBudget(ROOT);
const measured = measureScreens(join(ROOT, "dist/client"), screensOf(budget));
console.log(formatScreens(measured, budget));

if (write) {
  const next = budgetFor(measured, budget);
  writeBudget(next, ROOT);
  console.log(`\n${join(ROOT, "budgets.json")} written (sizes + ${Math.round(budget.margin * 100)} %):`);
  for (const [name, s] of Object.entries(next.screens)) console.log(`  ${name}: js ${s.budget.js} B, css ${s.budget.css} B, html ${s.budget.html} B gzip`);
} else {
  const problems = overBudget(measured, budget);
  if (problems.length > 0) {
    console.log(`\n${problems.join("\n")}`);
    process.exit(1);
  }
  console.log("\nwithin budget");
}

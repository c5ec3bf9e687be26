// `npm run bench`: runs every bench/*.bench.ts in its own process, one after the other, so that each measures
// on a quiet machine. Each prints its own figures. `npm run bench -- startup` runs those whose name matches.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const filter = process.argv[2];
const files = readdirSync("bench")
  .filter((f) => f.endsWith(".bench.ts") && (!filter || f.includes(filter)))
  .sort();
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file}`);
  const run = spawnSync(process.execPath, ["--import", "tsx", join("bench", file)], { stdio: "inherit" });
  if (run.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);

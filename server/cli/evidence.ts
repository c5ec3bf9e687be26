// `npm run evidence -- --verify [--case ID]`: checks the evidence chains (every case's, or one) and every photo
// they name; prints each problem and exits 1 when one is found.
import { parseArgs } from "node:util";
import { migrateDatabase, openDatabase } from "../db/client";
import { loadConfig } from "../env";
import { evidenceRecords } from "../evidence/evidence.sql";
import { chainOf, verifyChain } from "../evidence/chain";
import { cases } from "../cases/cases.sql";
import { eq } from "drizzle-orm";
import { openStore, useStore } from "../storage/store";

const USAGE = "usage: npm run evidence -- --verify [--case CASE_ID]";
let args;
try {
  args = parseArgs({ options: { verify: { type: "boolean" }, case: { type: "string" } }, strict: true }).values;
} catch (e) {
  console.error(`${(e as Error).message}\n${USAGE}`);
  process.exit(64);
}
if (!args.verify) {
  console.error(USAGE);
  process.exit(64);
}
const config = loadConfig();
// The photos are read where the server keeps them (STORAGE_URL's bucket, or DATA_DIR).
useStore(config.dataDir, openStore(config));
const handle = await openDatabase(config.databaseUrl, config.databaseAuthToken);
let broken = 0;
try {
  await migrateDatabase(handle.db);
  let chains: string[];
  if (args.case) {
    const [k] = await handle.db.select({ id: cases.id, customerId: cases.customerId }).from(cases).where(eq(cases.id, args.case));
    if (!k) {
      console.error(`No case ${args.case}`);
      process.exit(2);
    }
    chains = [chainOf(k.id, k.customerId)];
  } else {
    chains = (await handle.db.selectDistinct({ chain: evidenceRecords.chain }).from(evidenceRecords)).map((r) => r.chain);
  }
  for (const chain of chains) {
    const r = await verifyChain(handle.db, config.dataDir, chain);
    if (!r.ok) broken++;
    console.log(`${r.ok ? "ok    " : "BROKEN"} ${chain}: ${r.records} records${r.photosPending.length ? `, ${r.photosPending.length} photos not received yet` : ""}`);
    for (const p of r.problems) console.log(`         ${p}`);
  }
  console.log(`${chains.length} chains checked, ${broken} broken.`);
} finally {
  handle.close();
}
process.exit(broken > 0 ? 1 : 0);

// `npm run restore -- BACKUP [--data EMPTY_FOLDER]`: brings one backup back into an empty data folder (DATA_DIR and
// DATABASE_URL's file when --data is not given; with it, the database goes into that folder under its own name).
// Every hash is checked first. Exit 0 when restored, 1 when the backup is damaged (each problem printed, nothing
// written), 2 when the target is not empty or not a file database, 64 on a usage error.
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { BackupError, databaseFilePath } from "../backup/backup";
import { readManifest } from "../backup/manifest";
import { restoreBackup } from "../backup/restore";
import { loadConfig } from "../env";

const USAGE = "usage: npm run restore -- BACKUP_FOLDER [--data EMPTY_DATA_FOLDER]";
let parsed;
try {
  parsed = parseArgs({ options: { data: { type: "string" } }, allowPositionals: true, strict: true });
} catch (e) {
  console.error(`${(e as Error).message}\n${USAGE}`);
  process.exit(64);
}
const [backup, ...extra] = parsed.positionals;
if (!backup || extra.length > 0) {
  console.error(USAGE);
  process.exit(64);
}
try {
  let target;
  if (parsed.values.data) {
    const read = readManifest(resolve(backup));
    const dataDir = resolve(parsed.values.data);
    target = { dataDir, databasePath: join(dataDir, "manifest" in read ? read.manifest.database.name : "cadenas.db") };
  } else {
    const config = loadConfig();
    target = { dataDir: resolve(config.dataDir), databasePath: databaseFilePath(config.databaseUrl) };
  }
  const r = await restoreBackup(backup, target);
  console.log(`Restored ${resolve(backup)} (made ${r.manifest.createdAt} by Cadenas ${r.manifest.app.version}): database, ${r.photos} photos and ${r.files} files, every hash checked.`);
  console.log(`Start the server on it with: DATA_DIR=${target.dataDir} DATABASE_URL=file:${target.databasePath} npm start`);
} catch (e) {
  if (!(e instanceof BackupError)) {
    console.error(`Restore failed: ${(e as Error).stack ?? e}`);
    process.exit(1);
  }
  console.error(e.message);
  process.exit(e.damaged ? 1 : 2);
}

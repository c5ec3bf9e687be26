// `npm run restore -- BACKUP [--data EMPTY_FOLDER]`: brings one backup back into an empty data folder (DATA_DIR and
// DATABASE_URL's file when --data is not given; with it, the database goes into that folder under its own name), and
// its photos, letters and hand-over files into STORAGE_URL's bucket when it is set. Every hash is checked first.
// A libSQL server's database is restored as a file (--data), then loaded into sqld as printed. Exit 0 when restored,
// 1 when the backup is damaged (each problem printed, nothing written), 2 when the target is not empty, the bucket
// holds other bytes, or DATABASE_URL is a server and --data is missing, 64 on a usage error.
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { BackupError, databaseFilePath } from "../backup/backup";
import { redact } from "../backup/dump";
import { readManifest } from "../backup/manifest";
import { loadIntoSqld, restoreBackup } from "../backup/restore";
import { loadConfig } from "../env";
import { openStore } from "../storage/store";

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
  const config = loadConfig();
  const onServer = !config.databaseUrl.startsWith("file:");
  // Photos and letters go back where the server reads them: the bucket when STORAGE_URL is set.
  const store = config.storage.kind === "s3" ? openStore(config) : undefined;
  let target;
  if (parsed.values.data) {
    const read = readManifest(resolve(backup));
    const dataDir = resolve(parsed.values.data);
    target = { dataDir, databasePath: join(dataDir, "manifest" in read ? read.manifest.database.name : "cadenas.db"), store };
  } else if (onServer) {
    throw new BackupError(
      `DATABASE_URL is ${redact(config.databaseUrl)}, a libSQL server: a backup is restored as a database file. Restore it with --data EMPTY_FOLDER (photos and letters go to ${store ? store.location : "that folder"}), then load the file into sqld.\n${loadIntoSqld("EMPTY_FOLDER/cadenas.db")}`,
    );
  } else {
    target = { dataDir: resolve(config.dataDir), databasePath: databaseFilePath(config.databaseUrl), store };
  }
  const r = await restoreBackup(backup, target);
  console.log(`Restored ${resolve(backup)} (made ${r.manifest.createdAt} by Cadenas ${r.manifest.app.version}): database, ${r.photos} photos and ${r.files} files, every hash checked.`);
  if (store) console.log(`Photos, printed letters and hand-over files put back into ${store.location}.`);
  for (const w of r.warnings) console.error(`  warning: ${w}`);
  if (onServer) console.log(loadIntoSqld(target.databasePath));
  else console.log(`Start the server on it with: DATA_DIR=${target.dataDir} DATABASE_URL=file:${target.databasePath} npm start`);
} catch (e) {
  if (!(e instanceof BackupError)) {
    console.error(`Restore failed: ${(e as Error).stack ?? e}`);
    process.exit(1);
  }
  console.error(e.message);
  process.exit(e.damaged ? 1 : 2);
}

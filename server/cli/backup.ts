// `npm run backup [-- --to DIR]`: writes a backup of the database (a file, or a libSQL server's) and the photos and
// files it names (from DATA_DIR or STORAGE_URL's bucket) into BACKUP_DIR (or DIR) while the server goes on, then prunes to BACKUP_KEEP days. Exit 0 when written (what could not
// be backed up is printed as a warning), 1 when refused or failed, 64 on a usage error.
import { parseArgs } from "node:util";
import { BackupError, createBackup, databaseSource } from "../backup/backup";
import { pruneBackups } from "../backup/prune";
import { systemClock } from "../clock";
import { loadConfig } from "../env";
import { openStore } from "../storage/store";

const USAGE = "usage: npm run backup [-- --to BACKUP_DIR]   (BACKUP_DIR from the environment when --to is not given)";
let args;
try {
  args = parseArgs({ options: { to: { type: "string" } }, strict: true }).values;
} catch (e) {
  console.error(`${(e as Error).message}\n${USAGE}`);
  process.exit(64);
}
const config = loadConfig();
const backupDir = args.to ?? config.backupDir;
if (!backupDir) {
  console.error(`No backup folder: set BACKUP_DIR or give --to.\n${USAGE}`);
  process.exit(64);
}
try {
  const now = systemClock(config).now();
  const backup = await createBackup({ database: databaseSource(config.databaseUrl, config.databaseAuthToken), dataDir: config.dataDir, backupDir, now, store: openStore(config) });
  const m = backup.manifest;
  console.log(`Backup written: ${backup.dir}`);
  console.log(`  database ${m.database.size} bytes (SHA-256 ${m.database.sha256}), ${m.migrations.applied} migrations (${m.migrations.last ?? "none"})`);
  console.log(`  ${m.photos.length} photos and ${m.files.length} files, ${backup.added} of them new in ${backupDir}`);
  for (const w of m.warnings) console.error(`  warning: ${w}`);
  const prune = await pruneBackups(backupDir, { now, keepDays: config.backupKeepDays, timeZone: config.siteTimeZone });
  console.log(`Kept ${prune.kept.length} backups (BACKUP_KEEP=${config.backupKeepDays} days), pruned ${prune.removed.length}${prune.removed.length ? ` (${prune.removed.join(", ")})` : ""}, ${prune.removedStored} stored files no longer needed.`);
  for (const u of prune.unreadable) console.error(`  not a readable backup, left alone: ${u}`);
  console.log(`Restore it with: npm run restore -- ${backup.dir} --data EMPTY_FOLDER`);
} catch (e) {
  console.error(e instanceof BackupError ? e.message : `Backup failed: ${(e as Error).stack ?? e}`);
  process.exit(1);
}

import { zonedInstant } from "../../shared/dates";
import type { Clock } from "../context";
import type { Config } from "../env";
import { createBackup, databaseFilePath, type BackupResult } from "./backup";
import { listBackups, pruneBackups, type PruneResult } from "./prune";
import { snapshotInWorker } from "./snapshot";
import { startPeriodic, type Periodic } from "../periodic";

export type BackupLook =
  | { state: "not due" }
  | { state: "done today"; name: string }
  | { state: "waiting"; until: Date }
  | { state: "written"; backup: BackupResult; prune: PruneResult }
  | { state: "failed"; error: string };

export type BackupJob = Periodic<BackupLook>;

const HOUR = 3_600_000;

/**
 * The daily backup: once a day at `BACKUP_AT` (TZ_SITE time) it writes a backup into BACKUP_DIR, then prunes to
 * BACKUP_KEEP days. 03:00 by default: the night, when no phone is at work, and before the engine's 06:00 run, so the
 * newest backup is the state each morning's run started from. It looks every minute; a server started after the
 * hour, or restarted, takes the day's backup at once if BACKUP_DIR holds none made since that hour, and never a
 * second one. A failure (a full disk, another backup holding the lock) is logged and tried again an hour later.
 * Off when BACKUP_DIR is unset, BACKUP_AT is `off`, or the database is not a file (a libSQL server is backed up by
 * its own tools).
 */
export function startBackupScheduler(config: Config, clock: Clock, log: (line: string) => void, options: { everyMs?: number; retryMs?: number } = {}): BackupJob | undefined {
  const backupDir = config.backupDir;
  if (!backupDir || config.backupAt === "off") return undefined;
  let databasePath: string;
  try {
    databasePath = databaseFilePath(config.databaseUrl);
  } catch (e) {
    log(`Daily backup off: ${(e as Error).message}`);
    return undefined;
  }
  let done: { day: string; name: string } | null = null;
  let retryAt = 0;

  const look = async (): Promise<BackupLook> => {
    const now = clock.now();
    const today = clock.today();
    if (done?.day === today) return { state: "done today", name: done.name };
    const due = new Date(zonedInstant(today, config.backupAt, config.siteTimeZone));
    if (now < due) return { state: "not due" };
    const newest = listBackups(backupDir).find((b) => b.manifest);
    if (newest && Date.parse(newest.manifest!.createdAt) >= due.getTime()) {
      done = { day: today, name: newest.name };
      return { state: "done today", name: newest.name };
    }
    if (now.getTime() < retryAt) return { state: "waiting", until: new Date(retryAt) };
    try {
      const backup = await createBackup({ databasePath, dataDir: config.dataDir, backupDir, now, snapshot: snapshotInWorker, objectStorage: config.storage.kind === "s3" ? config.storage.url : undefined });
      const prune = await pruneBackups(backupDir, { now, keepDays: config.backupKeepDays, timeZone: config.siteTimeZone });
      done = { day: today, name: backup.name };
      const m = backup.manifest;
      log(
        `Backup ${backup.name} written: database ${(m.database.size / 1024 / 1024).toFixed(1)} MB, ${m.photos.length} photos and ${m.files.length} files (${backup.added} new); ` +
          `${prune.kept.length} backups kept, ${prune.removed.length} pruned.`,
      );
      for (const w of m.warnings) log(`Backup ${backup.name}: ${w}`);
      return { state: "written", backup, prune };
    } catch (e) {
      retryAt = now.getTime() + (options.retryMs ?? HOUR);
      log(`Backup failed: ${(e as Error).message} (tried again in an hour).`);
      return { state: "failed", error: (e as Error).message };
    }
  };

  return startPeriodic<BackupLook>(options.everyMs ?? 60_000, look, (e) => ({ state: "failed", error: e.message }));
}

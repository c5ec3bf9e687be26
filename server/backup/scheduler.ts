import { randomUUID } from "node:crypto";
import { and, eq, like, sql } from "drizzle-orm";
import { zonedInstant } from "../../shared/dates";
import type { Clock } from "../context";
import type { Database } from "../db/client";
import type { Config } from "../env";
import { openStore } from "../storage/store";
import { releaseLease, renewLease, takeLease } from "../system/leases";
import { leases } from "../system/leases.sql";
import { createBackup, databaseSource, type BackupResult } from "./backup";
import type { DatabaseSource } from "./snapshot";
import { listBackups, pruneBackups, type PruneResult } from "./prune";
import { snapshotInWorker } from "./snapshot";
import { startPeriodic, type Periodic } from "../periodic";

export type BackupLook =
  | { state: "not due" }
  | { state: "done today"; name: string }
  | { state: "waiting"; until: Date }
  /** Another process on the same database holds the day's backup lease: it is taking (or took) the day's backup. */
  | { state: "elsewhere" }
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
 * Several processes on one libSQL server take one backup a day between them: the day's lease `backup <day>` (in the
 * database, so across machines) is held while one works, renewed, and kept after it succeeded until the day is
 * long over; the others find it held and do nothing. A process that dies mid-backup lets it lapse in minutes, a
 * backup that failed lets it go at once: another process (or this one, an hour later) takes the day's backup.
 * The backup goes to the BACKUP_DIR of the process that took it. Off when BACKUP_DIR is unset or BACKUP_AT is `off`.
 */
export function startBackupScheduler(db: Database, config: Config, clock: Clock, log: (line: string) => void, options: { everyMs?: number; retryMs?: number } = {}): BackupJob | undefined {
  const backupDir = config.backupDir;
  if (!backupDir || config.backupAt === "off") return undefined;
  let database: DatabaseSource;
  try {
    database = databaseSource(config.databaseUrl, config.databaseAuthToken);
  } catch (e) {
    log(`Daily backup off: ${(e as Error).message}`);
    return undefined;
  }
  const holder = `backup-${process.pid}-${randomUUID()}`;
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
    const lease = `backup ${today}`;
    try {
      // Looked at first without writing: the processes that do not take it write nothing every minute.
      if (await heldByAnother(db, lease, holder)) return { state: "elsewhere" };
      if (!(await takeLease(db, lease, holder, WORKING_SECONDS))) return { state: "elsewhere" };
    } catch (e) {
      retryAt = now.getTime() + (options.retryMs ?? HOUR);
      log(`Backup failed: ${(e as Error).message} (tried again in an hour).`);
      return { state: "failed", error: (e as Error).message };
    }
    const renewing = setInterval(() => void renewLease(db, lease, holder, WORKING_SECONDS).catch(() => undefined), (WORKING_SECONDS * 1000) / 3);
    renewing.unref();
    let written = false;
    try {
      const backup = await createBackup({ database, dataDir: config.dataDir, backupDir, now, snapshot: snapshotInWorker, store: openStore(config) });
      written = true;
      clearInterval(renewing);
      // Kept: the day's backup is taken. Leases of earlier days, long lapsed, go.
      await renewLease(db, lease, holder, DONE_SECONDS);
      await db.delete(leases).where(and(like(leases.name, "backup %"), sql`${leases.until} < strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`));
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
      clearInterval(renewing);
      // Let go only when no backup was written: another process (or this one later) then takes the day's.
      if (!written) await releaseLease(db, lease, holder).catch(() => undefined);
      retryAt = now.getTime() + (options.retryMs ?? HOUR);
      log(`Backup failed: ${(e as Error).message} (tried again in an hour).`);
      return { state: "failed", error: (e as Error).message };
    }
  };

  return startPeriodic<BackupLook>(options.everyMs ?? 60_000, look, (e) => ({ state: "failed", error: e.message }));
}

/** Held while a backup works (renewed every third): a process that died in one lets it lapse this long after. */
const WORKING_SECONDS = 300;
/** Kept after the day's backup succeeded: past the day in every zone, so no process takes a second one that day. */
const DONE_SECONDS = 36 * 3600;

async function heldByAnother(db: Database, name: string, holder: string): Promise<boolean> {
  const [row] = await db
    .select({ holder: leases.holder, held: sql<number>`${leases.until} >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now')` })
    .from(leases)
    .where(eq(leases.name, name));
  return row !== undefined && Boolean(row.held) && row.holder !== holder;
}

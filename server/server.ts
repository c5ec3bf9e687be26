import { randomUUID } from "node:crypto";
import { serve, type ServerType } from "@hono/node-server";
import { count } from "drizzle-orm";
import { createApp } from "./app";
import { deleteExpiredSessions } from "./auth/sessions";
import { compactChanges } from "./sync/changes";
import { startEngineScheduler } from "./engine/scheduler";
import { startOutboxWorker } from "./messaging/worker";
import { startTimestampWorker } from "./evidence/timestamps";
import { startPhotoUploadSweeper } from "./evidence/uploads";
import { startBackupScheduler, type BackupJob } from "./backup/scheduler";
import { startRetentionJob, type RetentionJob } from "./privacy/retention-job";
import { startWeeklySummaries } from "./summary/weekly";
import type { Periodic } from "./periodic";
import { systemClock } from "./clock";
import { startImportFolder, type ImportFolder } from "./imports/folder";
import { ImportQueue, importInProcess, importInWorker } from "./imports/jobs";
import type { Clock, Services } from "./context";
import { migrateDatabase, openDatabase, type Database, type DatabaseHandle } from "./db/client";
import { seedDemoData } from "./demo/seed";
import type { Config } from "./env";
import { sites } from "./sites/sites.sql";
import { hasNoUser } from "./setup/routes";
import { SetupCode } from "./setup/setup-code";
import { runAlone } from "./system/leases";
import { openStore, useStore } from "./storage/store";

export interface StartOptions {
  /** Between two looks at IMPORT_DIR (tests look often and wait on `importFolder.nextLook()`). */
  importFolderEveryMs?: number;
  /** Between two looks of the engine's scheduler (a minute; tests look often and wait on the log). */
  engineEveryMs?: number;
  /** Between two looks of the timestamp worker, and its first delay after a TSA fault (tests use milliseconds). */
  timestampEveryMs?: number;
  timestampRetryMs?: number;
  /** Between two sweeps of unfinished photo uploads (an hour; tests sweep often and wait on the table). */
  photoSweepEveryMs?: number;
  /** Between two looks of the daily backup (a minute; tests look often and wait on `backups.nextLook()`). */
  backupEveryMs?: number;
  /** Between two looks of the daily retention run (an hour; tests look often and wait on `retention.nextLook()`). */
  retentionEveryMs?: number;
  /** Between two looks for the Managers' Monday summaries (five minutes; tests look often and wait on `summaries.nextLook()`). */
  summaryEveryMs?: number;
  /** How long `stop()` waits for the requests under way before it cuts them (10 s). */
  stopGraceMs?: number;
  /** The server's clock instead of `systemClock(config)`: tests move time themselves (sign-in waits, forgiveness). */
  clock?: Clock;
}

export interface RunningServer {
  url: string;
  port: number;
  services: Services;
  /** The IMPORT_DIR watcher, when IMPORT_DIR is set. */
  importFolder: ImportFolder | undefined;
  /** The daily backup, when BACKUP_DIR is set (and BACKUP_AT not off). */
  backups: BackupJob | undefined;
  /** The daily retention run (personal data pseudonymised after the retention period). */
  retention: RetentionJob;
  /** The Managers' weekly summaries (Monday 8:00 in their sites' zone), written to the outbox. */
  summaries: Periodic<number>;
  stop(): Promise<void>;
}

/** Opens and migrates the database, fills it with demo data when empty (unless off), and serves the app. */
export async function startServer(config: Config, log: (line: string) => void = console.log, options: StartOptions = {}): Promise<RunningServer> {
  const handle = await prepareDatabase(config, log);
  // Photos and letters are read and written through the data folder's registered store (storage/store.ts).
  const forgetStore = useStore(config.dataDir, openStore(config));
  if (config.storage.kind === "s3") log(`Photos, hand-overs and printed letters are kept in ${config.storage.url} (${config.storage.endpoint}); upload pieces in ${config.dataDir}.`);
  const services: Services = {
    db: handle.db,
    config,
    clock: options.clock ?? systemClock(config),
    // A database only this thread can open stays in it; any other is imported in a worker thread.
    imports: new ImportQueue(/:memory:|mode=memory/.test(config.databaseUrl) ? importInProcess(handle.db) : importInWorker({ url: config.databaseUrl, authToken: config.databaseAuthToken })),
    publicUrl: config.publicUrl ?? "",
    setupCode: (await hasNoUser(handle.db)) ? await SetupCode.issue(handle.db) : null,
  };
  const app = createApp(services);
  const server = await listen(app.fetch, config);
  const engine = startEngineScheduler(handle.db, config, services.clock, log, { runToday: handle.seededDemo, everyMs: options.engineEveryMs });
  const outbox = startOutboxWorker(handle.db, config, log);
  const timestamps = startTimestampWorker(handle.db, config, services.clock, log, { everyMs: options.timestampEveryMs, retryBaseMs: options.timestampRetryMs });
  const photoSweeper = startPhotoUploadSweeper(handle.db, config.dataDir, services.clock, log, { everyMs: options.photoSweepEveryMs });
  const backups = startBackupScheduler(handle.db, config, services.clock, log, { everyMs: options.backupEveryMs });
  const retention = startRetentionJob(handle.db, config.dataDir, services.clock, log, { everyMs: options.retentionEveryMs });
  const summaries = startWeeklySummaries(handle.db, services.clock, { timeZone: config.siteTimeZone, publicUrl: () => services.publicUrl, everyMs: options.summaryEveryMs }, log);
  const importFolder = config.importDir
    ? startImportFolder({ dir: config.importDir, queue: services.imports, clock: services.clock, timeZone: config.siteTimeZone, log, everyMs: options.importFolderEveryMs })
    : undefined;
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  // Known only now when PORT is 0.
  services.publicUrl = config.publicUrl ?? url;
  if (services.setupCode) {
    log(`No account yet (empty database, DEMO_DATA=off): open ${services.publicUrl}/premiers-pas and type the setup code ${services.setupCode.code} to create the first office account.`);
  }
  return {
    url,
    port,
    services,
    importFolder,
    backups,
    retention,
    summaries,
    stop: async () => {
      // No new connection; the requests under way finish (idle keep-alive connections are closed now, the busy ones
      // once their answer is sent), up to a grace period after which the last ones are cut.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if ("closeIdleConnections" in server) server.closeIdleConnections();
      const grace = setTimeout(() => {
        if ("closeAllConnections" in server) server.closeAllConnections();
      }, options.stopGraceMs ?? STOP_GRACE_MS);
      grace.unref();
      const idle = setInterval(() => {
        if ("closeIdleConnections" in server) server.closeIdleConnections();
      }, 100);
      idle.unref();
      await closed;
      clearTimeout(grace);
      clearInterval(idle);
      // The background work: rounds under way finish and let their leases go.
      timestamps.stop();
      photoSweeper.stop();
      backups?.stop();
      retention.stop();
      summaries.stop();
      importFolder?.stop();
      await Promise.all([engine.stop(), outbox.stop()]);
      // An import under way finishes (or fails) before the database closes under it.
      await services.imports.idle();
      handle.close();
      forgetStore();
    },
  };
}

/** How long a stopping server waits for the requests under way before it cuts them. */
const STOP_GRACE_MS = 10_000;

export async function prepareDatabase(config: Config, log: (line: string) => void): Promise<DatabaseHandle & { seededDemo: boolean }> {
  const handle = await openDatabase(config.databaseUrl, config.databaseAuthToken);
  await migrateDatabase(handle.db);
  await deleteExpiredSessions(handle.db);
  await compactChanges(handle.db);
  if (config.demoData !== "auto") return { ...handle, seededDemo: false };
  // Processes started together on one libSQL server: the first fills it, the others find it filled.
  const seededDemo = await runAlone(handle.db, "demo-data", `demo-${process.pid}-${randomUUID()}`, 120, async () => {
    if (!(await isEmpty(handle.db))) return false;
    // The server's clock's day: a pinned NOW without TODAY seeds that day, not the machine's.
    const clock = systemClock(config);
    const today = clock.today();
    const started = Date.now();
    const summary = await seedDemoData(handle.db, { today, now: clock.now(), timeZone: config.siteTimeZone });
    log(`Empty database: demo data for ${today} written in ${Date.now() - started} ms (${summary}).`);
    return true;
  });
  return { ...handle, seededDemo };
}

async function isEmpty(db: Database): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(sites);
  return (row?.n ?? 0) === 0;
}

function listen(fetch: Parameters<typeof serve>[0]["fetch"], config: Config): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port: config.port, hostname: config.host }, () => resolve(server));
    server.once("error", reject);
  });
}

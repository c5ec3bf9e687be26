import { randomUUID } from "node:crypto";
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DATABASE_FILE, FORMAT, hashFile, LOCK_FILE, MANIFEST, storedPath, TEMP_PREFIX, type Manifest, type Store } from "./manifest";
import { snapshotInProcess, type Snapshotter } from "./snapshot";

/**
 * A refusal or fault of a backup, a restore or a prune, said so that the operator knows what to do; `damaged` when
 * the backup itself is at fault (its `problems` list each one), else the place or the setting is.
 */
export class BackupError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [],
    readonly damaged = false,
  ) {
    super(message);
  }
}

/**
 * The path of the database file behind DATABASE_URL; anything else is refused here: a libSQL server (sqld, Turso)
 * is backed up with its own tools, not by copying a file this process cannot see.
 */
export function databaseFilePath(url: string): string {
  if (!url.startsWith("file:")) {
    throw new BackupError(`DATABASE_URL is ${url.replace(/\/\/[^@/]*@/, "//…@")}, not a file: database: back up a libSQL server with its own tools (sqld's snapshots, Turso's point-in-time restore); this command copies a database file.`);
  }
  const path = url.startsWith("file://") ? fileURLToPath(url.split("?")[0]!) : url.slice("file:".length).split("?")[0]!;
  if (!path || path === ":memory:") throw new BackupError("DATABASE_URL is an in-memory database: there is nothing on disk to back up.");
  return resolve(path);
}

export interface BackupOptions {
  databasePath: string;
  dataDir: string;
  backupDir: string;
  now: Date;
  /** `snapshotInWorker` in the server, `snapshotInProcess` (the default) on the command line. */
  snapshot?: Snapshotter;
  /**
   * `STORAGE_URL` when set: photos, letters and hand-over ZIPs are in that bucket, not in DATA_DIR. They are not
   * copied (the manifest and a warning say so): a bucket is backed up by its own means (versioning, replication).
   */
  objectStorage?: string;
}

export interface BackupResult {
  name: string;
  dir: string;
  manifest: Manifest;
  /** Photos and files newly stored by this backup (the others were already held from an earlier one). */
  added: number;
}

const APP_VERSION = (JSON.parse(readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "package.json"), "utf8")) as { version: string }).version;

/**
 * Writes one backup: the database's snapshot (`VACUUM INTO`, taken while the server writes), then every photo and
 * file that snapshot names, copied once into the shared stores and checked against their hash, then the manifest.
 * Everything is written into a temporary folder renamed at the end: a crash leaves a `.tmp-…` folder, never a
 * backup that looks whole. Only one backup (or prune) works in a BACKUP_DIR at a time (`withBackupLock`).
 */
export async function createBackup(options: BackupOptions): Promise<BackupResult> {
  const backupDir = resolve(options.backupDir);
  const dataDir = resolve(options.dataDir);
  const databasePath = resolve(options.databasePath);
  if (!existsSync(databasePath)) throw new BackupError(`No database at ${databasePath}: nothing to back up.`);
  mkdirSync(backupDir, { recursive: true });
  return withBackupLock(backupDir, async () => {
    const temp = join(backupDir, `${TEMP_PREFIX}${randomUUID()}`);
    mkdirSync(temp);
    try {
      const contents = await (options.snapshot ?? snapshotInProcess)(databasePath, join(temp, DATABASE_FILE));
      const database = await hashFile(join(temp, DATABASE_FILE));
      const warnings: string[] = [];
      let added = 0;

      const photos: Manifest["photos"] = [];
      // In a bucket: named, counted, not copied (the outbox's files, always in DATA_DIR, still are).
      const inBucket = (path: string) => options.objectStorage !== undefined && /^(letters|blobs)\//.test(path);
      const bucketFiles = contents.files.filter((f) => inBucket(f.path)).length;
      if (options.objectStorage !== undefined) {
        warnings.push(
          `${contents.photos.length} photos and ${bucketFiles} printed letters or hand-over files are in ${options.objectStorage} (STORAGE_URL): not copied into this backup; back up the bucket with its own tools (versioning, replication, rclone sync).`,
        );
      }
      for (const p of options.objectStorage !== undefined ? [] : contents.photos) {
        const source = join(dataDir, "blobs", p.sha256.slice(0, 2), p.sha256.slice(2, 4), p.sha256);
        const stored = await store(backupDir, "photos", source, p.sha256);
        if ("problem" in stored) warnings.push(`photo ${p.sha256}: ${stored.problem}`);
        else {
          photos.push({ sha256: p.sha256, size: stored.size });
          if (stored.added) added++;
        }
      }
      const files: Manifest["files"] = [];
      for (const f of contents.files.filter((f) => !inBucket(f.path))) {
        const source = join(dataDir, f.path);
        const stored = await store(backupDir, "files", source, f.sha256);
        if ("problem" in stored) warnings.push(`${f.path}: ${stored.problem}`);
        else {
          files.push({ path: f.path, sha256: stored.sha256, size: stored.size });
          if (stored.added) added++;
        }
      }

      const manifest: Manifest = {
        format: FORMAT,
        createdAt: options.now.toISOString(),
        app: { name: "cadenas", version: APP_VERSION },
        source: { databasePath, dataDir, host: hostname() },
        migrations: contents.migrations,
        database: { file: DATABASE_FILE, name: basename(databasePath), ...database },
        photos,
        files,
        warnings,
        ...(options.objectStorage !== undefined ? { objectStorage: { url: options.objectStorage, photos: contents.photos.length, files: bucketFiles } } : {}),
      };
      writeFileSync(join(temp, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
      const name = freeName(backupDir, `cadenas-${manifest.createdAt.replace(/\.\d+Z$/, "Z").replace(/:/g, "-")}`);
      renameSync(temp, join(backupDir, name));
      return { name, dir: join(backupDir, name), manifest, added };
    } catch (e) {
      rmSync(temp, { recursive: true, force: true });
      throw e;
    }
  });
}

/**
 * Copies a file into a shared store under its hash, unless it is there already. A photo's address is its hash: bytes
 * that no longer match it are not stored (the evidence check names that photo on the server too). A file whose
 * hash the database recorded (a letter) must still match it; one with none (the outbox's) is stored under its own.
 */
async function store(backupDir: string, kind: Store, source: string, expected: string | null): Promise<{ sha256: string; size: number; added: boolean } | { problem: string }> {
  if (!existsSync(source)) return { problem: "file missing from DATA_DIR, not backed up" };
  // Copied first, then hashed: the copy is what the backup holds, whatever happens to the source meanwhile.
  const copy = join(backupDir, kind, `${TEMP_PREFIX}${randomUUID()}`);
  mkdirSync(dirname(copy), { recursive: true });
  try {
    copyFileSync(source, copy);
    const { sha256, size } = await hashFile(copy);
    if (expected !== null && sha256 !== expected) return { problem: `its bytes no longer match their recorded SHA-256 (now ${sha256}), not backed up` };
    const target = storedPath(backupDir, kind, sha256);
    if (existsSync(target)) return { sha256, size, added: false };
    mkdirSync(dirname(target), { recursive: true });
    renameSync(copy, target);
    return { sha256, size, added: true };
  } finally {
    rmSync(copy, { force: true });
  }
}

function freeName(backupDir: string, base: string): string {
  let name = base;
  for (let i = 2; existsSync(join(backupDir, name)); i++) name = `${base}-${i}`;
  return name;
}

/**
 * One backup or prune at a time in a BACKUP_DIR, across processes (the server's daily backup and `npm run backup`):
 * a prune running beside a backup could delete a photo the backup has just stored and not yet named in its
 * manifest. The lock file holds its owner's pid; one left by a process that died is taken over.
 */
export async function withBackupLock<T>(backupDir: string, work: () => Promise<T>): Promise<T> {
  const lock = join(backupDir, LOCK_FILE);
  let fd: number;
  try {
    fd = openSync(lock, "wx");
  } catch {
    const owner = Number(readFileSync(lock, "utf8").trim());
    if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) throw new BackupError(`Another backup or prune is running in ${backupDir} (process ${owner}); try again once it has finished.`);
    rmSync(lock, { force: true });
    fd = openSync(lock, "wx");
  }
  writeSync(fd, String(process.pid));
  closeSync(fd);
  try {
    return await work();
  } finally {
    rmSync(lock, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

import { randomUUID } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { blobKey, fileStore, type Store as FileStore } from "../storage/store";
import { redact } from "./dump";
import { DATABASE_FILE, FORMAT, LOCK_FILE, MANIFEST, hashFile, storedPath, TEMP_PREFIX, type Manifest, type Store } from "./manifest";
import { snapshotInProcess, type DatabaseSource, type Snapshotter } from "./snapshot";

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
 * The path of the database file behind DATABASE_URL; anything else is refused here (a restore writes a file: see
 * `restore.ts` for a libSQL server).
 */
export function databaseFilePath(url: string): string {
  if (!url.startsWith("file:")) {
    throw new BackupError(`DATABASE_URL is ${redact(url)}, not a file: database.`);
  }
  const path = url.startsWith("file://") ? fileURLToPath(url.split("?")[0]!) : url.slice("file:".length).split("?")[0]!;
  if (!path || path === ":memory:") throw new BackupError("DATABASE_URL is an in-memory database: there is nothing on disk to back up.");
  return resolve(path);
}

/** What DATABASE_URL names, to back it up: its file, or the libSQL server (sqld) it reaches. */
export function databaseSource(url: string, authToken?: string): DatabaseSource {
  return url.startsWith("file:") ? { file: databaseFilePath(url) } : { server: url, authToken };
}

export interface BackupOptions {
  /** The database file (`databasePath`), or any source `databaseSource` gives (`database`, a libSQL server too). */
  databasePath?: string;
  database?: DatabaseSource;
  dataDir: string;
  backupDir: string;
  now: Date;
  /** `snapshotInWorker` in the server, `snapshotInProcess` (the default) on the command line. */
  snapshot?: Snapshotter;
  /**
   * Where photos, letters and hand-over ZIPs are kept (`openStore(config)`: the bucket of STORAGE_URL): they are read
   * from it. The data folder when absent. The outbox's files are always read from DATA_DIR.
   */
  store?: FileStore;
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
 * Writes one backup: the database's snapshot (`VACUUM INTO` of a file, or a libSQL server's dump loaded into a file —
 * either taken while the server writes), then every photo and file that snapshot names, read through the store
 * they are kept in (DATA_DIR or the bucket: one path), copied once into the shared stores and checked against their
 * hash, then the manifest. Everything is written into a temporary folder renamed at the end: a crash leaves a
 * `.tmp-…` folder, never a backup that looks whole. Only one backup (or prune) works in a BACKUP_DIR at a time
 * (`withBackupLock`). A store that does not answer fails the backup (tried again later); a photo or file missing
 * from it, or whose bytes no longer match their hash, is a warning naming it.
 */
export async function createBackup(options: BackupOptions): Promise<BackupResult> {
  const backupDir = resolve(options.backupDir);
  const dataDir = resolve(options.dataDir);
  const source: DatabaseSource = options.database ?? { file: options.databasePath! };
  const databasePath = "file" in source ? resolve(source.file) : null;
  if (databasePath !== null && !existsSync(databasePath)) throw new BackupError(`No database at ${databasePath}: nothing to back up.`);
  const files = options.store ?? fileStore(dataDir);
  const folder = fileStore(dataDir);
  mkdirSync(backupDir, { recursive: true });
  return withBackupLock(backupDir, async () => {
    const temp = join(backupDir, `${TEMP_PREFIX}${randomUUID()}`);
    mkdirSync(temp);
    try {
      const contents = await (options.snapshot ?? snapshotInProcess)(databasePath !== null ? { file: databasePath } : source, join(temp, DATABASE_FILE));
      const database = await hashFile(join(temp, DATABASE_FILE));
      const warnings: string[] = [];
      let added = 0;

      const photos: Manifest["photos"] = [];
      for (const p of contents.photos) {
        const stored = await keep(backupDir, "photos", files, blobKey(p.sha256), p.sha256);
        if ("problem" in stored) warnings.push(`photo ${p.sha256}: ${stored.problem}`);
        else {
          photos.push({ sha256: p.sha256, size: stored.size });
          if (stored.added) added++;
        }
      }
      const kept: Manifest["files"] = [];
      for (const f of contents.files) {
        // Letters and hand-over ZIPs are in the store; the outbox's files always in DATA_DIR.
        const stored = await keep(backupDir, "files", inStore(f.path) ? files : folder, f.path, f.sha256);
        if ("problem" in stored) warnings.push(`${f.path}: ${stored.problem}`);
        else {
          kept.push({ path: f.path, sha256: stored.sha256, size: stored.size });
          if (stored.added) added++;
        }
      }

      const manifest: Manifest = {
        format: FORMAT,
        createdAt: options.now.toISOString(),
        app: { name: "cadenas", version: APP_VERSION },
        source: {
          ...(databasePath !== null ? { databasePath } : { databaseServer: redact((source as { server: string }).server) }),
          dataDir,
          host: hostname(),
          ...(files.kind === "s3" ? { storage: files.location } : {}),
        },
        migrations: contents.migrations,
        database: { file: DATABASE_FILE, name: databasePath !== null ? basename(databasePath) : "cadenas.db", ...database },
        photos,
        files: kept,
        warnings,
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

/** A path the store keeps (photos, hand-over ZIPs, letters), as opposed to the outbox's files, always in DATA_DIR. */
export const inStore = (path: string) => /^(letters|blobs)\//.test(path);

/**
 * Copies a stored file into a shared store of the backup under its hash, unless it is there already, hashing the
 * bytes as they are written. A photo's address is its hash: bytes that no longer match it are not stored (the
 * evidence check names that photo on the server too). A file whose hash the database recorded (a letter) must still
 * match it; one with none (the outbox's) is stored under its own.
 */
async function keep(backupDir: string, kind: Store, from: FileStore, key: string, expected: string | null): Promise<{ sha256: string; size: number; added: boolean } | { problem: string }> {
  const stream = await from.open(key);
  if (!stream) return { problem: `missing from ${from.kind === "file" ? "DATA_DIR" : from.location}, not backed up` };
  // Copied first, then compared: the copy is what the backup holds, whatever happens to the source meanwhile.
  const copy = join(backupDir, kind, `${TEMP_PREFIX}${randomUUID()}`);
  mkdirSync(dirname(copy), { recursive: true });
  try {
    const hash = createHash("sha256");
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    await pipeline(stream, tap, createWriteStream(copy));
    const sha256 = hash.digest("hex");
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

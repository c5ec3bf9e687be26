import { randomUUID } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from "node:path";
import { createClient } from "@libsql/client";
import { blobKey, fileStore, type Store as FileStore } from "../storage/store";
import { BackupError, inStore } from "./backup";
import { DATABASE_FILE, hashFile, hashStream, readManifest, storedPath, type Manifest } from "./manifest";
import { knownMigrations } from "./snapshot";

export interface RestoreTarget {
  /** The data folder to restore into: absent or empty. */
  dataDir: string;
  /** Where the database file goes (inside `dataDir` or not); it must not exist. */
  databasePath: string;
  /**
   * Where photos, printed letters and hand-over ZIPs go back: STORAGE_URL's bucket (`openStore(config)`), else the
   * data folder. A bucket may hold some already (a restore into the bucket the backup came from, or tried before):
   * the same bytes under a key are left as they are, other bytes refuse the restore before anything is written.
   */
  store?: FileStore;
}

export interface RestoreResult {
  manifest: Manifest;
  photos: number;
  files: number;
  /** Said to the operator: a backup made before bucket files were copied names a bucket it expects them in. */
  warnings: string[];
}

/**
 * How to serve a restored database file from a libSQL server: sqld takes a SQLite file as its database when it
 * starts on a folder holding only that file at `dbs/default/data` (it rebuilds its replication log from the file).
 * Checked against sqld 0.24 in tests/integration/backup-sqld.test.ts.
 */
export function loadIntoSqld(databaseFile: string): string {
  return [
    "To serve it from a libSQL server (sqld): stop sqld, then put the file in a new, empty --db-path folder as its default database:",
    `  mkdir -p NEW_DB_PATH/dbs/default && cp ${databaseFile} NEW_DB_PATH/dbs/default/data`,
    "  and start sqld with --db-path NEW_DB_PATH (it rebuilds its log from the file); DATABASE_URL stays the server's URL.",
  ].join("\n");
}

/**
 * Brings one backup back, into an empty data folder only. Every hash is checked before anything is written — the
 * database's, each photo's and each file's — and the copy's `PRAGMA integrity_check` too: a damaged backup is
 * refused with everything that is wrong in it. The restore is assembled beside the target and renamed into place
 * at the end, so a refusal or a crash leaves the target as it was.
 */
export async function restoreBackup(backupPath: string, target: RestoreTarget): Promise<RestoreResult> {
  const backup = resolve(backupPath);
  const dataDir = resolve(target.dataDir);
  const databasePath = resolve(target.databasePath);
  const backupDir = dirname(backup);
  if (!existsSync(backup) || !statSync(backup).isDirectory()) throw new BackupError(`No backup folder at ${backup}.`);

  if (existsSync(dataDir) && (!statSync(dataDir).isDirectory() || readdirSync(dataDir).length > 0)) {
    throw new BackupError(`The data folder ${dataDir} is not empty: a backup is restored only into an empty (or new) folder, so that nothing of another database is mixed with it.`);
  }
  for (const f of [databasePath, `${databasePath}-wal`, `${databasePath}-shm`]) {
    if (existsSync(f)) throw new BackupError(`${f} already exists: a backup is restored only where no database is.`);
  }

  const read = readManifest(backup);
  if ("problem" in read) throw new BackupError(`Backup ${backup} refused, nothing restored: ${read.problem}.`, [read.problem], true);
  const manifest = read.manifest;
  const problems = await damage(backup, backupDir, manifest);
  const known = knownMigrations();
  if (manifest.migrations.applied > known.length) {
    problems.push(`made by a newer Cadenas (${manifest.app.version}, ${manifest.migrations.applied} migrations; this one knows ${known.length}): restore it with that version`);
  }
  if (problems.length > 0) throw new BackupError(`Backup ${backup} refused, nothing restored:\n${problems.map((p) => `  ${p}`).join("\n")}`, problems, true);

  // Assembled beside the target (same file system, so the last step is a rename); the database inside it when it
  // lives in the data folder, else beside its own place.
  const staging = `${dataDir}.restore-${randomUUID()}`;
  const inside = isInside(dataDir, databasePath);
  const stagedDatabase = inside ? join(staging, relative(dataDir, databasePath)) : `${databasePath}.restore-${randomUUID()}`;
  try {
    mkdirSync(staging, { recursive: true });
    mkdirSync(dirname(stagedDatabase), { recursive: true });
    copyFileSync(join(backup, DATABASE_FILE), stagedDatabase);
    // The database first, copied and checked (opened, its integrity): a bad one stops the restore before the store.
    const again: string[] = [];
    const copied = await hashFile(stagedDatabase);
    if (copied.sha256 !== manifest.database.sha256) again.push(`${DATABASE_FILE}: its copy's bytes changed (SHA-256 ${copied.sha256}, the manifest says ${manifest.database.sha256})`);
    const integrity = await integrityCheck(stagedDatabase);
    if (integrity !== "ok") again.push(`${DATABASE_FILE}: PRAGMA integrity_check says ${integrity}`);
    if (again.length > 0) throw new BackupError(`Backup ${backup} refused, nothing restored:\n${again.map((p) => `  ${p}`).join("\n")}`, again, true);

    // Photos, letters and hand-over ZIPs go into the store (the data folder being assembled, or the bucket); the
    // outbox's files into the data folder. One path for both stores.
    const folder = fileStore(staging);
    const files = target.store && target.store.kind !== "file" ? target.store : folder;
    const items = [
      ...manifest.photos.map((p) => ({ what: `photo ${p.sha256}`, to: files, key: blobKey(p.sha256), from: storedPath(backupDir, "photos", p.sha256), expected: p })),
      ...manifest.files.map((f) => ({ what: f.path, to: inStore(f.path) ? files : folder, key: f.path, from: storedPath(backupDir, "files", f.sha256), expected: f })),
    ];
    const present = new Set<string>();
    const conflicts: string[] = [];
    for (const item of items) {
      if (item.to === folder || !(await item.to.has(item.key))) continue;
      const held = await hashStream((await item.to.open(item.key))!);
      if (held.sha256 === item.expected.sha256) present.add(item.key);
      else conflicts.push(`${item.what}: ${item.to.location} already holds other bytes under ${item.key} (SHA-256 ${held.sha256})`);
    }
    if (conflicts.length > 0) throw new BackupError(`Backup ${backup} not restored: the store is not the backup's:\n${conflicts.map((p) => `  ${p}`).join("\n")}`, conflicts);
    const types = await contentTypes(stagedDatabase);
    for (const item of items) {
      if (present.has(item.key)) continue;
      await item.to.put(item.key, readFileSync(item.from), contentType(item.key, types));
    }
    // What was written is what was checked: each one read back through its store and hashed again.
    for (const item of items) {
      const stream = await item.to.open(item.key);
      if (!stream) {
        again.push(`${item.what}: missing from ${item.to === folder ? "the restored folder" : item.to.location} once written`);
        continue;
      }
      const actual = await hashStream(stream);
      if (actual.sha256 !== item.expected.sha256 || actual.size !== item.expected.size) again.push(`${item.what}: its copy's bytes changed (SHA-256 ${actual.sha256}, the manifest says ${item.expected.sha256})`);
    }
    if (again.length > 0) throw new BackupError(`Backup ${backup} refused, nothing restored:\n${again.map((p) => `  ${p}`).join("\n")}`, again, true);

    if (existsSync(dataDir)) rmdirSync(dataDir);
    mkdirSync(dirname(dataDir), { recursive: true });
    renameSync(staging, dataDir);
    if (!inside) {
      mkdirSync(dirname(databasePath), { recursive: true });
      renameSync(stagedDatabase, databasePath);
    }
    const warnings = manifest.objectStorage
      ? [`this backup was made before Cadenas copied a bucket's files: its ${manifest.objectStorage.photos} photos and ${manifest.objectStorage.files} letters or hand-over files were left in ${manifest.objectStorage.url}, not restored`]
      : [];
    return { manifest, photos: manifest.photos.length, files: manifest.files.length, warnings };
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    if (!inside) rmSync(stagedDatabase, { force: true });
    throw e;
  }
}

/**
 * Everything wrong with a backup (`backupDir` set: the stores) or with its restored copy (`backupDir` null: the
 * staging folder's layout): a file missing, of another size, or whose bytes do not hash to the manifest's.
 */
async function damage(root: string, backupDir: string | null, manifest: Manifest, databasePath = join(root, DATABASE_FILE)): Promise<string[]> {
  const problems: string[] = [];
  const check = async (what: string, path: string, expected: { sha256: string; size: number }) => {
    if (!existsSync(path)) return problems.push(`${what}: missing (${path})`);
    const actual = await hashFile(path);
    if (actual.size !== expected.size) problems.push(`${what}: ${actual.size} bytes instead of ${expected.size} (damaged)`);
    else if (actual.sha256 !== expected.sha256) problems.push(`${what}: its bytes changed (SHA-256 ${actual.sha256}, the manifest says ${expected.sha256})`);
  };
  await check(DATABASE_FILE, databasePath, manifest.database);
  for (const p of manifest.photos) {
    await check(`photo ${p.sha256}`, backupDir ? storedPath(backupDir, "photos", p.sha256) : join(root, "blobs", p.sha256.slice(0, 2), p.sha256.slice(2, 4), p.sha256), p);
  }
  for (const f of manifest.files) {
    if (!isSafeRelative(f.path)) {
      problems.push(`${f.path}: not a path inside the data folder`);
      continue;
    }
    await check(f.path, backupDir ? storedPath(backupDir, "files", f.sha256) : join(root, f.path), f);
  }
  return problems;
}

/** The type each stored file is put back with: a photo's recorded one, a hand-over's ZIP, a letter's PDF. */
async function contentTypes(databasePath: string): Promise<Map<string, string>> {
  const client = createClient({ url: `file:${databasePath}` });
  try {
    const types = new Map<string, string>();
    for (const r of (await client.execute("SELECT sha256, mime FROM photos")).rows) types.set(blobKey(String(r.sha256)), String(r.mime));
    for (const r of (await client.execute("SELECT zip_sha256 FROM hand_overs")).rows) types.set(blobKey(String(r.zip_sha256)), "application/zip");
    return types;
  } finally {
    client.close();
  }
}

const contentType = (key: string, types: Map<string, string>) => types.get(key) ?? (key.endsWith(".pdf") ? "application/pdf" : "application/octet-stream");

async function integrityCheck(databasePath: string): Promise<string> {
  const client = createClient({ url: `file:${databasePath}` });
  try {
    const rows = (await client.execute("PRAGMA integrity_check")).rows.map((r) => String(r[0]));
    return rows.join("; ");
  } catch (e) {
    return (e as Error).message;
  } finally {
    client.close();
  }
}

/** A manifest's path must stay inside the data folder: a garbled or forged one never writes elsewhere. */
function isSafeRelative(path: string): boolean {
  const n = normalize(path);
  return !isAbsolute(n) && n !== ".." && !n.startsWith(`..${sep}`);
}

function isInside(dir: string, path: string): boolean {
  const r = relative(dir, path);
  return r !== "" && !r.startsWith("..") && !isAbsolute(r);
}

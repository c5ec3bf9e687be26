import { randomUUID } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from "node:path";
import { createClient } from "@libsql/client";
import { BackupError } from "./backup";
import { DATABASE_FILE, hashFile, readManifest, storedPath, type Manifest } from "./manifest";
import { knownMigrations } from "./snapshot";

export interface RestoreTarget {
  /** The data folder to restore into: absent or empty. */
  dataDir: string;
  /** Where the database file goes (inside `dataDir` or not); it must not exist. */
  databasePath: string;
}

export interface RestoreResult {
  manifest: Manifest;
  photos: number;
  files: number;
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
    for (const p of manifest.photos) {
      const to = join(staging, "blobs", p.sha256.slice(0, 2), p.sha256.slice(2, 4), p.sha256);
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(storedPath(backupDir, "photos", p.sha256), to);
    }
    for (const f of manifest.files) {
      const to = join(staging, f.path);
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(storedPath(backupDir, "files", f.sha256), to);
    }
    // What was copied is what was checked: the copies are hashed again, and the database opened and checked.
    const again = await damage(staging, null, manifest, stagedDatabase);
    const integrity = await integrityCheck(stagedDatabase);
    if (integrity !== "ok") again.push(`${DATABASE_FILE}: PRAGMA integrity_check says ${integrity}`);
    if (again.length > 0) throw new BackupError(`Backup ${backup} refused, nothing restored:\n${again.map((p) => `  ${p}`).join("\n")}`, again, true);

    if (existsSync(dataDir)) rmdirSync(dataDir);
    mkdirSync(dirname(dataDir), { recursive: true });
    renameSync(staging, dataDir);
    if (!inside) {
      mkdirSync(dirname(databasePath), { recursive: true });
      renameSync(stagedDatabase, databasePath);
    }
    return { manifest, photos: manifest.photos.length, files: manifest.files.length };
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

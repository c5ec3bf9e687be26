import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { addDays, todayIn } from "../../shared/dates";
import { withBackupLock } from "./backup";
import { readManifest, STORES, TEMP_PREFIX, type Manifest } from "./manifest";

export interface PruneResult {
  kept: string[];
  removed: string[];
  /** Stored photos and files deleted because no remaining backup names them. */
  removedStored: number;
  /** Folders that are not readable backups: left alone (and their photos not counted as needed). */
  unreadable: string[];
}

/** The backups in BACKUP_DIR, newest first, with their manifest (or why it cannot be read). */
export function listBackups(backupDir: string): { name: string; manifest: Manifest | null; problem?: string }[] {
  if (!existsSync(backupDir)) return [];
  return readdirSync(backupDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith(".") && !(STORES as readonly string[]).includes(e.name))
    .map((e) => {
      const read = readManifest(join(backupDir, e.name));
      return "manifest" in read ? { name: e.name, manifest: read.manifest } : { name: e.name, manifest: null, problem: read.problem };
    })
    .sort((a, b) => (b.manifest?.createdAt ?? "").localeCompare(a.manifest?.createdAt ?? "") || b.name.localeCompare(a.name));
}

/**
 * Keeps the backups made in the last `keepDays` calendar days, today included, in `timeZone` (so BACKUP_KEEP=14 keeps
 * 14 daily backups, whatever minute each ran at) — and always the newest, so that a server down for a month
 * does not come back to no backup at all — and deletes the others; then deletes every stored photo and file that no
 * remaining manifest names, so that each remaining backup still restores alone. Leftovers of a backup that died
 * (`.tmp-…`) go too: under the lock, no backup is under way.
 */
export async function pruneBackups(backupDirInput: string, options: { now: Date; keepDays: number; timeZone: string }): Promise<PruneResult> {
  const backupDir = resolve(backupDirInput);
  if (!existsSync(backupDir)) return { kept: [], removed: [], removedStored: 0, unreadable: [] };
  return withBackupLock(backupDir, async () => {
    const firstKept = addDays(todayIn(options.timeZone, options.now), 1 - options.keepDays);
    const backups = listBackups(backupDir);
    const readable = backups.filter((b) => b.manifest !== null);
    const newest = readable[0]?.name;
    const kept: string[] = [];
    const removed: string[] = [];
    for (const b of readable) {
      if (b.name === newest || todayIn(options.timeZone, new Date(b.manifest!.createdAt)) >= firstKept) kept.push(b.name);
      else {
        rmSync(join(backupDir, b.name), { recursive: true, force: true });
        removed.push(b.name);
      }
    }
    for (const e of readdirSync(backupDir)) if (e.startsWith(TEMP_PREFIX)) rmSync(join(backupDir, e), { recursive: true, force: true });

    const needed = new Set<string>();
    for (const b of readable) {
      if (!kept.includes(b.name)) continue;
      for (const p of b.manifest!.photos) needed.add(`photos/${p.sha256}`);
      for (const f of b.manifest!.files) needed.add(`files/${f.sha256}`);
    }
    let removedStored = 0;
    for (const kind of STORES) {
      const root = join(backupDir, kind);
      if (!existsSync(root)) continue;
      for (const entry of readdirSync(root)) {
        const path = join(root, entry);
        if (entry.startsWith(TEMP_PREFIX) || !statSync(path).isDirectory()) {
          rmSync(path, { recursive: true, force: true });
          continue;
        }
        for (const sha of readdirSync(path)) {
          if (needed.has(`${kind}/${sha}`)) continue;
          rmSync(join(path, sha), { force: true });
          removedStored++;
        }
        if (readdirSync(path).length === 0) rmSync(path, { recursive: true, force: true });
      }
    }
    return { kept, removed, removedStored, unreadable: backups.filter((b) => b.manifest === null).map((b) => `${b.name} (${b.problem})`) };
  });
}

import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { z } from "zod";

/**
 * The layout of BACKUP_DIR. Each backup is a folder of its own (`manifest.json` and `database.db`, the database's
 * snapshot); the photos and other stored files (printed letters, e-mails and SMS written to the outbox folder) are
 * kept once, by the SHA-256 of their bytes, in `photos/` and `files/`, shared by every backup that names them. So
 * a day's backup costs the database plus the photos new that day, any one backup restores alone, and pruning
 * deletes a stored file only when no remaining manifest names it.
 */
export const MANIFEST = "manifest.json";
export const DATABASE_FILE = "database.db";
export const FORMAT = "cadenas-backup/1";
/** A backup being written: renamed to its final name only once whole, so a crash leaves nothing that looks whole. */
export const TEMP_PREFIX = ".tmp-";
export const LOCK_FILE = ".lock";
export const STORES = ["photos", "files"] as const;
export type Store = (typeof STORES)[number];

export const storedPath = (backupDir: string, store: Store, sha: string) => join(backupDir, store, sha.slice(0, 2), sha);

const Sha = z.string().regex(/^[0-9a-f]{64}$/, "SHA-256 attendu");
const Stored = z.object({ sha256: Sha, size: z.number().int().min(0) });

export const ManifestSchema = z.object({
  format: z.literal(FORMAT),
  createdAt: z.iso.datetime(),
  app: z.object({ name: z.string(), version: z.string() }),
  /**
   * Where it was taken from: the database file (`databasePath`) or the libSQL server (`databaseServer`, its URL
   * without credentials); the data folder; and, when photos and letters were in a bucket, that bucket (`storage`).
   */
  source: z.object({ databasePath: z.string().optional(), databaseServer: z.string().optional(), dataDir: z.string(), host: z.string(), storage: z.string().optional() }),
  /** The migrations applied to the snapshot: a newer Cadenas's backup is not restored by an older one. */
  migrations: z.object({ applied: z.number().int().min(0), last: z.string().nullable() }),
  /** The database's snapshot, and the name its file had (restored under that name). */
  database: Stored.extend({ file: z.literal(DATABASE_FILE), name: z.string().min(1) }),
  /** Photos named by the snapshot's `photos` table, stored under `photos/`: the evidence's bytes (from DATA_DIR or the bucket). */
  photos: z.array(Stored),
  /**
   * Other files the snapshot names, stored under `files/`: printed letters and hand-over ZIPs at `path` in the store
   * (DATA_DIR or the bucket, the same keys), the outbox's files at `path` in DATA_DIR.
   */
  files: z.array(Stored.extend({ path: z.string().min(1) })),
  /** What could not be backed up (a photo whose file is gone or no longer matches its hash): said, not hidden. */
  warnings: z.array(z.string()),
  /**
   * Written only by Cadenas versions that did not copy a bucket's files (still read): the photos, printed letters and
   * hand-over ZIPs were in this bucket and not copied (`photos` and `files` list only what was). Backups now copy
   * them (`source.storage` says where from).
   */
  objectStorage: z.object({ url: z.string(), photos: z.number().int().min(0), files: z.number().int().min(0) }).optional(),
});
export type Manifest = z.infer<typeof ManifestSchema>;

/** The manifest of a backup folder, or why it cannot be read. */
export function readManifest(dir: string): { manifest: Manifest } | { problem: string } {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) return { problem: `${MANIFEST} is missing` };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    return { problem: `${MANIFEST} is not valid JSON (${(e as Error).message})` };
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) return { problem: `${MANIFEST} is garbled: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}` };
  return { manifest: parsed.data };
}

/** SHA-256 and size of a file, read as a stream: a 20 MiB photo or a large database never sits whole in memory. */
export function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  return hashStream(createReadStream(path));
}

/** SHA-256 and size of a stream's bytes (a stored file read through its store). */
export function hashStream(stream: Readable): Promise<{ sha256: string; size: number }> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    let size = 0;
    stream
      .on("data", (chunk) => {
        hash.update(chunk);
        size += chunk.length;
      })
      .on("error", reject)
      .on("end", () => resolve({ sha256: hash.digest("hex"), size }));
  });
}

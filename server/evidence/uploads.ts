import { createHash } from "node:crypto";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { and, eq, gte, lt, lte, ne, sql } from "drizzle-orm";
import { photoUploads } from "../auth/security.sql";
import type { Clock } from "../context";
import type { Database } from "../db/client";
import { AppError } from "../errors";
import { photos } from "./evidence.sql";
import { referencedAmong } from "./photo-access";
import { startPeriodic, type Periodic } from "../periodic";

/**
 * Photos being received in pieces, kept per user: one user can neither append to nor learn of another's unfinished
 * upload. Each has its `photo_uploads` row (progress, when it last moved) and its bytes under
 * DATA_DIR/blobs/partial/<user>/<sha>.part. An upload that has not moved for `staleAfterMs` is swept: this is safe
 * because the phone keeps every photo until the server holds it whole, asks `…/status` before sending, and starts
 * again at 0 when the answer is 0. A row with `received = total` is a different thing: the user sent every byte of a
 * photo the server already held (proof they hold it), remembered so that `…/status` says "complete" to them; swept
 * the same way, it only costs their phone a second sending if it ever asks again.
 *
 * Limits per user, so that nobody fills the disk: unfinished uploads (count and announced bytes), and photos that
 * nothing names (no evidence record, no AR card, no box), counted over a rolling window. A phone offline for a day
 * with 100 photos (about 0.5 MB each after the phone reduces them, sent one at a time after the actions that name
 * them) stays far below both; a phone refused is told why (429) and keeps its photos queued for a later pass.
 */
export const UPLOAD_LIMITS = {
  /** An unfinished upload untouched this long is swept (a phone offline longer simply starts that photo again). */
  staleAfterMs: 24 * 60 * 60_000,
  /** Unfinished uploads one user may hold at once (the phone sends one photo at a time; a few phones per user). */
  partialUploads: 50,
  /** The bytes they announce together (`Content-Range` totals), reserved when each starts. */
  partialBytes: 200 * 1024 * 1024,
  /**
   * Photos a user uploaded in the window that nothing names. Counted from the first byte, not after a grace period
   * (which would leave the disk open until it ends), and forgotten after the window: a photo whose action the
   * server refused stays unnamed for ever, and must not lock its phone out for good.
   */
  unreferencedPhotos: 200,
  unreferencedBytes: 500 * 1024 * 1024,
  unreferencedWindowMs: 7 * 24 * 60 * 60_000,
} as const;

const MiB = (n: number) => `${Math.ceil(n / 1024 / 1024)} Mo`;

/** The folder of a user's unfinished uploads: their id when it is a plain token, else a digest of it. */
function userFolder(userId: string): string {
  return /^[A-Za-z0-9_-]{1,64}$/.test(userId) ? userId : createHash("sha256").update(userId).digest("hex").slice(0, 32);
}

export const partialRoot = (dataDir: string) => join(dataDir, "blobs", "partial");
export const partPath = (dataDir: string, userId: string, sha: string) => join(partialRoot(dataDir), userFolder(userId), `${sha}.part`);

export type PhotoUpload = typeof photoUploads.$inferSelect;

export async function uploadOf(db: Database, userId: string, sha: string): Promise<PhotoUpload | undefined> {
  const [row] = await db
    .select()
    .from(photoUploads)
    .where(and(eq(photoUploads.userId, userId), eq(photoUploads.sha256, sha)));
  return row;
}

/** Records where a user's upload stands, before its bytes are written (so a swept folder never loses a live piece). */
export async function recordProgress(db: Database, userId: string, sha: string, at: { received: number; total: number; now: Date; restart: boolean }): Promise<void> {
  const now = at.now.toISOString();
  await db
    .insert(photoUploads)
    .values({ userId, sha256: sha, received: at.received, total: at.total, startedAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: [photoUploads.userId, photoUploads.sha256],
      set: { received: at.received, total: at.total, updatedAt: now, ...(at.restart ? { startedAt: now } : {}) },
    });
}

export async function forgetUpload(db: Database, dataDir: string, userId: string, sha: string): Promise<void> {
  rmSync(partPath(dataDir, userId, sha), { force: true });
  await db.delete(photoUploads).where(and(eq(photoUploads.userId, userId), eq(photoUploads.sha256, sha)));
}

function refuse(reason: string, message: string, limit: number, current: number): never {
  throw new AppError("RATE_LIMITED", message, { reason, limit, current }, { "retry-after": "3600" });
}

/** Refuses (429, nothing written) a new unfinished upload beyond what one user may hold. */
export async function checkPartialRoom(db: Database, userId: string, sha: string, total: number): Promise<void> {
  const [held] = await db
    .select({ count: sql<number>`count(*)`, bytes: sql<number>`coalesce(sum(${photoUploads.total}), 0)` })
    .from(photoUploads)
    .where(and(eq(photoUploads.userId, userId), ne(photoUploads.sha256, sha), lt(photoUploads.received, photoUploads.total)));
  const count = Number(held?.count ?? 0);
  const bytes = Number(held?.bytes ?? 0);
  const { partialUploads, partialBytes } = UPLOAD_LIMITS;
  if (count >= partialUploads) {
    refuse(
      "PARTIAL_UPLOADS",
      `Déjà ${count} photos en cours d'envoi pour ce compte (${partialUploads} au plus) : terminez-les avant d'en commencer d'autres ; un envoi resté 24 h sans nouvelle est effacé. Les photos restent sur le téléphone.`,
      partialUploads,
      count,
    );
  }
  if (bytes + total > partialBytes) {
    refuse(
      "PARTIAL_BYTES",
      `Photos en cours d'envoi pour ce compte : ${MiB(bytes)} déjà, ${MiB(partialBytes)} au plus : terminez-les avant d'en commencer d'autres ; un envoi resté 24 h sans nouvelle est effacé. Les photos restent sur le téléphone.`,
      partialBytes,
      bytes,
    );
  }
}

/** Refuses (429, nothing kept) one more photo that nothing names beyond what one user may send in the window. */
export async function checkUnreferencedRoom(db: Database, userId: string, size: number, now: Date): Promise<void> {
  const { unreferencedPhotos, unreferencedBytes, unreferencedWindowMs } = UPLOAD_LIMITS;
  const since = new Date(now.getTime() - unreferencedWindowMs).toISOString();
  const recent = await db
    .select({ sha: photos.sha256, size: photos.sizeBytes })
    .from(photos)
    .where(and(eq(photos.takenBy, userId), gte(photos.receivedAt, since)));
  const sum = (rows: typeof recent) => rows.reduce((s, r) => s + r.size, 0);
  // Most users' recent photos are all named: only when even all of them would pass the limit is each one looked up.
  if (recent.length + 1 <= unreferencedPhotos && sum(recent) + size <= unreferencedBytes) return;
  const named = await referencedAmong(db, recent.map((r) => r.sha));
  const unnamed = recent.filter((r) => !named.has(r.sha));
  if (unnamed.length + 1 > unreferencedPhotos || sum(unnamed) + size > unreferencedBytes) {
    refuse(
      "UNREFERENCED_PHOTOS",
      `Trop de photos envoyées sans action qui les cite : ${unnamed.length} photos (${MiB(sum(unnamed))}) en 7 jours pour ce compte, ` +
        `${unreferencedPhotos} photos ou ${MiB(unreferencedBytes)} au plus. Synchronisez d'abord les actions du téléphone (ouverture, cadenas…) ; la photo reste sur le téléphone et repartira ensuite.`,
      unreferencedPhotos,
      unnamed.length,
    );
  }
}

/**
 * Drops the unfinished uploads that have not moved since `now - staleAfterMs` (their row and their bytes), the
 * remembered proofs as old, and any piece of a file that no row accounts for (a crash between the two, a deleted
 * user, the one-folder layout of earlier versions). Returns how many uploads and stray files went.
 */
export async function sweepPhotoUploads(db: Database, dataDir: string, now: Date): Promise<{ uploads: number; strays: number }> {
  const before = new Date(now.getTime() - UPLOAD_LIMITS.staleAfterMs).toISOString();
  // The files are listed before the rows are read: a file listed now had its row written before it (recordProgress
  // comes first), so it is in the rows read next, and a piece written meanwhile is not looked at.
  const files = listPartFiles(dataDir);
  const stale = await db.select().from(photoUploads).where(lte(photoUploads.updatedAt, before));
  let uploads = 0;
  for (const row of stale) {
    // Only if it still has not moved: a piece may have arrived since the select.
    const gone = await db
      .delete(photoUploads)
      .where(and(eq(photoUploads.userId, row.userId), eq(photoUploads.sha256, row.sha256), lte(photoUploads.updatedAt, before)))
      .returning({ sha: photoUploads.sha256 });
    if (gone.length === 0) continue;
    rmSync(partPath(dataDir, row.userId, row.sha256), { force: true });
    if (row.received < row.total) uploads++;
  }
  const live = new Set((await db.select({ userId: photoUploads.userId, sha: photoUploads.sha256 }).from(photoUploads)).map((r) => partPath(dataDir, r.userId, r.sha)));
  let strays = 0;
  for (const file of files) {
    if (live.has(file)) continue;
    rmSync(file, { force: true });
    strays++;
  }
  return { uploads, strays };
}

function listPartFiles(dataDir: string): string[] {
  const root = partialRoot(dataDir);
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
      for (const file of readdirSync(path)) out.push(join(path, file));
    } else {
      out.push(path);
    }
  }
  return out;
}

export interface PhotoSweeperOptions {
  /** Between two sweeps (an hour; tests sweep often and wait on the table). */
  everyMs?: number;
}

/** Sweeps stale uploads at start and then every `everyMs`, by the server's clock. */
export function startPhotoUploadSweeper(db: Database, dataDir: string, clock: Clock, log: (line: string) => void, options: PhotoSweeperOptions = {}): Periodic<void> {
  return startPeriodic<void>(
    options.everyMs ?? 60 * 60_000,
    async () => {
      const r = await sweepPhotoUploads(db, dataDir, clock.now());
      if (r.uploads + r.strays > 0) log(`Photo uploads: ${r.uploads} unfinished upload(s) untouched for 24 h swept, ${r.strays} stray piece(s) removed.`);
    },
    (e) => log(`Photo upload sweep failed: ${e.message}`),
  );
}

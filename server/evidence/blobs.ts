import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { AppError } from "../errors";
import { blobKey, storeOf } from "../storage/store";
import { markCustomersChanged } from "../sync/changes";
import { photos } from "./evidence.sql";
import { canSeePhoto, photoNaming, type Viewer } from "./photo-access";
import { checkPartialRoom, checkUnreferencedRoom, forgetUpload, partPath, recordProgress, uploadOf } from "./uploads";

/**
 * Photo bytes, addressed by their SHA-256. A phone sends a photo whole, or in pieces after a drop: each piece says
 * where it starts (`Content-Range: bytes START-END/TOTAL`), the server appends it if it starts where the bytes
 * received so far end, and tells how far it has got. When the last byte is in, the whole is checked — an image
 * (JPEG, PNG or WebP), at most `MAX_PHOTO_BYTES`, hashing to its address — and only then kept: a wrong file is
 * refused and nothing of it stays. Sending a photo the server already holds is answered at once. The pieces are kept
 * in DATA_DIR; the whole goes to the store (the data folder, or object storage: `storage/store.ts`), and the photo is
 * received only once the store holds it — a store that fails answers 503 and the phone sends the last piece again.
 */

export const MAX_PHOTO_BYTES = 20 * 1024 * 1024;
export const SHA256 = /^[0-9a-f]{64}$/;

/** The address of a photo's bytes: their SHA-256 in lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export interface BlobState {
  sha256: string;
  /** Bytes the server holds for it (the whole size once complete). */
  received: number;
  complete: boolean;
  size: number | null;
  mime: string | null;
}

/** Where a photo's bytes are kept under DATA_DIR when the store is the data folder (`blobKey` in it). */
export const blobPath = (dir: string, sha: string) => join(dir, blobKey(sha));

/**
 * Where a photo stands for this user. A photo they may see (`canSeePhoto`), or whose every byte they sent (proof they
 * hold it), is complete; otherwise they are told only of their own upload — 0 for a photo the server does not hold,
 * and the same 0 for one another user holds, so that existence is not revealed. A phone that really holds those
 * bytes sends them from 0 and is answered "complete" at the last byte, as for any new photo.
 */
export async function blobState(db: Database, dataDir: string, sha: string, viewer: Viewer): Promise<BlobState> {
  const [row] = await db.select().from(photos).where(eq(photos.sha256, sha));
  const own = await uploadOf(db, viewer.userId, sha);
  const proved = own !== undefined && own.received >= own.total;
  if (row && (await storeOf(dataDir).has(blobKey(sha))) && (proved || (await canSeePhoto(db, sha, viewer, (u) => row.takenBy === u)))) {
    return { sha256: sha, received: row.sizeBytes, complete: true, size: row.sizeBytes, mime: row.mime };
  }
  const part = partPath(dataDir, viewer.userId, sha);
  const received = own && !proved && existsSync(part) ? statSync(part).size : 0;
  return { sha256: sha, received, complete: false, size: null, mime: null };
}

/** Who sends a piece: their sites decide what they may see, the server's clock when. */
export interface Uploader extends Viewer {
  now: Date;
}

export interface Piece {
  start: number;
  total: number;
  bytes: Uint8Array;
}

/** "bytes 0-1023/3000000" → start 0, end 1023, total; absent: the whole file. */
export function parseContentRange(header: string | undefined, length: number): { start: number; total: number } {
  if (!header) return { start: 0, total: length };
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header.trim());
  if (!m) throw new AppError("VALIDATION_FAILED", `Content-Range illisible : « ${header} » (attendu : bytes DÉBUT-FIN/TOTAL)`);
  const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (end < start || end >= total || end - start + 1 !== length) {
    throw new AppError("VALIDATION_FAILED", `Content-Range ${header} ne correspond pas aux ${length} octets envoyés`);
  }
  return { start, total };
}

/** What kind of image the bytes are, from their first bytes (the name and the declared type are not trusted). */
export function sniffImage(bytes: Uint8Array): { mime: string; width: number | null; height: number | null } | null {
  const b = bytes;
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { mime: "image/jpeg", ...jpegSize(b) };
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) {
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return { mime: "image/png", width: b.length >= 24 ? view.getUint32(16) : null, height: b.length >= 24 ? view.getUint32(20) : null };
  }
  if (ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP") return { mime: "image/webp", ...webpSize(b) };
  return null;
}

function ascii(b: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...b.subarray(from, to));
}

function jpegSize(b: Uint8Array): { width: number | null; height: number | null } {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return { width: null, height: null };
    const marker = b[i + 1]!;
    const length = (b[i + 2]! << 8) | b[i + 3]!;
    // Start of frame (baseline, progressive…): height then width.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: (b[i + 5]! << 8) | b[i + 6]!, width: (b[i + 7]! << 8) | b[i + 8]! };
    }
    i += 2 + length;
  }
  return { width: null, height: null };
}

function webpSize(b: Uint8Array): { width: number | null; height: number | null } {
  const chunk = ascii(b, 12, 16);
  if (chunk === "VP8X" && b.length >= 30) return { width: 1 + (b[24]! | (b[25]! << 8) | (b[26]! << 16)), height: 1 + (b[27]! | (b[28]! << 8) | (b[29]! << 16)) };
  if (chunk === "VP8 " && b.length >= 30) return { width: (b[26]! | (b[27]! << 8)) & 0x3fff, height: (b[28]! | (b[29]! << 8)) & 0x3fff };
  if (chunk === "VP8L" && b.length >= 25) {
    const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  return { width: null, height: null };
}

/**
 * Takes one piece (or the whole file) of this user's upload; returns where it stands. The pieces are the user's own
 * (`partPath`): they start at 0 for a photo the user may not see, even one the server holds. Limits are checked
 * before anything is written: a new unfinished upload beyond the user's share, or the last byte of a photo that
 * nothing at their sites names beyond their share of such photos (`checkPartialRoom`, `checkUnreferencedRoom`).
 */
export async function receivePiece(db: Database, dataDir: string, sha: string, piece: Piece, who: Uploader): Promise<BlobState> {
  if (!SHA256.test(sha)) throw new AppError("VALIDATION_FAILED", "L'adresse d'une photo est son SHA-256 : 64 caractères hexadécimaux en minuscules.");
  if (piece.total > MAX_PHOTO_BYTES) throw new AppError("PAYLOAD_TOO_LARGE", `Photo de ${(piece.total / 1024 / 1024).toFixed(1)} Mo : ${MAX_PHOTO_BYTES / 1024 / 1024} Mo au plus (le téléphone réduit les photos avant l'envoi).`);
  const state = await blobState(db, dataDir, sha, who);
  if (state.complete) return state;
  if (piece.start !== state.received) {
    throw new AppError("CONFLICT", `Morceau à l'octet ${piece.start}, mais ${state.received} octets sont déjà reçus : reprendre à ${state.received}.`, { received: state.received });
  }
  const own = await uploadOf(db, who.userId, sha);
  const going = own !== undefined && own.received < own.total && piece.start > 0;
  if (going && own.total !== piece.total) {
    throw new AppError("VALIDATION_FAILED", `Content-Range annonce ${piece.total} octets, mais cet envoi a commencé pour ${own.total} : reprendre à 0.`);
  }
  if (piece.start === 0 && piece.bytes.length >= 16 && !sniffImage(piece.bytes)) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Ce fichier n'est pas une photo (JPEG, PNG ou WebP attendu).");
  }
  const part = partPath(dataDir, who.userId, sha);
  const received = piece.start + piece.bytes.length;
  if (received < piece.total) {
    if (!going) await checkPartialRoom(db, who.userId, sha, piece.total);
    // The row first: the sweep never takes a piece whose row it has not seen.
    await recordProgress(db, who.userId, sha, { received: piece.start, total: piece.total, now: who.now, restart: piece.start === 0 });
    mkdirSync(dirname(part), { recursive: true });
    if (piece.start === 0) writeFileSync(part, piece.bytes);
    else appendFileSync(part, piece.bytes);
    await recordProgress(db, who.userId, sha, { received, total: piece.total, now: who.now, restart: false });
    return { sha256: sha, received, complete: false, size: null, mime: null };
  }

  // The last byte: checked against the user's share of photos nothing names before anything is written, so that a
  // refusal leaves their upload where it was (to finish on a later pass).
  if (!(await photoNaming(db, sha, who.scope)).inScope) await checkUnreferencedRoom(db, who.userId, piece.total, who.now);
  const bytes = piece.start === 0 ? Buffer.from(piece.bytes) : Buffer.concat([readFileSync(part), piece.bytes]);
  // The whole is checked, kept, or dropped entirely.
  const actual = sha256Hex(bytes);
  if (actual !== sha) {
    await forgetUpload(db, dataDir, who.userId, sha);
    throw new AppError("HASH_MISMATCH", `Les octets reçus ont pour SHA-256 ${actual}, pas ${sha} : photo refusée, rien n'est gardé. Renvoyez-la depuis le téléphone.`, { actual });
  }
  const image = sniffImage(bytes);
  if (!image) {
    await forgetUpload(db, dataDir, who.userId, sha);
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Ce fichier n'est pas une photo (JPEG, PNG ou WebP attendu).");
  }
  // A photo erased by retention or an erasure request is never taken back from a phone that still holds it: the
  // phone is told it is done, and nothing is kept.
  const [tomb] = await db.select({ erasedAt: photos.erasedAt }).from(photos).where(eq(photos.sha256, sha));
  if (tomb?.erasedAt) {
    await forgetUpload(db, dataDir, who.userId, sha);
    return { sha256: sha, received: bytes.length, complete: true, size: bytes.length, mime: image.mime };
  }
  // Stored before it is recorded: a store that fails (STORAGE_UNAVAILABLE) leaves the pieces and the upload's row
  // where they were, and the same last piece sent again finishes it.
  const store = storeOf(dataDir);
  if (!(await store.has(blobKey(sha)))) await store.put(blobKey(sha), bytes, image.mime);
  const added = await db.transaction(async (tx) => {
    const inserted = await tx
      .insert(photos)
      .values({ sha256: sha, sizeBytes: bytes.length, mime: image.mime, width: image.width, height: image.height, takenBy: who.userId, receivedAt: who.now.toISOString() })
      .onConflictDoNothing()
      .returning({ sha: photos.sha256 });
    if (inserted.length === 0) return false;
    // The debtors whose evidence waited for this photo change ("preuves en cours d'envoi" → received) on every phone.
    const waiting = await tx.all<{ customer_id: string }>(
      sql`select distinct customer_id from evidence_records where exists (select 1 from json_each(evidence_records.photos) j where j.value = ${sha})`,
    );
    await markCustomersChanged(tx, waiting.map((r) => r.customer_id));
    return true;
  });
  rmSync(part, { force: true });
  if (added) await forgetUpload(db, dataDir, who.userId, sha);
  // The server held it already: the user proved they hold the same bytes, remembered so that their status says so.
  else await recordProgress(db, who.userId, sha, { received: bytes.length, total: bytes.length, now: who.now, restart: false });
  return { sha256: sha, received: bytes.length, complete: true, size: bytes.length, mime: image.mime };
}

/** The bytes and type of a photo the viewer may see (`canSeePhoto`), else null: the same for one that does not exist. */
export async function readVisibleBlob(db: Database, dataDir: string, sha: string, viewer: Viewer): Promise<{ bytes: Buffer; mime: string } | null> {
  const [row] = await db.select().from(photos).where(eq(photos.sha256, sha));
  if (!row) return null;
  const own = await uploadOf(db, viewer.userId, sha);
  const visible = await canSeePhoto(db, sha, viewer, (u) => row.takenBy === u || (own !== undefined && own.received >= own.total));
  const bytes = visible ? await loadBlob(dataDir, sha) : null;
  return bytes ? { bytes, mime: row.mime } : null;
}

/** The bytes of a photo (or hand-over ZIP) the server holds, from its store, or null. */
export function loadBlob(dataDir: string, sha: string): Promise<Buffer | null> {
  return storeOf(dataDir).get(blobKey(sha));
}

/** The bytes of a photo in a data folder itself (the default store), or null: for tools and tests that look at the folder. */
export function readBlob(dataDir: string, sha: string): Buffer | null {
  const path = blobPath(dataDir, sha);
  return existsSync(path) ? readFileSync(path) : null;
}

import type { PhotoOriginal } from "../../shared/floor/original";
import type { CadenasDB, PhotoRow } from "./db";

/**
 * Photos on the phone: kept the moment they are taken (bytes and state in one transaction), queued when the
 * action that references them is saved, and sent to the server a piece at a time so that a drop in the
 * corridor costs one piece, not the photo.
 */

export interface TakenPhoto {
  sha256: string;
  bytes: ArrayBuffer;
  mime: string;
  width: number;
  height: number;
  original?: PhotoOriginal;
}

/** Keeps a photo just taken in the form `draftKey` ("padlock:<unit>", "opening:<unit>"). Taking it twice keeps one. */
export async function keepDraft(db: CadenasDB, photo: TakenPhoto, draftKey: string, role: PhotoRow["role"] = null, now = new Date()): Promise<void> {
  await db.transaction("rw", db.blobs, db.photos, async () => {
    const known = await db.photos.get(photo.sha256);
    if (known) {
      if (known.state === "draft" && (known.draftKey !== draftKey || known.role !== role)) await db.photos.update(known.sha256, { draftKey, role });
      return;
    }
    const row: PhotoRow = {
      sha256: photo.sha256,
      state: "draft",
      draftKey,
      role,
      mime: photo.mime,
      width: photo.width,
      height: photo.height,
      size: photo.bytes.byteLength,
      sent: 0,
      createdAt: now.toISOString(),
      sentAt: null,
      error: null,
      ...(photo.original ? { original: photo.original } : {}),
    };
    await db.blobs.put({ sha256: photo.sha256, bytes: photo.bytes, mime: photo.mime, createdAt: row.createdAt });
    await db.photos.put(row);
  });
}

/** Removes a photo from a form before it is saved; a photo an action references is never removed this way. */
export async function discardDraft(db: CadenasDB, sha256: string): Promise<void> {
  await db.transaction("rw", db.blobs, db.photos, async () => {
    const row = await db.photos.get(sha256);
    if (row?.state !== "draft") return;
    await db.photos.delete(sha256);
    await db.blobs.delete(sha256);
  });
}

/**
 * Called inside the transaction that saves an action: its photos leave their form and join the upload queue.
 * Photos already sent (the same shot used twice) stay sent.
 */
export async function queueReferenced(db: CadenasDB, shas: readonly string[]): Promise<void> {
  for (const sha of shas) {
    const row = await db.photos.get(sha);
    if (row && (row.state === "draft" || row.state === "refused")) await db.photos.update(sha, { state: "queued", draftKey: null, error: null });
  }
}

/** "failed": a server fault (5xx) on some photo; it stays queued and the next pass tries again, after a pause. */
export type UploadOutcome = "done" | "offline" | "signed-out" | "failed";

/** How the uploader reaches the server; `fetch` in the browser, a test's own in the chaos tests. */
export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** Small enough that a piece goes through on weak 4G in a second or two; a drop loses at most this much. */
export const PIECE_BYTES = 256 * 1024;
/** Sent photos stay on the phone this long (shown without the network), then only the server has them. */
const KEEP_SENT_MS = 14 * 24 * 3600 * 1000;

/**
 * Sends every queued photo, oldest first, resuming each where the server stands (`GET …/status`). Stops at the
 * first sign of no network, to try again on the next sync. Only a refusal (a 4xx with its reason) is final: the
 * photo is marked with why, and the others go on. A server fault (5xx) leaves the photo queued with what went
 * wrong, the others are tried, and the pass ends "failed" so the next one comes after a pause.
 */
export async function uploadQueued(db: CadenasDB, fetchFn: Fetch = fetch, now: () => Date = () => new Date()): Promise<UploadOutcome> {
  const queued = await db.photos.where("state").equals("queued").sortBy("createdAt");
  let faulted = false;
  for (const photo of queued) {
    const outcome = await uploadOne(db, photo, fetchFn, now);
    if (outcome === "failed") faulted = true;
    else if (outcome !== "done") return outcome;
  }
  await forgetOldSent(db, now());
  return faulted ? "failed" : "done";
}

async function uploadOne(db: CadenasDB, photo: PhotoRow, fetchFn: Fetch, now: () => Date): Promise<UploadOutcome> {
  const url = `/api/blobs/${photo.sha256}`;
  let at: number;
  try {
    const res = await fetchFn(`${url}/status`, { credentials: "same-origin", headers: { accept: "application/json" } });
    if (res.status === 401) return "signed-out";
    if (isFault(res.status)) return fault(db, photo, res);
    if (!res.ok) return refuse(db, photo, await messageOf(res));
    const state = (await res.json()) as { received: number; complete: boolean };
    if (state.complete) return markSent(db, photo, now());
    at = state.received;
  } catch {
    return "offline";
  }
  const blob = await db.blobs.get(photo.sha256);
  if (!blob) return refuse(db, photo, "Les octets de cette photo ne sont plus sur le téléphone.");
  const size = blob.bytes.byteLength;
  if (at !== photo.sent) await db.photos.update(photo.sha256, { sent: at });
  while (at < size) {
    const end = Math.min(size, at + PIECE_BYTES);
    let res: Response;
    try {
      res = await fetchFn(url, {
        method: "PUT",
        credentials: "same-origin",
        headers: { "content-type": "application/octet-stream", "content-range": `bytes ${at}-${end - 1}/${size}`, accept: "application/json" },
        body: blob.bytes.slice(at, end),
      });
    } catch {
      return "offline";
    }
    if (res.status === 401) return "signed-out";
    if (isFault(res.status)) return fault(db, photo, res);
    const body = (await res.json().catch(() => null)) as { received?: number; complete?: boolean; error?: { code: string; message: string; details?: { received?: number } } } | null;
    if (res.status === 409 && typeof body?.error?.details?.received === "number") {
      // The server holds a different amount than we thought (a piece that arrived before a drop): go on from there.
      at = body.error.details.received;
    } else if (!res.ok) {
      return refuse(db, photo, body?.error?.message ?? `Photo refusée par le serveur (${res.status}).`);
    } else if (body?.complete) {
      return markSent(db, photo, now());
    } else {
      at = body?.received ?? end;
    }
    await db.photos.update(photo.sha256, { sent: at });
  }
  return "done";
}

async function markSent(db: CadenasDB, photo: PhotoRow, at: Date): Promise<UploadOutcome> {
  await db.photos.update(photo.sha256, { state: "sent", sent: photo.size, sentAt: at.toISOString(), error: null });
  return "done";
}

/** Not a refusal: the server could not take it now (a fault, or too many requests). Tried again later. */
function isFault(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

async function fault(db: CadenasDB, photo: PhotoRow, res: Response): Promise<UploadOutcome> {
  // Too many (429): the server says which of the user's limits is reached; the photo waits on the phone all the same.
  const error = res.status === 429 ? await messageOf(res) : `Le serveur n'a pas pu la recevoir (${res.status}) : nouvel essai bientôt.`;
  await db.photos.update(photo.sha256, { error });
  return "failed";
}

async function refuse(db: CadenasDB, photo: PhotoRow, error: string): Promise<UploadOutcome> {
  await db.photos.update(photo.sha256, { state: "refused", error });
  return "done";
}

async function messageOf(res: Response): Promise<string> {
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? `Photo refusée par le serveur (${res.status}).`;
}

/** Drops the bytes of photos the server has held for a while; their state row stays (small) for the screens. */
async function forgetOldSent(db: CadenasDB, now: Date): Promise<void> {
  const before = new Date(now.getTime() - KEEP_SENT_MS).toISOString();
  const old = await db.photos.where("state").equals("sent").filter((p) => (p.sentAt ?? "") < before).primaryKeys();
  if (old.length > 0) await db.blobs.bulkDelete(old);
}

import { photosOfPayload } from "../../shared/floor/photos";
import { getMeta, type CadenasDB, type Meta, type OutboxEntry, type PhotoRow, type RejectedEntry } from "./db";
import { toMutation } from "./sync";
import { debtorConcerned, shown, summaryOf } from "./views";

/**
 * What the status bar shows, read from the phone's store in one go so the counts appear together: what waits to
 * be sent, what the server refused, what was set aside, and how the last sync went.
 */
export interface SyncStatus {
  /** Actions waiting to be sent (not counting those set aside). */
  pending: number;
  photosQueued: number;
  /** Actions set aside after repeated server faults: kept, tried again, the office told. */
  setAside: SetAsideLine[];
  /** Actions the server refused, until the user has read them. */
  rejected: RejectedEntry[];
  /** Photos the server refused that the user has not read about yet. */
  refusedPhotos: RefusedPhoto[];
  lastSyncAt: string | null;
  /** Whether this phone has finished a whole pull for its user: before that, "nothing to send" is not "up to date". */
  pulled: boolean;
  problem: string | null;
  lastOutcome: Meta["lastOutcome"] | null;
}

export interface SetAsideLine {
  id: string;
  /** The history line the phone shows for it, and whom it is about. */
  summary: string;
  debtorName: string | null;
  happenedAt: string;
  faults: number;
  lastError: string | null;
  setAsideAt: string | null;
}

export interface RefusedPhoto {
  sha256: string;
  /** Why the server refused it, as it said. */
  reason: string;
  takenAt: string;
  /** The action it was taken with, and whom it is about, when the phone still knows. */
  action: string | null;
  debtorName: string | null;
}

/**
 * "offline" | "pending" | "problem" | "first-sync" | "synced": one word for the bar's state, what the end-to-end
 * tests wait on. "synced" means nothing is waiting and the phone holds the server's copy.
 */
export type SyncState = "offline" | "pending" | "problem" | "first-sync" | "synced";

export function syncStateOf(status: SyncStatus, online: boolean): SyncState {
  if (!online || status.lastOutcome === "offline") return "offline";
  if (status.pending + status.photosQueued > 0) return "pending";
  if (status.problem || status.setAside.length > 0 || status.refusedPhotos.length > 0) return "problem";
  if (!status.pulled) return "first-sync";
  return "synced";
}

export async function readSyncStatus(db: CadenasDB, userId: string): Promise<SyncStatus> {
  const [outbox, rejected, photosQueued, refused, lastSyncAt, problem, lastOutcome, cursor] = await Promise.all([
    db.outbox.where("userId").equals(userId).toArray(),
    db.rejected.where("userId").equals(userId).sortBy("seq"),
    db.photos.where("state").equals("queued").count(),
    db.photos
      .where("state")
      .equals("refused")
      .filter((p) => !p.refusalSeen)
      .sortBy("createdAt"),
    getMeta(db, "lastSyncAt"),
    getMeta(db, "syncProblem"),
    getMeta(db, "lastOutcome"),
    getMeta(db, "cursor"),
  ]);
  const setAside = outbox.filter((e) => e.status === "set-aside").sort((a, b) => a.seq - b.seq);
  return {
    pending: outbox.filter((e) => e.status === "pending").length,
    photosQueued,
    setAside: await Promise.all(setAside.map((e) => setAsideLine(db, e))),
    rejected,
    // Which action a photo belongs to is looked for only when one was refused (rare).
    refusedPhotos: await Promise.all(refused.map((p) => refusedPhoto(db, p, outbox))),
    lastSyncAt: lastSyncAt ?? null,
    pulled: cursor !== null && cursor !== undefined,
    problem: problem ?? null,
    lastOutcome: lastOutcome ?? null,
  };
}

/** The user has read why the server refused this action: it leaves the list. */
export async function dismissRejected(db: CadenasDB, id: string): Promise<void> {
  await db.rejected.delete(id);
}

/** The user has read why the server refused this photo: the bar stops naming it. */
export async function dismissRefusedPhoto(db: CadenasDB, sha256: string): Promise<void> {
  await db.photos.update(sha256, { refusalSeen: true });
}

/** Puts a refused photo back in the upload queue (the refusal may have been lifted at the office). */
export async function sendRefusedPhotoAgain(db: CadenasDB, sha256: string): Promise<void> {
  await db.photos
    .where("sha256")
    .equals(sha256)
    .filter((p) => p.state === "refused")
    .modify({ state: "queued", error: null, refusalSeen: false });
}

async function setAsideLine(db: CadenasDB, e: OutboxEntry): Promise<SetAsideLine> {
  const m = toMutation(e);
  const debtor = await debtorConcerned(db, m);
  return {
    id: e.id,
    summary: await summaryOf(db, m),
    debtorName: debtor ? shown(debtor).name : null,
    happenedAt: e.happenedAt,
    faults: e.faults ?? 0,
    lastError: e.lastError,
    setAsideAt: e.setAsideAt ?? null,
  };
}

async function refusedPhoto(db: CadenasDB, p: PhotoRow, outbox: OutboxEntry[]): Promise<RefusedPhoto> {
  const base = { sha256: p.sha256, reason: p.error ?? "Refusée par le serveur.", takenAt: p.createdAt };
  const unsent = outbox.find((e) => photosOfPayload(e.payload).includes(p.sha256));
  if (unsent) {
    const m = toMutation(unsent);
    const debtor = await debtorConcerned(db, m);
    return { ...base, action: await summaryOf(db, m), debtorName: debtor ? shown(debtor).name : null };
  }
  let found: { action: string; debtorName: string } | null = null;
  await db.debtors
    .filter((row) => shown(row).history.some((h) => h.photos?.includes(p.sha256)))
    .first()
    .then((row) => {
      if (!row) return;
      const doc = shown(row);
      found = { action: doc.history.find((h) => h.photos?.includes(p.sha256))!.text, debtorName: doc.name };
    });
  return { ...base, action: null, debtorName: null, ...(found ?? {}) };
}

import { db } from "./index";
import { getMeta, type DebtorRow } from "./db";
import { debtorRowsQuery } from "./list-rows";
import { useLive } from "./live";
import { shown } from "./views";

/*
 * What the screens read from the phone's store, as live signals that follow it. Screens import these and never
 * Dexie itself, so the store stays the one place that knows how IndexedDB is laid out.
 */

/**
 * Every debtor the phone holds, each as a list shows them: `derive` turns a stored row (the server's copy and the
 * copy with unsent actions laid over it) into the list's line, given `source` (the day, say); a new source derives
 * every row again.
 */
export function useDebtorList<S, T>(source: () => S, derive: (row: DebtorRow, source: S) => T) {
  let current: { source: S; read: () => Promise<T[]> } | undefined;
  return useLive(source, (s) => {
    if (current?.source !== s) current = { source: s, read: debtorRowsQuery(db, (row) => derive(row, s)) };
    return current.read();
  });
}

/** Every debtor the phone holds, as the screens show them (unsent actions laid over). */
export function useShownDebtors() {
  return useLive(
    () => null,
    async () => (await db.debtors.toArray()).map(shown),
  );
}

/** One debtor's stored row; null when the phone does not hold them. */
export function useDebtorRow(customerId: () => string) {
  return useLive(customerId, (id) => db.debtors.get(id).then((r) => r ?? null));
}

/** When the phone last finished a sync; undefined or null before the first one. */
export function useLastSyncAt() {
  return useLive(
    () => null,
    () => getMeta(db, "lastSyncAt"),
  );
}

/** Actions on this phone not yet confirmed by the server, whoever made them. */
export function useUnsentCount() {
  return useLive(
    () => null,
    () => db.outbox.count(),
  );
}

/**
 * The actions on this phone the server has not received (waiting or set aside; not those it acknowledged), and
 * whose they are (initials): the sign-in screen names them after a session ended, a deactivated account's included.
 */
export async function unsentOnPhone(): Promise<{ count: number; authors: string[] }> {
  const unsent = await db.outbox.filter((e) => e.status !== "acked").toArray();
  return { count: unsent.length, authors: [...new Set(unsent.map((e) => e.actor.initials))].sort() };
}

/** The same, for one user, read once (the question before signing out). */
export function countUnsent(userId: string): Promise<number> {
  return db.outbox.where("userId").equals(userId).count();
}

/** The photos taken so far in a form (`draftKey`), oldest first: they survive the app being closed mid-form. */
export function useDraftPhotos(draftKey: () => string) {
  return useLive(draftKey, (key) =>
    db.photos
      .where("draftKey")
      .equals(key)
      .filter((p) => p.state === "draft")
      .sortBy("createdAt"),
  );
}

/** Where each of these photos stands on this phone (undefined for a photo this phone never held). */
export function usePhotoStates<S>(source: () => S, shas: (s: S) => readonly string[]) {
  return useLive(source, async (s) => {
    const all = shas(s);
    return { shas: all, rows: await db.photos.bulkGet([...all]) };
  });
}

/** One photo's state on this phone. */
export function usePhoto(sha256: () => string) {
  return useLive(sha256, (sha) => db.photos.get(sha));
}

/** A photo's bytes as this phone keeps them, or undefined once they were dropped after sending. */
export async function photoBytes(sha256: string): Promise<{ bytes: ArrayBuffer; mime: string } | undefined> {
  return db.blobs.get(sha256);
}

/** Keeps a photo just taken as a draft of the form `draftKey` (the upload code loads with the first photo). */
export async function keepPhotoDraft(...args: DropFirst<Parameters<typeof import("./photos").keepDraft>>): Promise<void> {
  const { keepDraft } = await import("./photos");
  await keepDraft(db, ...args);
}

/** Throws away a draft photo the user removed from a form before saving it. */
export async function discardPhotoDraft(sha256: string): Promise<void> {
  const { discardDraft } = await import("./photos");
  await discardDraft(db, sha256);
}

type DropFirst<T extends unknown[]> = T extends [unknown, ...infer Rest] ? Rest : never;

/** The office's templates offered on the message sheet and the sites they name; null before a pull brought them. */
export function useFloorMessaging() {
  return useLive(
    () => null,
    async () => (await getMeta(db, "floorMessaging")) ?? null,
  );
}

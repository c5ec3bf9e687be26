import { createSignal } from "solid-js";
import type { ActorContext } from "../../shared/floor/apply";
import type { Mutation, MutationKind, MutationPayload } from "../../shared/schemas/mutations";
import { settings, signOutLocally, user } from "../session";
import { CadenasDB, setMeta, type DebtorRow } from "./db";
import { startSyncScheduler, type SyncScheduler } from "./scheduler";
import { useLive } from "./live";
import { ACCEPT_LINES, answerOf } from "./ndjson";
import { dismissRefusedPhoto, dismissRejected, readSyncStatus, sendRefusedPhotoAgain } from "./status";
import { SyncEngine, type SyncOutcome, type SyncUser, type TransportAnswer } from "./sync";

/** The phone's database and its sync loop, one for the app. */
export const db = new CadenasDB();
const engine = new SyncEngine(db, {
  async post(path, body): Promise<TransportAnswer> {
    try {
      const res = await fetch(path, {
        method: "POST",
        credentials: "same-origin",
        // A pull page comes as lines, parsed as they arrive (see ./ndjson): one JSON parse of it is a long frame on a phone.
        headers: { "content-type": "application/json", accept: path === "/api/sync/pull" ? ACCEPT_LINES : "application/json" },
        body: JSON.stringify(body),
      });
      return await answerOf(res);
    } catch (e) {
      return { ok: false, error: String(e) };
    }
  },
});

/** One pass: the actions and debtors first (small, what the screens wait for), then the photos. */
const pass = {
  async syncOnce(u: SyncUser): Promise<SyncOutcome> {
    const outcome = await engine.syncOnce(u);
    if (outcome === "offline" || outcome === "signed-out") return outcome;
    const { uploadQueued } = await import("./photos");
    const uploaded = await uploadQueued(db);
    return uploaded === "done" ? outcome : uploaded;
  },
};

let scheduler: SyncScheduler | undefined;
const [started, setStarted] = createSignal(false);
export { started as syncStarted };

/**
 * Asks the browser to keep the phone's data (unsent actions, photos not yet sent) when space runs short; Safari
 * otherwise deletes it after 7 days without use unless the app is installed.
 */
function askToKeepData(): void {
  void navigator.storage
    ?.persisted?.()
    .then((kept) => kept || navigator.storage.persist())
    .catch(() => undefined);
}

/** Starts syncing for the signed-in user (idempotent). */
export function startSync(): void {
  if (scheduler) return scheduler.soon();
  askToKeepData();
  scheduler = startSyncScheduler(
    pass,
    () => {
      const u = user();
      return u ? { userId: u.id } : null;
    },
    () => signOutLocally(),
  );
  setStarted(true);
}

export function syncNow(): void {
  scheduler?.soon();
}

/**
 * Records a floor action for the signed-in user and asks for a sync. The recorder (and the schema check it
 * does) loads with the first action, keeping it out of the first screen's download.
 */
export async function act<K extends MutationKind>(kind: K, payload: MutationPayload<K>) {
  const u = user();
  if (!u) throw new Error("not signed in");
  const { recordAction } = recorder ?? (await loadRecorder());
  let drawn: Mutation | undefined;
  try {
    const mutation = await recordAction(db, { userId: u.id, initials: u.initials, timeZone: settings().timeZone }, kind, payload, new Date(), {
      saving: (m, actor) => {
        drawn = m;
        tell({ phase: "saving", mutation: m, actor });
      },
      saved: (row, m) => tell({ phase: "saved", row, mutation: m }),
    });
    syncNow();
    return mutation;
  } catch (e) {
    if (drawn) tell({ phase: "failed", mutation: drawn });
    throw e;
  }
}

/**
 * Where a floor action stands, for the screen it came from: `saving` as soon as it is checked (the screen draws
 * it at once, marked as being saved: a strict IndexedDB commit takes more than a frame on a phone), `saved` with
 * the debtor's new row once committed (drawn in the same frame, before the live queries read it back), `failed`
 * if the write did not happen (the screen goes back to what is stored).
 */
export type ActionProgress =
  | { phase: "saving"; mutation: Mutation; actor: ActorContext }
  | { phase: "saved"; row: DebtorRow; mutation: Mutation }
  | { phase: "failed"; mutation: Mutation };

const actionListeners = new Set<(progress: ActionProgress) => void>();

function tell(progress: ActionProgress): void {
  for (const listener of actionListeners) listener(progress);
}

/** Follows the floor actions taken on this phone (see `ActionProgress`). Returns the unsubscribe. */
export function onAction(listener: (progress: ActionProgress) => void): () => void {
  actionListeners.add(listener);
  return () => actionListeners.delete(listener);
}

let recorder: typeof import("./record") | undefined;

/** The recorder module, kept once loaded: awaiting `import()` again would cost a task, a frame on a phone, every tap. */
async function loadRecorder(): Promise<typeof import("./record")> {
  recorder = await import("./record");
  return recorder;
}

/** Loads the recorder ahead of the first action, once a screen with actions is open (no wait on the first tap). */
export function preloadRecorder(): void {
  const load = () => void loadRecorder();
  if ("requestIdleCallback" in window) requestIdleCallback(load, { timeout: 2_000 });
  else setTimeout(load, 200);
}

/** On sign-out: forget the debtors (a shared phone must not show them to the next user); keep unsent actions. */
export async function forgetDebtors(): Promise<void> {
  await db.transaction("rw", db.debtors, db.meta, async () => {
    await db.debtors.clear();
    await setMeta(db, "cursor", null);
  });
}

/** What the status bar shows for this user (counts, set-aside and refused items), live; undefined until read. */
export function useSyncStatus(userId: () => string) {
  return useLive(userId, (id) => readSyncStatus(db, id));
}

/** The user read why the server refused an action, or a photo. */
export const dismissRejectedAction = (id: string) => dismissRejected(db, id);
export const dismissPhotoRefusal = (sha256: string) => dismissRefusedPhoto(db, sha256);
export const sendPhotoAgain = async (sha256: string) => {
  await sendRefusedPhotoAgain(db, sha256);
  syncNow();
};

/** The user asked to try the set-aside actions again now, not at the next hour. */
export function retrySetAsideNow(): void {
  engine.retrySetAsideSoon();
  syncNow();
}

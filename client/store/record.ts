import Dexie from "dexie";
import { v7 as uuidv7 } from "uuid";
import { applyToDoc, type ActorContext } from "../../shared/floor/apply";
import { photosOfPayload } from "../../shared/floor/photos";
import { MUTATION_VERSION, Mutation, type MutationKind, type MutationPayload } from "../../shared/schemas/mutations";
import { getMeta, setMeta, type CadenasDB, type OutboxEntry } from "./db";
import { queueReferenced } from "./photos";
import { toMutation } from "./sync";
import { debtorConcerned, refreshViews } from "./views";

/**
 * What a screen may follow of one recording: `saving` once the action is checked and about to be written (the
 * screen may draw it, marked as being saved), `saved` once its transaction has committed (durably stored: the line
 * may say « en attente d'envoi »). The debtor's stored copy shows it a moment later (`showOnDebtor`).
 */
export interface RecordHooks {
  saving?(mutation: Mutation, actor: ActorContext): void;
  saved?(mutation: Mutation): void;
}

export interface Who {
  userId: string;
  initials: string;
  timeZone: string;
}

/**
 * Records one floor action: the mutation goes to the outbox, in a strict transaction that reads nothing, so what
 * the user sees saved is saved as soon as the disk allows; its effect onto the debtor follows in a second
 * transaction (the debtor's copy is derived from its base and the outbox: see `refreshViews`). The mutation is
 * checked against the same schema the server uses; an invalid one throws and nothing is written. The photos it
 * names leave their form for the upload queue with it.
 *
 * Why no read: each answer from IndexedDB is a task on the main thread, which on a phone waits behind the frame
 * that draws the new line; a transaction that read before writing committed only after that frame (p95 50 ms at
 * CPU ×4, against 33). The last `seq` is kept in memory instead (`lastSeq`), and a `seq` another tab took makes the
 * outbox refuse the entry (its key): then the seq is read again and the action stored with the next one.
 */
export async function recordAction<K extends MutationKind>(
  db: CadenasDB,
  who: Who,
  kind: K,
  payload: MutationPayload<K>,
  now = new Date(),
  hooks: RecordHooks = {},
): Promise<Mutation> {
  // The schema check needs a seq; the real one is set when it is stored.
  const withOriginals = await addOriginals(db, payload);
  const checked = Mutation.parse({ id: uuidv7(), seq: 1, v: MUTATION_VERSION, kind, payload: withOriginals, happenedAt: now.toISOString() });
  const actor: ActorContext = { initials: who.initials, timeZone: who.timeZone, userId: who.userId };
  const last = await lastSeq(db);
  let stored = store(db, { ...checked, seq: last + 1 } as Mutation, who, actor);
  // A strict commit takes longer than a frame on a phone: the screen draws the action now, while its writes are
  // under way, and says it is saved only when `saved` comes.
  try {
    hooks.saving?.(checked, actor);
  } catch (e) {
    // The action is being stored all the same: a screen that failed to draw it must not make it look unsaved.
    console.error("[store] drawing an action being saved failed", e);
  }
  let saved: Mutation;
  try {
    saved = await stored;
  } catch (e) {
    if (!seqTaken(e)) throw e;
    // Another tab of the app took that seq: read where the outbox stands, and store it after.
    stored = store(db, { ...checked, seq: (await storedSeq(db)) + 1 } as Mutation, who, actor);
    saved = await stored;
  }
  // For the tap-latency benchmark: when the action was durably stored (the DOM change comes after).
  performance.mark("cadenas:saved");
  hooks.saved?.(saved);
  try {
    await showOnDebtor(db, saved, who.userId);
  } catch (e) {
    // Stored all the same; the debtor's copy is made again from the outbox at the next start (`showUnsentOnDebtors`).
    console.error("[store] showing an action on its debtor failed", e);
  }
  return saved;
}

/** The outbox refused the entry's key: another tab stored that seq (Dexie reports it, or the abort it caused). */
function seqTaken(e: unknown): boolean {
  const named = (x: unknown) => (x as { name?: unknown } | null)?.name === "ConstraintError";
  return e instanceof Dexie.ConstraintError || named(e) || named((e as { inner?: unknown } | null)?.inner);
}

/**
 * Writes the outbox entry and the last seq, and queues the photos the action names, in one strict transaction.
 * With no photo, every request is sent as the transaction opens and the transaction is committed at once (Dexie
 * commits a read-write transaction when its scope returns), so the commit never waits for the main thread.
 */
function store(db: CadenasDB, mutation: Mutation, who: Who, actor: ActorContext): Promise<Mutation> {
  const customerId = "customerId" in mutation.payload ? (mutation.payload as { customerId: string }).customerId : null;
  const entry: OutboxEntry = { ...mutation, userId: who.userId, actor, customerId, status: "pending", attempts: 0, lastError: null };
  const photos = photosOfPayload(mutation.payload);
  const tables = photos.length > 0 ? [db.outbox, db.meta, db.photos] : [db.outbox, db.meta];
  return db
    .transaction("rw", tables, () => {
      // The entry's write is what the transaction stands or falls by: the seq's meta write only fails with it (its
      // abort), which the transaction's own failure reports.
      const writes = [db.outbox.add(entry), setMeta(db, "seq", mutation.seq).catch(() => undefined)];
      return photos.length > 0 ? Promise.all([...writes, queueReferenced(db, photos)]) : undefined;
    })
    .then(() => {
      noteSeq(db, mutation.seq, true);
      return mutation;
    });
}

/**
 * The action's effect on its debtor's stored copy, which the screens read: the copy made again from the base and
 * the user's unsent actions, the entry told which debtor it is about (a unit's or a task's action names none).
 */
async function showOnDebtor(db: CadenasDB, mutation: Mutation, userId: string): Promise<void> {
  await db.transaction("rw", db.debtors, db.outbox, async () => {
    const row = await debtorConcerned(db, mutation);
    if (!row) return;
    if (!("customerId" in mutation.payload)) await db.outbox.update(mutation.seq, { customerId: row.customerId });
    await refreshViews(db, [row.customerId], userId);
  });
}

/**
 * At the app's start: the actions stored whose debtor's copy does not show them (the app closed between the two
 * transactions of `recordAction`) are shown now. Reads a handful of rows; writes only when one is missing.
 */
export async function showUnsentOnDebtors(db: CadenasDB, userId: string): Promise<number> {
  const unsent = await db.outbox.where("userId").equals(userId).toArray();
  let shownNow = 0;
  for (const entry of unsent) {
    const row = entry.customerId ? await db.debtors.get(entry.customerId) : await debtorConcerned(db, toMutation(entry));
    if (!row || (row.view ?? row.base).history.some((h) => h.id === entry.id)) continue;
    await showOnDebtor(db, toMutation(entry), userId);
    shownNow++;
  }
  return shownNow;
}

/** The last seq given on this phone, per database: read once, then kept as this tab gives them and others say. */
const lastSeqs = new WeakMap<CadenasDB, number>();
const seqChannels = new WeakMap<CadenasDB, BroadcastChannel>();

async function lastSeq(db: CadenasDB): Promise<number> {
  const known = lastSeqs.get(db);
  if (known !== undefined) return known;
  noteSeq(db, await storedSeq(db), false);
  return lastSeqs.get(db)!;
}

/** Where the phone's seq stands in IndexedDB: the meta key, or the outbox's last entry if it is further. */
async function storedSeq(db: CadenasDB): Promise<number> {
  const [meta, lastEntry] = await Promise.all([getMeta(db, "seq"), db.outbox.orderBy("seq").lastKey()]);
  return Math.max(meta ?? 0, typeof lastEntry === "number" ? lastEntry : 0);
}

/** Keeps a seq as given (`tell`: this tab gave it, the other tabs of the app hear of it). */
function noteSeq(db: CadenasDB, seq: number, tell: boolean): void {
  lastSeqs.set(db, Math.max(seq, lastSeqs.get(db) ?? 0));
  if (typeof BroadcastChannel === "undefined") return;
  let channel = seqChannels.get(db);
  if (!channel) {
    channel = new BroadcastChannel(`cadenas-seq:${db.name}`);
    channel.onmessage = (e: MessageEvent<number>) => typeof e.data === "number" && lastSeqs.set(db, Math.max(e.data, lastSeqs.get(db) ?? 0));
    // Node (the tests) would otherwise wait on the channel before exiting.
    (channel as { unref?: () => void }).unref?.();
    seqChannels.set(db, channel);
  }
  if (tell) channel.postMessage(seq);
}

/** Reads the last seq ahead of the first action (a screen with actions opened), so the first tap reads nothing. */
export async function warmRecorder(db: CadenasDB): Promise<void> {
  await lastSeq(db);
}

/**
 * The camera originals of the photos a payload names (their SHA-256 and EXIF, kept with each photo when it was
 * taken), added as `originals` so they reach the evidence chain; screens never handle them. A payload without
 * photos is read nothing from IndexedDB.
 */
async function addOriginals<P>(db: CadenasDB, payload: P): Promise<P> {
  const shas = photosOfPayload(payload);
  if (shas.length === 0) return payload;
  const rows = await db.photos.bulkGet(shas);
  const originals = Object.fromEntries(rows.flatMap((r) => (r?.original ? [[r.sha256, r.original]] : [])));
  return Object.keys(originals).length > 0 ? { ...payload, originals } : payload;
}

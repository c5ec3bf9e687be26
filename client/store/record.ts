import { v7 as uuidv7 } from "uuid";
import { applyToDoc, type ActorContext } from "../../shared/floor/apply";
import { photosOfPayload } from "../../shared/floor/photos";
import { MUTATION_VERSION, Mutation, type MutationKind, type MutationPayload } from "../../shared/schemas/mutations";
import { getMeta, setMeta, type CadenasDB, type DebtorRow, type OutboxEntry } from "./db";
import { stampRow } from "./stamp";
import { queueReferenced } from "./photos";
import { debtorConcerned } from "./views";

/**
 * What a screen may follow of one recording: `saving` once the action is checked and about to be written (the
 * screen may draw it, marked as being saved), `saved` once its transaction has committed, with the debtor as it now
 * shows (if the phone holds them).
 */
export interface RecordHooks {
  saving?(mutation: Mutation, actor: ActorContext): void;
  saved?(row: DebtorRow, mutation: Mutation): void;
}

export interface Who {
  userId: string;
  initials: string;
  timeZone: string;
}

/**
 * Records one floor action: the mutation goes to the outbox and its effect onto the debtor, in one strict
 * transaction, so what the user sees saved is saved. The mutation is checked against the same schema the server
 * uses; an invalid one throws and nothing is written. The photos it names leave their form for the upload queue
 * in the same transaction.
 */
export async function recordAction<K extends MutationKind>(
  db: CadenasDB,
  who: Who,
  kind: K,
  payload: MutationPayload<K>,
  now = new Date(),
  hooks: RecordHooks = {},
): Promise<Mutation> {
  // The schema check needs a seq; the real one is set below, inside the transaction.
  const withOriginals = await addOriginals(db, payload);
  const checked = Mutation.parse({ id: uuidv7(), seq: 1, v: MUTATION_VERSION, kind, payload: withOriginals, happenedAt: now.toISOString() });
  const actor: ActorContext = { initials: who.initials, timeZone: who.timeZone, userId: who.userId };
  let updated: DebtorRow | undefined;
  const photos = photosOfPayload(checked.payload);
  const drawing = (m: Mutation, by: ActorContext) => {
    try {
      hooks.saving?.(m, by);
    } catch (e) {
      // The action is being stored all the same: a screen that failed to draw it must not make it look unsaved.
      console.error("[store] drawing an action being saved failed", e);
    }
  };
  const transaction = db.transaction("rw", [db.outbox, db.debtors, db.meta, db.photos], async () => {
    // Requests are sent together, not one after the other: each wait for IndexedDB is a round trip to the
    // browser's storage process, and a tap must be saved and shown within a frame or two.
    const [lastSeq, row] = await Promise.all([getMeta(db, "seq"), debtorConcerned(db, checked)]);
    const mutation = { ...checked, seq: (lastSeq ?? 0) + 1 } as Mutation;
    const entry: OutboxEntry = { ...mutation, userId: who.userId, actor, customerId: row?.customerId ?? null, status: "pending", attempts: 0, lastError: null };
    updated = row ? stampRow({ ...row, view: applyToDoc(row.view ?? row.base, mutation, actor) }) : undefined;
    await Promise.all([
      db.outbox.add(entry),
      setMeta(db, "seq", mutation.seq),
      updated ? db.debtors.put(updated) : undefined,
      photos.length > 0 ? queueReferenced(db, photos) : undefined,
    ]);
    return mutation;
  });
  // A strict commit takes longer than a frame on a phone: the screen draws the action now, while the transaction's
  // first reads (sent above, as it opened) are under way, and says it is saved only when `saved` comes.
  drawing(checked, actor);
  const saved = await transaction;
  // For the tap-latency benchmark: when the action was durably stored (the DOM change comes after).
  performance.mark("cadenas:saved");
  if (updated) hooks.saved?.(updated, saved);
  return saved;
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

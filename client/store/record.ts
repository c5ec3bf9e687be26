import { v7 as uuidv7 } from "uuid";
import { applyToDoc } from "../../shared/floor/apply";
import { photosOfPayload } from "../../shared/floor/photos";
import { MUTATION_VERSION, Mutation, type MutationKind, type MutationPayload } from "../../shared/schemas/mutations";
import { getMeta, setMeta, type CadenasDB, type DebtorRow, type OutboxEntry } from "./db";
import { queueReferenced } from "./photos";
import { debtorConcerned } from "./views";

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
  /** Called once the transaction has committed, with the debtor as it now shows (if the phone holds them). */
  onSaved?: (row: DebtorRow) => void,
): Promise<Mutation> {
  // The schema check needs a seq; the real one is set below, inside the transaction.
  const checked = Mutation.parse({ id: uuidv7(), seq: 1, v: MUTATION_VERSION, kind, payload, happenedAt: now.toISOString() });
  const actor = { initials: who.initials, timeZone: who.timeZone, userId: who.userId };
  let updated: DebtorRow | undefined;
  const photos = photosOfPayload(checked.payload);
  const saved = await db.transaction("rw", [db.outbox, db.debtors, db.meta, db.photos], async () => {
    // Requests are sent together, not one after the other: each wait for IndexedDB is a round trip to the
    // browser's storage process, and a tap must be saved and shown within a frame or two.
    const [lastSeq, row] = await Promise.all([getMeta(db, "seq"), debtorConcerned(db, checked)]);
    const mutation = { ...checked, seq: (lastSeq ?? 0) + 1 } as Mutation;
    const entry: OutboxEntry = { ...mutation, userId: who.userId, actor, customerId: row?.customerId ?? null, status: "pending", attempts: 0, lastError: null };
    updated = row ? { ...row, view: applyToDoc(row.view ?? row.base, mutation, actor) } : undefined;
    await Promise.all([
      db.outbox.add(entry),
      setMeta(db, "seq", mutation.seq),
      updated ? db.debtors.put(updated) : undefined,
      photos.length > 0 ? queueReferenced(db, photos) : undefined,
    ]);
    return mutation;
  });
  // For the tap-latency benchmark: when the action was durably stored (the DOM change comes after).
  performance.mark("cadenas:saved");
  if (updated) onSaved?.(updated);
  return saved;
}



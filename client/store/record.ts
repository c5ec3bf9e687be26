import { v7 as uuidv7 } from "uuid";
import { applyToDoc } from "../../shared/floor/apply";
import { MUTATION_VERSION, Mutation, type MutationKind, type MutationPayload } from "../../shared/schemas/mutations";
import { getMeta, setMeta, type CadenasDB, type OutboxEntry } from "./db";
import { debtorConcerned } from "./views";

export interface Who {
  userId: string;
  initials: string;
  timeZone: string;
}

/**
 * Records one floor action: the mutation goes to the outbox and its effect onto the debtor, in one strict
 * transaction, so what the user sees saved is saved. The mutation is checked against the same schema the server
 * uses; an invalid one throws and nothing is written.
 */
export async function recordAction<K extends MutationKind>(db: CadenasDB, who: Who, kind: K, payload: MutationPayload<K>, now = new Date()): Promise<Mutation> {
  return db.transaction("rw", db.outbox, db.debtors, db.meta, async () => {
    const seq = ((await getMeta(db, "seq")) ?? 0) + 1;
    const mutation = Mutation.parse({ id: uuidv7(), seq, v: MUTATION_VERSION, kind, payload, happenedAt: now.toISOString() });
    const row = await debtorConcerned(db, mutation);
    const actor = { initials: who.initials, timeZone: who.timeZone };
    const entry: OutboxEntry = { ...mutation, userId: who.userId, actor, customerId: row?.customerId ?? null, status: "pending", attempts: 0, lastError: null };
    await db.outbox.add(entry);
    await setMeta(db, "seq", seq);
    if (row) await db.debtors.put({ ...row, view: applyToDoc(row.view ?? row.base, mutation, actor) });
    return mutation;
  });
}



import { TransactionRollbackError, and, eq, inArray } from "drizzle-orm";
import type { SessionUser } from "../../shared/schemas/auth";
import type { Mutation, PushResponse, PushResult } from "../../shared/schemas/mutations";
import type { Scope } from "../auth/scope";
import type { Database, Transaction } from "../db/client";
import { isTransientDbFault, retryWhileBusy } from "../db/faults";
import { AppError } from "../errors";
import { applyOrThrow, flushActions, newBatchState, prepareBatch, Refusal, type ApplyContext, type Outcome } from "./apply";
import { markCustomersChanged } from "./changes";
import { processedMutations, syncClients } from "./sync.sql";

export interface PushRequest {
  user: SessionUser;
  scope: Scope;
  clientId: string;
  mutations: Mutation[];
  now: Date;
  timeZone: string;
  /** The phone's count of unsent actions, when it says it. */
  pending?: number;
}

/**
 * Applies a phone's batch in its order (`seq`), each mutation exactly once: its effect and the record that it was
 * processed are written together, in one transaction for the batch, so a crash anywhere leaves either both or
 * neither and a retry is answered `duplicate`.
 *
 * A batch is first applied straight through. If any mutation throws, that attempt is rolled back whole and the
 * batch is applied again with a savepoint a mutation, so a refusal undoes only its own mutation's writes and never
 * holds the later ones back. Refusals are rare; savepoints on every mutation of every batch cost a third of a
 * push's time.
 *
 * Only a refusal (a rule of the domain) is an outcome. Any other fault (a bug, a disk error, a constraint met
 * mid-batch) fails the whole request and rolls the whole batch back: nothing is recorded, the answer
 * (`MUTATION_FAULT`, 500) names the mutation that faulted, and the phone sends it again later. A database kept
 * locked by other work is nobody's mutation's fault: `SERVER_BUSY` (503), naming none.
 *
 * Exactly-once rests on `processed_mutations` alone (by id): a mutation never processed is applied whatever its
 * `seq`, so one the phone set aside is accepted after later ones went through.
 */
export async function pushMutations(db: Database, req: PushRequest): Promise<PushResponse> {
  try {
    // The batch is rolled back whole when the database is busy: it is tried again, as the phone would.
    return await retryWhileBusy(async () => {
      try {
        return await pushBatch(db, req, "straight");
      } catch (e) {
        if (!(e instanceof RetryWithSavepoints)) throw e;
        return await pushBatch(db, req, "savepoints");
      }
    });
  } catch (e) {
    if (e instanceof MutationFault) {
      console.error(`[sync] mutation ${e.mutation.id} (${e.mutation.kind}) failed; nothing of the batch recorded`, e.cause);
      throw new AppError("MUTATION_FAULT", `Mutation ${e.mutation.id} met a server fault; nothing of the batch was recorded. Send it again later.`, {
        mutationId: e.mutation.id,
        seq: e.mutation.seq,
        kind: e.mutation.kind,
      });
    }
    if (isBusy(e)) throw new AppError("SERVER_BUSY", "The database is busy; nothing of the batch was recorded. Send it again shortly.", undefined, { "retry-after": "5" });
    throw e;
  }
}

/**
 * Tests only: called before each mutation is applied, inside the batch's transaction, to make a fault happen
 * there (throw) or to let another connection take the database's write lock (await). Null in production.
 */
export type FaultHook = (m: Mutation) => void | Promise<void>;
let faultHook: FaultHook | null = null;
export function injectFaults(hook: FaultHook | null): void {
  faultHook = hook;
}

class RetryWithSavepoints extends Error {}

/** A fault (not a refusal) while applying `mutation`: the whole request fails, nothing of the batch is recorded. */
class MutationFault extends Error {
  constructor(
    readonly mutation: Mutation,
    cause: unknown,
  ) {
    super(`mutation ${mutation.id} faulted`, { cause });
  }
}

/**
 * The database, not a mutation, failed: locked by another connection past the busy timeout, or a libSQL server that
 * rolled the batch's transaction back, timed it out or answered 5xx (db/faults.ts), however it is wrapped.
 */
const isBusy = isTransientDbFault;

async function pushBatch(db: Database, req: PushRequest, mode: "straight" | "savepoints"): Promise<PushResponse> {
  const ordered = [...req.mutations].sort((a, b) => a.seq - b.seq);
  const results = new Map<string, PushResult>();

  const lastSeq = await db.transaction(async (tx) => {
    const client = await claimClient(tx, req);
    let lastSeq = client.lastSeq;
    const seen = await tx
      .select()
      .from(processedMutations)
      .where(
        inArray(
          processedMutations.id,
          ordered.map((m) => m.id),
        ),
      );
    const before = new Map(seen.map((p) => [p.id, p]));
    const ctx: ApplyContext = { tx, user: req.user, scope: req.scope, clientId: req.clientId, now: req.now, timeZone: req.timeZone, batch: newBatchState() };
    await prepareBatch(
      ctx,
      ordered.filter((m) => !before.has(m.id)),
    );
    const processed: (typeof processedMutations.$inferInsert)[] = [];

    for (const m of ordered) {
      const earlier = before.get(m.id);
      if (earlier) {
        results.set(m.id, {
          id: m.id,
          status: "duplicate",
          original: earlier.outcome,
          ...(earlier.reasonCode ? { reason: { code: earlier.reasonCode, message: earlier.reasonMessage ?? "" } } : {}),
        });
        continue;
      }
      if (results.has(m.id)) continue; // the same mutation twice in one batch
      const outcome = mode === "straight" ? await applyStraight(ctx, m) : await applyInSavepoint(tx, ctx, m);
      processed.push({
        id: m.id,
        clientId: req.clientId,
        seq: m.seq,
        kind: m.kind,
        outcome: outcome.outcome,
        reasonCode: outcome.outcome === "rejected" ? outcome.reason.code : null,
        reasonMessage: outcome.outcome === "rejected" ? outcome.reason.message : null,
        processedAt: req.now.toISOString(),
      });
      lastSeq = Math.max(lastSeq, m.seq);
      results.set(m.id, outcome.outcome === "applied" ? { id: m.id, status: "applied" } : { id: m.id, status: "rejected", reason: outcome.reason });
    }
    if (mode === "straight") await flushActions(ctx).catch((e: unknown) => Promise.reject(isBusy(e) ? e : new RetryWithSavepoints()));
    for (let i = 0; i < processed.length; i += 100) await tx.insert(processedMutations).values(processed.slice(i, i + 100));
    await markCustomersChanged(tx, [...ctx.batch.changed]);
    await tx
      .update(syncClients)
      // The phone counted this batch among its unsent actions; once it is answered, the rest is what still waits.
      .set({ lastSeq, lastSeenAt: req.now.toISOString(), ...(req.pending === undefined ? {} : { reportedPending: Math.max(0, req.pending - req.mutations.length), reportedAt: req.now.toISOString() }) })
      .where(eq(syncClients.id, req.clientId));
    return lastSeq;
  });

  return { results: req.mutations.map((m) => results.get(m.id)!), lastSeq };
}

async function applyStraight(ctx: ApplyContext, m: Mutation): Promise<Outcome> {
  try {
    await faultHook?.(m);
    return await applyOrThrow(ctx, m);
  } catch (e) {
    if (isBusy(e)) throw e;
    // A refusal is undone in its savepoint by the second pass; a fault is named there, where the mutation's own
    // writes are flushed in its savepoint (here an earlier mutation's buffered lines could be the cause).
    throw new RetryWithSavepoints();
  }
}

/**
 * Keeps what a phone said of its unsent actions (with a pull; a push keeps it in its own transaction): the office
 * sees the last count, which matters once the user is deactivated and the phone can no longer send them.
 */
export async function notePending(db: Pick<Database, "update">, req: { clientId: string; userId: string; pending: number; now: Date }): Promise<void> {
  await db
    .update(syncClients)
    .set({ reportedPending: req.pending, reportedAt: req.now.toISOString(), lastSeenAt: req.now.toISOString() })
    .where(and(eq(syncClients.id, req.clientId), eq(syncClients.userId, req.userId)));
}

/** The phone's sync record, made on first contact; a phone's id belongs to the user who first used it. */
export async function claimClient(tx: Pick<Database, "select" | "insert">, req: ClientClaim) {
  const client = await knownClient(tx, req);
  if (client.isNew) await registerClient(tx, client);
  return client;
}

interface ClientClaim {
  clientId: string;
  user: SessionUser;
  now: Date;
}

/** The phone's row, or the one it gets when first seen (`isNew`, not yet written: `registerClient`). */
export async function knownClient(tx: Pick<Database, "select">, req: ClientClaim) {
  const [client] = await tx.select().from(syncClients).where(eq(syncClients.id, req.clientId)).limit(1);
  if (client) {
    if (client.userId !== req.user.id) throw new AppError("CONFLICT", "This client id belongs to another user; start a new client id");
    return { ...client, isNew: false };
  }
  return { id: req.clientId, userId: req.user.id, lastSeq: 0, lastSeenAt: req.now.toISOString(), isNew: true };
}

/** Writes a phone's first row; a second first request of the same phone racing it finds it there. */
export async function registerClient(tx: Pick<Database, "insert">, client: { id: string; userId: string; lastSeq: number; lastSeenAt: string }): Promise<void> {
  const { id, userId, lastSeq, lastSeenAt } = client;
  await tx.insert(syncClients).values({ id, userId, lastSeq, lastSeenAt }).onConflictDoNothing();
}

/**
 * Applies one mutation in a savepoint of the batch's transaction. A refusal rolls back just that mutation, which
 * is answered `rejected`, so one refused mutation never holds every later one back. Any other fault ends the
 * batch (`MutationFault`): it is not the outcome of the user's action.
 */
async function applyInSavepoint(tx: Transaction, ctx: ApplyContext, m: Mutation): Promise<Outcome> {
  let undone: Outcome | null = null;
  return tx
    .transaction(async (sp) => {
      const inner = { ...ctx, tx: sp };
      try {
        await faultHook?.(m);
        const outcome = await applyOrThrow(inner, m);
        await flushActions(inner);
        return outcome;
      } catch (e) {
        ctx.batch.actions.length = 0;
        if (!(e instanceof Refusal)) throw isBusy(e) ? e : new MutationFault(m, e);
        undone = { outcome: "rejected", reason: { code: e.code, message: e.message } };
        sp.rollback();
        throw e;
      }
    })
    .catch((e: unknown): Outcome => {
      if (undone && e instanceof TransactionRollbackError) return undone;
      throw e;
    });
}

import { TransactionRollbackError, eq, inArray } from "drizzle-orm";
import type { SessionUser } from "../../shared/schemas/auth";
import type { Mutation, PushResponse, PushResult } from "../../shared/schemas/mutations";
import type { Scope } from "../auth/scope";
import type { Database, Transaction } from "../db/client";
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
}

/**
 * Applies a phone's batch in its order (`seq`), each mutation exactly once: its effect and the record that it was
 * processed are written together, in one transaction for the batch, so a crash anywhere leaves either both or
 * neither and a retry is answered `duplicate`.
 *
 * A batch is first applied straight through. If any mutation throws (a refusal, or a fault), that attempt is
 * rolled back whole and the batch is applied again with a savepoint a mutation, so a refusal or a fault undoes
 * only its own mutation's writes and never holds the later ones back. Refusals are rare; savepoints on every
 * mutation of every batch cost a third of a push's time.
 */
export async function pushMutations(db: Database, req: PushRequest): Promise<PushResponse> {
  try {
    return await pushBatch(db, req, "straight");
  } catch (e) {
    if (!(e instanceof RetryWithSavepoints)) throw e;
    return pushBatch(db, req, "savepoints");
  }
}

class RetryWithSavepoints extends Error {}

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
      const outcome = m.seq <= lastSeq ? outOfOrder(m.seq, lastSeq) : mode === "straight" ? await applyStraight(ctx, m) : await applyInSavepoint(tx, ctx, m);
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
    if (mode === "straight") await flushActions(ctx).catch(() => Promise.reject(new RetryWithSavepoints()));
    for (let i = 0; i < processed.length; i += 100) await tx.insert(processedMutations).values(processed.slice(i, i + 100));
    await markCustomersChanged(tx, [...ctx.batch.changed]);
    await tx.update(syncClients).set({ lastSeq, lastSeenAt: req.now.toISOString() }).where(eq(syncClients.id, req.clientId));
    return lastSeq;
  });

  return { results: req.mutations.map((m) => results.get(m.id)!), lastSeq };
}

async function applyStraight(ctx: ApplyContext, m: Mutation): Promise<Outcome> {
  try {
    return await applyOrThrow(ctx, m);
  } catch {
    // A fault is logged by the second pass, where it happens again in its savepoint.
    throw new RetryWithSavepoints();
  }
}

/** The phone's sync record, made on first contact; a phone's id belongs to the user who first used it. */
export async function claimClient(tx: Pick<Database, "select" | "insert">, req: { clientId: string; user: SessionUser; now: Date }) {
  const [client] = await tx.select().from(syncClients).where(eq(syncClients.id, req.clientId)).limit(1);
  if (client) {
    if (client.userId !== req.user.id) throw new AppError("CONFLICT", "This client id belongs to another user; start a new client id");
    return { ...client, isNew: false };
  }
  const row = { id: req.clientId, userId: req.user.id, lastSeq: 0, lastSeenAt: req.now.toISOString() };
  await tx.insert(syncClients).values(row);
  return { ...row, isNew: true };
}

/**
 * Applies one mutation in a savepoint of the batch's transaction. A refusal or a fault (a bug) rolls back just
 * that mutation, which is answered `rejected`, so one bad mutation never holds every later one back.
 */
async function applyInSavepoint(tx: Transaction, ctx: ApplyContext, m: Mutation): Promise<Outcome> {
  let undone: Outcome | null = null;
  return tx
    .transaction(async (sp) => {
      const inner = { ...ctx, tx: sp };
      try {
        const outcome = await applyOrThrow(inner, m);
        await flushActions(inner);
        return outcome;
      } catch (e) {
        ctx.batch.actions.length = 0;
        if (e instanceof Refusal) {
          undone = { outcome: "rejected", reason: { code: e.code, message: e.message } };
        } else {
          console.error(`[sync] mutation ${m.id} (${m.kind}) failed`, e);
          undone = { outcome: "rejected", reason: { code: "INTERNAL", message: "Erreur du serveur en enregistrant cette action." } };
        }
        sp.rollback();
        throw e;
      }
    })
    .catch((e: unknown): Outcome => {
      if (undone && e instanceof TransactionRollbackError) return undone;
      throw e;
    });
}

function outOfOrder(seq: number, lastSeq: number): Outcome {
  return { outcome: "rejected", reason: { code: "OUT_OF_ORDER", message: `Action reçue dans le désordre (n° ${seq} après ${lastSeq}).` } };
}

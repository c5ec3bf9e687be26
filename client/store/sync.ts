import { v7 as uuidv7 } from "uuid";
import type { PullResponse } from "../../shared/schemas/debtor-doc";
import type { Mutation, PushResponse, PushResult, Rejection } from "../../shared/schemas/mutations";
import { getMeta, setMeta, updateMeta, type CadenasDB, type OutboxEntry } from "./db";
import { refreshViews, rowFor, summaryOf } from "./views";

/**
 * The sync loop's one pass: push the outbox in order, then pull until up to date. Written against a transport
 * and a Dexie database only, so the same code runs in the browser and in the chaos test's simulated phones.
 * It never drops a mutation: a mutation leaves the outbox only when the server has answered for it, and a
 * refused one moves to the `rejected` table for the user to read. A server fault is not an answer: the batch is
 * sent again later; a mutation the server faults on `SET_ASIDE_AFTER` times is set aside so the others go on,
 * reported to the office, and tried again at each app start and every hour.
 */

/** How a request went: an answer with a status, or no answer at all (no signal, server down). */
export type TransportAnswer = { ok: true; status: number; body: unknown } | { ok: false; error: string };

export interface Transport {
  post(path: string, body: unknown): Promise<TransportAnswer>;
}

export interface SyncUser {
  userId: string;
}

export type SyncOutcome = "synced" | "offline" | "signed-out" | "failed";

const PUSH_BATCH = 100;
/** Debtors written by one IndexedDB request batch while a pull's page is stored (see `applyPull`). */
export const STORE_BATCH = 25;
/** Server faults named on one mutation before it stops holding the queue back. */
export const SET_ASIDE_AFTER = 5;
/** How often set-aside mutations are tried again while the app runs (and once at each start). */
export const SET_ASIDE_RETRY_MS = 3_600_000;

export class SyncEngine {
  /** When set-aside mutations were last tried; null until the first try of this run (an app start tries them). */
  private setAsideTriedAt: number | null = null;

  constructor(
    private readonly db: CadenasDB,
    private readonly transport: Transport,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** One full pass for this user. Returns how it ended; the status bar reads the details from `meta`. */
  async syncOnce(user: SyncUser): Promise<SyncOutcome> {
    const clientId = await this.clientIdFor(user.userId);
    const pushed = await this.pushAll(user.userId, clientId);
    if (pushed === "offline" || pushed === "signed-out") return this.finish(pushed);
    await this.reportSetAside(user.userId, clientId);
    if (pushed !== "synced") return this.finish(pushed);
    const retried = await this.retrySetAsideWhenDue(user.userId, clientId);
    if (retried !== "synced") return this.finish(retried);
    return this.finish(await this.pullAll(clientId, user.userId));
  }

  /** The user asked: the next pass tries the set-aside mutations again without waiting for the hour. */
  retrySetAsideSoon(): void {
    this.setAsideTriedAt = null;
  }

  /** This phone's sync id for the user; a different user on the same phone starts with an empty store. */
  async clientIdFor(userId: string): Promise<string> {
    return this.db.transaction("rw", this.db.meta, this.db.debtors, this.db.outbox, async () => {
      const known = await getMeta(this.db, "userId");
      let clientId = await getMeta(this.db, "clientId");
      if (known !== userId || !clientId) {
        clientId = uuidv7();
        await this.db.debtors.clear();
        // What this user's earlier client had sent goes again under the new id: the server knows the mutation
        // ids and answers `duplicate`, and the entries then leave the outbox the normal way.
        await this.db.outbox.where("userId").equals(userId).modify({ status: "pending" });
        await setMeta(this.db, "userId", userId);
        await setMeta(this.db, "clientId", clientId);
        await setMeta(this.db, "cursor", null);
      }
      return clientId;
    });
  }

  private async pushAll(userId: string, clientId: string): Promise<SyncOutcome> {
    for (;;) {
      const batch = await this.db.outbox.where("userId").equals(userId).filter((e) => e.status === "pending").limit(PUSH_BATCH).sortBy("seq");
      if (batch.length === 0) return "synced";
      const sent = await this.send(clientId, batch);
      if (sent !== "answered") return sent;
    }
  }

  /**
   * Pushes one batch and stores what the server said. "answered": every mutation of the batch has its answer, or
   * was set aside or refused as malformed, and the next batch can go; otherwise how the pass ends.
   */
  private async send(clientId: string, batch: OutboxEntry[]): Promise<"answered" | SyncOutcome> {
    // Every push tells how many actions wait on the phone: the office sees the last count of a deactivated user's.
    const pending = await this.unsentCount(batch[0]!.userId);
    const answer = await this.transport.post("/api/sync/push", { clientId, mutations: batch.map(toMutation), pending });
    if (!answer.ok) {
      await this.noteAttempt(batch, answer.error);
      return "offline";
    }
    if (answer.status === 401) return "signed-out";
    if (answer.status === 400) {
      const malformed = malformedIndexes(answer.body);
      if (malformed.size === 0) return this.problem(`Envoi refusé (${answer.status})`);
      await this.rejectLocally(
        batch.flatMap((entry, i) => {
          const what = malformed.get(i);
          return what ? [{ entry, reason: { code: "MALFORMED", message: `Action invalide, refusée par le serveur : ${what}` } }] : [];
        }),
      );
      return "answered";
    }
    if (answer.status === 200) {
      await this.settle(batch, (answer.body as PushResponse).results);
      return "answered";
    }
    const error = errorOf(answer.status, answer.body);
    await this.noteAttempt(batch, error.label);
    const faulted = batch.find((e) => e.id === error.mutationId);
    if (answer.status >= 500 && faulted && (await this.noteFault(faulted, error.label)) === "set-aside") return "answered";
    return this.problem(`Le serveur n'a pas pu enregistrer les actions (${answer.status}). Nouvel essai bientôt.`);
  }

  /** Counts a server fault named on `entry`; at `SET_ASIDE_AFTER` the entry is set aside so the others can go. */
  private async noteFault(entry: OutboxEntry, error: string): Promise<"counted" | "set-aside"> {
    const faults = (entry.faults ?? 0) + 1;
    if (faults < SET_ASIDE_AFTER) {
      await this.db.outbox.update(entry.seq, { faults, lastError: error });
      return "counted";
    }
    await this.db.outbox.update(entry.seq, { faults, lastError: error, status: "set-aside", setAsideAt: entry.setAsideAt ?? this.now().toISOString(), reported: false });
    return "set-aside";
  }

  /**
   * Tells the server (the office) which mutations this phone set aside, in a request of its own: the push that
   * faults cannot carry it. Not told yet (no signal), they are told on a later pass.
   */
  private async reportSetAside(userId: string, clientId: string): Promise<void> {
    const untold = (await this.db.outbox.where("userId").equals(userId).filter((e) => e.status === "set-aside" && !e.reported).sortBy("seq")).slice(0, 200);
    if (untold.length === 0) return;
    // Counted as every push and pull counts it: all this phone has not sent, the set-aside ones included.
    const pending = await this.unsentCount(userId);
    const answer = await this.transport.post("/api/sync/set-aside", {
      clientId,
      mutations: await Promise.all(
        untold.map(async (e) => ({
          id: e.id,
          seq: e.seq,
          kind: e.kind,
          summary: (await summaryOf(this.db, toMutation(e))).slice(0, 300),
          faults: e.faults ?? 0,
          lastError: e.lastError?.slice(0, 500) ?? null,
        })),
      ),
      pending,
    });
    if (!answer.ok || answer.status >= 300) return;
    await this.db.transaction("rw", this.db.outbox, async () => {
      for (const e of untold) {
        // Only if nothing changed since it was read (a fault counted meanwhile is told next time).
        await this.db.outbox
          .where("seq")
          .equals(e.seq)
          .filter((now) => now.status === "set-aside" && now.faults === e.faults)
          .modify({ reported: true });
      }
    });
  }

  /**
   * Tries the set-aside mutations again, each alone so one that still faults holds no other back: at the first
   * pass of the app's run, then once an hour. The server applies one it never processed whatever its `seq`.
   */
  private async retrySetAsideWhenDue(userId: string, clientId: string): Promise<SyncOutcome> {
    const now = this.now().getTime();
    if (this.setAsideTriedAt !== null && now - this.setAsideTriedAt < SET_ASIDE_RETRY_MS) return "synced";
    const setAside = await this.db.outbox.where("userId").equals(userId).filter((e) => e.status === "set-aside").sortBy("seq");
    for (const entry of setAside) {
      const sent = await this.send(clientId, [entry]);
      // No signal, or a fault naming none of them (a busy server): all of them again on the next pass.
      if (sent !== "answered") return sent;
    }
    this.setAsideTriedAt = now;
    await this.reportSetAside(userId, clientId);
    return "synced";
  }

  /** Applies the server's answers: confirmed ones wait for their pull, refused ones go to the rejected list. */
  private async settle(batch: OutboxEntry[], results: PushResult[]): Promise<void> {
    const bySeq = new Map(batch.map((e) => [e.id, e]));
    await this.db.transaction("rw", this.db.outbox, this.db.rejected, this.db.debtors, async () => {
      const touched: string[] = [];
      for (const result of results) {
        const entry = bySeq.get(result.id);
        if (!entry) continue;
        const refused = result.status === "rejected" || (result.status === "duplicate" && result.original === "rejected");
        if (refused) {
          await this.moveToRejected(entry, result.reason ?? { code: "REJECTED", message: "Refusée par le serveur." });
          if (entry.customerId) touched.push(entry.customerId);
        } else {
          await this.db.outbox.update(entry.seq, { status: "acked" });
        }
      }
      await refreshViews(this.db, touched, batch[0]!.userId);
    });
  }

  private async rejectLocally(refusals: { entry: OutboxEntry; reason: Rejection }[]): Promise<void> {
    await this.db.transaction("rw", this.db.outbox, this.db.rejected, this.db.debtors, async () => {
      for (const { entry, reason } of refusals) await this.moveToRejected(entry, reason);
      await refreshViews(
        this.db,
        refusals.flatMap(({ entry }) => (entry.customerId ? [entry.customerId] : [])),
        refusals[0]!.entry.userId,
      );
    });
  }

  private async moveToRejected(entry: OutboxEntry, reason: Rejection): Promise<void> {
    const mutation = toMutation(entry);
    await this.db.rejected.put({
      ...mutation,
      userId: entry.userId,
      customerId: entry.customerId,
      summary: await summaryOf(this.db, mutation),
      reason,
      rejectedAt: this.now().toISOString(),
    });
    await this.db.outbox.delete(entry.seq);
  }

  /**
   * Pulls page after page until up to date. Each page is asked for while the phone stores the one before: on a weak
   * connection a first sync is mostly waiting for bytes, and storing a page is mostly the phone's CPU, so the two
   * overlap. Pages are still stored one after the other, in order, and only the last sets the cursor: an answer
   * that comes for nothing (the pass cut while storing) is dropped, and the next pass asks again from the cursor.
   */
  private async pullAll(clientId: string, userId: string): Promise<SyncOutcome> {
    const cursor = (await getMeta(this.db, "cursor")) ?? null;
    const pending = await this.unsentCount(userId);
    // Only the first page can carry the templates (the server sends them with no `page`).
    const templates = (await getMeta(this.db, "floorMessaging"))?.version ?? null;
    const ask = (cursor: string | null, page: string | null) => this.transport.post("/api/sync/pull", { clientId, cursor, page, templates, pending });
    let page: string | null = null;
    let answer = await ask(cursor, page);
    for (;;) {
      if (!answer.ok) return "offline";
      if (answer.status === 401) return "signed-out";
      if (answer.status !== 200) return this.problem(`Mise à jour impossible (${answer.status}).`);
      const body = answer.body as PullResponse;
      const next = body.hasMore ? ask(body.cursor, body.nextPage) : null;
      await this.applyPull(body, page === null, userId);
      if (!next) return "synced";
      page = body.nextPage;
      answer = await next;
    }
  }

  /**
   * Stores one page of a pull: the server's copies become the bases, unsent mutations are laid over them again,
   * and on the last page the outbox lets go of what the server has processed (`seq` ≤ `lastSeq`) — in the same
   * transaction, so a confirmed action never blinks out between its push and its pull.
   */
  private async applyPull(body: PullResponse, firstPage: boolean, userId: string): Promise<void> {
    await this.db.transaction("rw", this.db.debtors, this.db.outbox, this.db.meta, async () => {
      if (body.reset && firstPage) await this.db.debtors.clear();
      const last = !body.hasMore;
      const done = last ? await this.db.outbox.filter((e) => e.status === "acked" && e.seq <= body.lastSeq).toArray() : [];
      await this.db.outbox.bulkDelete(done.map((e) => e.seq));
      // The outbox is small and a page is hundreds of debtors: one read and one write, not two for each.
      const unsent = new Map<string, OutboxEntry[]>();
      for (const e of await this.db.outbox.where("userId").equals(userId).toArray()) {
        if (e.customerId) unsent.set(e.customerId, [...(unsent.get(e.customerId) ?? []), e]);
      }
      // A few debtors a request, each batch put from the success of the one before: every batch is then a task of
      // its own, so the page's copying into IndexedDB (about a millisecond a debtor on a slow phone) never holds the
      // screen for a long frame. Still one transaction: the page is stored whole or not at all.
      const rows = body.docs.map((doc) => rowFor(doc, unsent.get(doc.customerId) ?? []));
      for (let i = 0; i < rows.length; i += STORE_BATCH) await this.db.debtors.bulkPut(rows.slice(i, i + STORE_BATCH));
      await this.db.debtors.bulkDelete(body.removed);
      await refreshViews(
        this.db,
        done.flatMap((e) => (e.customerId ? [e.customerId] : [])),
        userId,
      );
      if (last) await updateMeta(this.db, "cursor", body.cursor);
      // The office's floor templates, when they changed since the copy this phone holds.
      if (body.templates) await setMeta(this.db, "floorMessaging", body.templates);
    });
  }

  /** This user's actions the server has not received: waiting, or set aside (the office sees the count). */
  private unsentCount(userId: string): Promise<number> {
    return this.db.outbox
      .where("userId")
      .equals(userId)
      .filter((e) => e.status !== "acked")
      .count();
  }

  private async noteAttempt(batch: OutboxEntry[], error: string): Promise<void> {
    await this.db.outbox.bulkUpdate(batch.map((e) => ({ key: e.seq, changes: { attempts: e.attempts + 1, lastError: error } })));
  }

  private async problem(message: string): Promise<SyncOutcome> {
    await updateMeta(this.db, "syncProblem", message);
    return "failed";
  }

  private async finish(outcome: SyncOutcome): Promise<SyncOutcome> {
    await updateMeta(this.db, "lastOutcome", outcome);
    if (outcome === "synced") {
      await setMeta(this.db, "lastSyncAt", this.now().toISOString());
      await updateMeta(this.db, "syncProblem", null);
    } else if (outcome === "offline") {
      await updateMeta(this.db, "syncProblem", null);
    }
    return outcome;
  }
}

/** The mutation as the server knows it, without the phone's bookkeeping. */
export function toMutation(e: OutboxEntry): Mutation {
  return { id: e.id, seq: e.seq, v: e.v, kind: e.kind, payload: e.payload, happenedAt: e.happenedAt } as Mutation;
}

/** A failed push's answer: a short label for the outbox, and the mutation the server says faulted, if it names one. */
function errorOf(status: number, body: unknown): { label: string; mutationId: string | null } {
  const error = (body as { error?: { code?: string; details?: { mutationId?: unknown } } } | null)?.error;
  const mutationId = typeof error?.details?.mutationId === "string" ? error.details.mutationId : null;
  return { label: `HTTP ${status}${error?.code ? ` ${error.code}` : ""}`, mutationId };
}

/** From a 400 answer: the index of each malformed mutation and what is wrong with it (`mutations.3.payload.x`). */
function malformedIndexes(body: unknown): Map<number, string> {
  const issues = (body as { error?: { details?: { issues?: { path: string; message: string }[] } } })?.error?.details?.issues ?? [];
  const found = new Map<number, string>();
  for (const issue of issues) {
    const m = /^mutations\.(\d+)\.?(.*)$/.exec(issue.path);
    if (m) found.set(Number(m[1]), `${m[2] || "mutation"} : ${issue.message}`);
  }
  return found;
}

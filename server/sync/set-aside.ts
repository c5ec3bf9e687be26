import { desc, eq, inArray, sql } from "drizzle-orm";
import type { SessionUser } from "../../shared/schemas/auth";
import type { SetAsideBody, SetAsideItem } from "../../shared/schemas/mutations";
import { users, userSites } from "../auth/auth.sql";
import { inScope, type Scope } from "../auth/scope";
import type { Database } from "../db/client";
import { claimClient } from "./push";
import { processedMutations, setAsideMutations, syncClients } from "./sync.sql";

/**
 * Records what a phone reports it set aside (mutations that met a server fault again and again), in its own
 * transaction, apart from the push that keeps failing. Reported again, a mutation's row is brought up to date.
 */
export async function reportSetAside(db: Database, req: { user: SessionUser; body: SetAsideBody; now: Date }): Promise<void> {
  const at = req.now.toISOString();
  await db.transaction(async (tx) => {
    await claimClient(tx, { clientId: req.body.clientId, user: req.user, now: req.now });
    for (const m of req.body.mutations) {
      await tx
        .insert(setAsideMutations)
        .values({ id: m.id, clientId: req.body.clientId, userId: req.user.id, seq: m.seq, kind: m.kind, summary: m.summary ?? null, faults: m.faults, lastError: m.lastError, firstReportedAt: at, reportedAt: at })
        .onConflictDoUpdate({ target: setAsideMutations.id, set: { faults: m.faults, lastError: m.lastError, reportedAt: at }, where: eq(setAsideMutations.userId, req.user.id) });
    }
    await tx
      .update(syncClients)
      .set({ reportedPending: req.body.pending ?? null, reportedAt: at })
      .where(eq(syncClients.id, req.body.clientId));
  });
}

/**
 * What the phones set aside, latest reports first, with whether a later try went through: for a Manager, those of
 * the people who work on one of the Manager's sites.
 */
export async function listSetAside(db: Database, scope: Scope, limit = 200): Promise<SetAsideItem[]> {
  const rows = await db
    .select({
      row: setAsideMutations,
      userName: users.name,
      pendingOnPhone: syncClients.reportedPending,
      outcome: processedMutations.outcome,
      processedAt: processedMutations.processedAt,
    })
    .from(setAsideMutations)
    .innerJoin(users, eq(users.id, setAsideMutations.userId))
    .leftJoin(syncClients, eq(syncClients.id, setAsideMutations.clientId))
    .leftJoin(processedMutations, eq(processedMutations.id, setAsideMutations.id))
    .where(scope.all ? undefined : inArray(setAsideMutations.userId, db.select({ id: userSites.userId }).from(userSites).where(inScope(scope, userSites.siteId))))
    .orderBy(sql`${processedMutations.id} is not null`, desc(setAsideMutations.reportedAt))
    .limit(limit);
  return rows.map((r) => ({
    ...r.row,
    userName: r.userName,
    pendingOnPhone: r.pendingOnPhone ?? null,
    processed: r.outcome && r.processedAt ? { outcome: r.outcome, at: r.processedAt } : null,
  }));
}

import { applyToDoc } from "../../shared/floor/apply";
import { describeMutation } from "../../shared/floor/describe";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import type { Mutation } from "../../shared/schemas/mutations";
import type { CadenasDB, DebtorRow, OutboxEntry } from "./db";
import { stampRow } from "./stamp";

/** What the phone shows for a debtor: the server's copy with the unsent mutations laid over it, in their order. */
export function overlay(base: DebtorDoc, pending: readonly OutboxEntry[]): DebtorDoc | null {
  if (pending.length === 0) return null;
  return [...pending].sort((a, b) => a.seq - b.seq).reduce((doc, m) => applyToDoc(doc, m, m.actor), base);
}

export function rowFor(base: DebtorDoc, pending: readonly OutboxEntry[]): DebtorRow {
  return stampRow({
    customerId: base.customerId,
    base,
    view: overlay(base, pending),
    unitIds: base.units.map((u) => u.id),
    taskIds: base.tasks.map((t) => t.id),
  });
}

/**
 * Recomputes the shown copy of these debtors from their base and what `userId` still has in the outbox. Only the
 * signed-in user's: on a phone two people share, one's unsent actions never show on the other's screens.
 */
export async function refreshViews(db: CadenasDB, customerIds: Iterable<string>, userId: string): Promise<void> {
  for (const customerId of new Set(customerIds)) {
    const row = await db.debtors.get(customerId);
    if (!row) continue;
    const pending = await db.outbox
      .where("customerId")
      .equals(customerId)
      .filter((e) => e.userId === userId)
      .toArray();
    await db.debtors.put(rowFor(row.base, pending));
  }
}

export function shown(row: DebtorRow): DebtorDoc {
  return row.view ?? row.base;
}

/** The history line a mutation will write, as the phone can word it (for the rejected list). */
export async function summaryOf(db: CadenasDB, m: Mutation): Promise<string> {
  const row = await debtorConcerned(db, m);
  const doc = row ? (row.view ?? row.base) : undefined;
  return describeMutation(m, {
    unitNumber: (id) => doc?.units.find((u) => u.id === id)?.number,
    taskKind: (id) => doc?.tasks.find((t) => t.id === id)?.kind,
  }).text;
}

/** Whether a mutation is about this debtor: by the customer it names, else by their unit or task. */
export function concerns(doc: DebtorDoc, m: Mutation): boolean {
  if ("customerId" in m.payload) return m.payload.customerId === doc.customerId;
  if ("unitId" in m.payload) return doc.units.some((u) => u.id === (m.payload as { unitId: string }).unitId);
  if ("taskId" in m.payload) return doc.tasks.some((t) => t.id === (m.payload as { taskId: string }).taskId);
  return false;
}

/** The debtor a mutation is about (unit and task mutations do not name the customer); `concerns` in memory. */
export async function debtorConcerned(db: CadenasDB, m: Mutation) {
  if ("customerId" in m.payload) return db.debtors.get(m.payload.customerId);
  if ("unitId" in m.payload) return db.debtors.where("unitIds").equals(m.payload.unitId).first();
  if ("taskId" in m.payload) return db.debtors.where("taskIds").equals(m.payload.taskId).first();
  return undefined;
}

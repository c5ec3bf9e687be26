import { and, eq, gte } from "drizzle-orm";
import type { Database, Transaction } from "../db/client";
import { auditLog } from "./audit.sql";

export interface AuditEntry {
  event: string;
  userId: string | null;
  /** The address the request came from (`requestAddress`); null for what the server does by itself. */
  address?: string | null;
  entity?: string;
  entityId?: string;
  details?: Record<string, unknown>;
}

export async function recordAudit(db: Database | Transaction, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({ at: new Date().toISOString(), ...entry });
}

/**
 * What an edit changed, for the audit log: `{ before, after }` holding only the fields whose value differs
 * (compared as JSON). Secrets must be left out by the caller.
 */
export function changes<T extends object>(before: T | null, after: T | null): { before: Partial<T> | null; after: Partial<T> | null } {
  if (!before || !after) return { before, after };
  const b: Partial<T> = {};
  const a: Partial<T> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof T>) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      b[key] = before[key];
      a[key] = after[key];
    }
  }
  return { before: b, after: a };
}

/**
 * Records `entry` unless the same person already has the same event on the same entity in the last 24 hours. Like
 * every audit line, dated by the machine's real clock: the log says when things really happened, whatever day a demo
 * pins.
 */
export async function recordAuditOncePerDay(db: Database, entry: AuditEntry & { userId: string; entityId: string }): Promise<void> {
  const now = new Date();
  const since = new Date(now.getTime() - 86_400_000).toISOString();
  const [seen] = await db
    .select({ id: auditLog.id })
    .from(auditLog)
    .where(and(eq(auditLog.userId, entry.userId), eq(auditLog.event, entry.event), eq(auditLog.entityId, entry.entityId), gte(auditLog.at, since)))
    .limit(1);
  if (!seen) await db.insert(auditLog).values({ ...entry, at: now.toISOString() });
}

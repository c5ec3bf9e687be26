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

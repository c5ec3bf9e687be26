import type { Database, Transaction } from "../db/client";
import { auditLog } from "./audit.sql";

export interface AuditEntry {
  event: string;
  userId: string | null;
  entity?: string;
  entityId?: string;
  details?: Record<string, unknown>;
}

export async function recordAudit(db: Database | Transaction, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({ at: new Date().toISOString(), ...entry });
}

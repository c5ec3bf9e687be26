import { sql } from "drizzle-orm";
import { knownMigrations } from "../backup/snapshot";
import type { Database } from "../db/client";

export interface Readiness {
  ok: boolean;
  database: "ok" | "unreachable";
  migrations: "done" | "pending" | "unknown";
  /** The migrations this code has and the database has not applied (their tags), when some are missing. */
  pending?: string[];
}

let shipped: { tag: string; when: number }[] | undefined;

/**
 * Ready to take requests: the database answers and holds every migration of this code. drizzle records each applied
 * migration in `__drizzle_migrations` with its journal time (`created_at` = the journal's `when`) and applies those
 * newer than the last recorded: a migration is pending when its time is after the newest recorded one, or when
 * fewer are recorded than shipped.
 */
export async function readiness(db: Database): Promise<Readiness> {
  try {
    await db.run(sql`select 1`);
  } catch {
    return { ok: false, database: "unreachable", migrations: "unknown" };
  }
  // Read once: the migrations a process ships with do not change while it runs.
  shipped ??= knownMigrations();
  let applied: { n: number; last: number | null };
  try {
    const [row] = await db.all<{ n: number; last: number | null }>(sql`select count(*) as n, max(created_at) as last from __drizzle_migrations`);
    applied = { n: Number(row?.n ?? 0), last: row?.last === null || row?.last === undefined ? null : Number(row.last) };
  } catch {
    // No table: nothing was ever migrated.
    applied = { n: 0, last: null };
  }
  const newer = shipped.filter((m) => applied.last === null || m.when > applied.last).map((m) => m.tag);
  const pending = newer.length > 0 ? newer : applied.n < shipped.length ? shipped.slice(applied.n).map((m) => m.tag) : [];
  return pending.length === 0 ? { ok: true, database: "ok", migrations: "done" } : { ok: false, database: "ok", migrations: "pending", pending };
}

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { leases } from "./leases.sql";

// Named leases in the database: a job that must run once across every API process on one database holds one while
// it works, renews it while it still works, and lets it go when done. A process that dies holding a lease is taken
// over once the lease lapses. Lease times are the database's clock (as the outbox's leases), so processes whose
// clocks differ — or are pinned with `NOW` — agree on when a lease lapses.

const dbNowPlus = (seconds: number) => sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ${`+${seconds} seconds`})`;
const dbNow = sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;

/** Takes the lease `name` for `seconds` if it is free, lapsed, or already `holder`'s. True when `holder` holds it. */
export async function takeLease(db: Database, name: string, holder: string, seconds: number): Promise<boolean> {
  // One statement: the database's write lock makes the look and the take one step for every process.
  const taken = await db
    .insert(leases)
    .values({ name, holder, until: dbNowPlus(seconds), takenAt: dbNow })
    .onConflictDoUpdate({
      target: leases.name,
      set: { holder, until: dbNowPlus(seconds), takenAt: dbNow },
      setWhere: sql`${leases.until} < ${dbNow} or ${leases.holder} = ${holder}`,
    })
    .returning({ holder: leases.holder });
  return taken.length === 1;
}

/** Extends `holder`'s lease; false when it lapsed and another process took it over. */
export async function renewLease(db: Database, name: string, holder: string, seconds: number): Promise<boolean> {
  const renewed = await db
    .update(leases)
    .set({ until: dbNowPlus(seconds) })
    .where(and(eq(leases.name, name), eq(leases.holder, holder)))
    .returning({ name: leases.name });
  return renewed.length === 1;
}

export async function releaseLease(db: Database, name: string, holder: string): Promise<void> {
  await db.delete(leases).where(and(eq(leases.name, name), eq(leases.holder, holder)));
}

/**
 * Runs `work` while holding the lease `name`, renewed every third of its length, and lets it go after (also when
 * `work` fails). `{ ran: false }` without running when another process holds it.
 */
export async function withLease<T>(db: Database, name: string, holder: string, seconds: number, work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
  if (!(await takeLease(db, name, holder, seconds))) return { ran: false };
  const renewing = setInterval(() => void renewLease(db, name, holder, seconds).catch(() => undefined), (seconds * 1000) / 3);
  renewing.unref();
  try {
    return { ran: true, value: await work() };
  } finally {
    clearInterval(renewing);
    await releaseLease(db, name, holder).catch(() => undefined);
  }
}

/**
 * Runs `work` once no other process holds the lease `name`: at once if it is free, else after the holder is done (or
 * its lease lapsed). For start-up work every process must see done before it serves — the migrations, the demo
 * data — where `work` itself finds what the process before it did and does only the rest.
 */
export async function runAlone<T>(db: Database, name: string, holder: string, seconds: number, work: () => Promise<T>): Promise<T> {
  for (;;) {
    const done = await withLease(db, name, holder, seconds, work);
    if (done.ran) return done.value;
    await waitForLease(db, name);
  }
}

/** Until the lease `name` is let go or lapses, looking without writing (a writer would queue behind its holder). */
export async function waitForLease(db: Database, name: string, everyMs = 200): Promise<void> {
  for (;;) {
    const [row] = await db.select({ held: sql<number>`${leases.until} >= ${dbNow}` }).from(leases).where(eq(leases.name, name));
    if (!row || !row.held) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * The leases table before the migrations, which run under a lease: the statement of migration 0025 itself (it
 * creates the table only if it is not there), so there is one copy of it.
 */
export async function ensureLeasesTable(db: Database, migrationsDir: string): Promise<void> {
  await db.run(sql.raw(readFileSync(join(migrationsDir, "0025_leases.sql"), "utf8")));
}

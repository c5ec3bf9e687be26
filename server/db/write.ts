import type { Client, InArgs, InStatement } from "@libsql/client";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "./client";

/** A statement built but not run: a drizzle query builder (`db.insert(…)`, `db.update(…)`, `db.run(sql…)`). */
export type Write = BatchItem<"sqlite">;

/**
 * Runs statements together, all or nothing, as one batch (`client.batch`): a libSQL server receives them in one
 * request and holds its write lock only while it runs them, where an interactive transaction holds it across a
 * network round trip a statement — and sqld rolls back a transaction that held the lock over 5 s while another
 * writer waited. The work reads first, outside any transaction, and writes here; what it read may have changed
 * meanwhile, so the statements must stay right anyway (keys unique, conditions in their WHERE).
 */
export async function writeAll(db: Database, writes: readonly Write[], onProgress?: (built: number) => void): Promise<void> {
  if (writes.length === 0) return;
  if (!onProgress) {
    await db.batch(writes as unknown as [Write, ...Write[]]);
    return;
  }
  // A long batch (an import) says how far it is while its statements are turned into SQL — the part that takes
  // the time here; yielding between slices lets the server answer meanwhile. Built as drizzle's own batch does.
  const built: InStatement[] = [];
  for (const [i, write] of writes.entries()) {
    const query = (write as unknown as { _prepare(): { getQuery(): { sql: string; params: InArgs } } })._prepare().getQuery();
    built.push({ sql: query.sql, args: query.params });
    if (i % 10 === 9) {
      onProgress(i + 1);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  await (db as Database & { $client: Client }).$client.batch(built, "write");
  onProgress(writes.length);
}

/**
 * Runs `work` again when it fails for a reason that trying again can mend (`retryable`): a passing database fault,
 * another process having written first. The work must read afresh on each attempt.
 */
export async function retrying<T>(work: () => Promise<T>, retryable: (e: unknown) => boolean, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (e) {
      if (attempt >= attempts || !retryable(e)) throw e;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

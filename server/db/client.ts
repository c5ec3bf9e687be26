import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, type Client, type TransactionMode } from "@libsql/client";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import { ensureLeasesTable, runAlone } from "../system/leases";
import * as schema from "./schema";

export type Database = LibSQLDatabase<typeof schema>;
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

export interface DatabaseHandle {
  db: Database;
  client: Client;
  close(): void;
}

export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "migrations");

/**
 * Opens the database named by `url`: `file:path.db` for the embedded libSQL file, `http(s)://` or `libsql://`
 * for a libSQL server. The same code runs on both.
 */
export async function openDatabase(url: string, authToken?: string): Promise<DatabaseHandle> {
  const isFile = url.startsWith("file:");
  if (isFile) {
    const path = url.slice("file:".length).split("?")[0] ?? "";
    if (path && path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
  }
  // A busy timeout lets the pool's connections wait for each other's writes instead of failing at once. It applies
  // to a local file only: a libSQL server (http://, libsql://) ignores it and has its own rules — a writer waits for
  // the lock, and a transaction that holds the lock over 5 s while another waits is rolled back
  // (TRANSACTION_TIMEOUT). Either way a lock error is a passing fault, tried again (db/faults.ts): SERVER_BUSY for
  // a request, another attempt for background work; long work writes in batches (db/write.ts).
  const client = createClient({ url, authToken, timeout: 5_000 });
  if (isFile) {
    await client.execute("PRAGMA journal_mode = WAL");
    waitForWriteLockBeforeBegin(client);
  }
  const db = drizzle(client, { schema });
  return { db, client, close: () => client.close() };
}

/**
 * Applies the committed migrations that the database has not seen yet. Safe to call at every start, by several
 * processes at once on one libSQL server: one migrates under the lease `migrations`, the others wait for it to be
 * done (or to lapse, if that process died) and then find nothing left to do.
 */
export async function migrateDatabase(db: Database, migrationsFolder = MIGRATIONS_DIR): Promise<void> {
  await ensureLeasesTable(db, MIGRATIONS_DIR);
  await runAlone(db, "migrations", `migrations-${process.pid}-${randomUUID()}`, MIGRATION_LEASE_SECONDS, () => migrate(db, { migrationsFolder }));
}

const MIGRATION_LEASE_SECONDS = 60;

/**
 * libsql 0.5 leaves a statement that failed with SQLITE_BUSY un-reset on its connection; a `BEGIN IMMEDIATE` that
 * met another process's write lock for longer than the busy timeout would then make every later COMMIT on that
 * pooled connection fail ("SQL statements in progress") until the statement happens to be garbage-collected. So a
 * write transaction first waits for the write lock through `exec`, which fails cleanly, and begins once it is free.
 */
function waitForWriteLockBeforeBegin(client: Client): void {
  const begin = client.transaction.bind(client);
  client.transaction = async (mode?: TransactionMode) => {
    if (mode !== "read" && mode !== "deferred") await client.executeMultiple("BEGIN IMMEDIATE; ROLLBACK");
    return begin(mode);
  };
  // A batch (db/write.ts) writes too: the same wait first.
  const batch = client.batch.bind(client);
  client.batch = (async (statements: Parameters<Client["batch"]>[0], mode?: TransactionMode) => {
    if (mode !== "read") await client.executeMultiple("BEGIN IMMEDIATE; ROLLBACK");
    return batch(statements, mode);
  }) as Client["batch"];
}

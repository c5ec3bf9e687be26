import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, type Client, type TransactionMode } from "@libsql/client";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import { ensureLeasesTable, runAlone } from "../system/leases";
import { retryWhileBusy } from "./faults";
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
  } else {
    queueWritersHere(client, WRITERS_AT_THE_SERVER);
  }
  retryBusyStatements(client);
  const db = drizzle(client, { schema });
  // A read-only transaction on a libSQL server (sqld 0.24) under load made it spin: 1,000 phones' pulls as read
  // transactions took 190 ms of sqld's CPU a request against 8 ms as write transactions, which it queues
  // (bench/load.bench.ts). There a pull's transaction is a write one, short; on a file it is a read.
  honourTransactionBehavior(db, client, isFile ? "read" : "write");
  return { db, client, close: () => client.close() };
}

/**
 * A libSQL server has one writer at a time, and the others wait inside it — spinning: with three processes' worth
 * of phones' transactions waiting there, `sqld` 0.24 spent all of two cores on the waiting and answered almost
 * nothing (bench/load.bench.ts). So a process sends it at most `limit` write transactions (or write batches) at a
 * time and queues the rest here, where waiting costs nothing; they still go one at a time at the server.
 */
function queueWritersHere(client: Client, limit: number): void {
  let running = 0;
  const waiting: (() => void)[] = [];
  const enter = async () => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
  };
  // A slot passes straight to the next in line, or is given back.
  const leave = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  const begin = client.transaction.bind(client);
  client.transaction = async (mode?: TransactionMode) => {
    if (mode === "read") return begin(mode);
    await enter();
    let tx: Awaited<ReturnType<Client["transaction"]>>;
    try {
      tx = await begin(mode);
    } catch (e) {
      leave();
      throw e;
    }
    let open = true;
    const done = () => {
      if (open) (open = false), leave();
    };
    for (const end of ["commit", "rollback"] as const) {
      const original = tx[end].bind(tx);
      tx[end] = () => original().finally(done);
    }
    const close = tx.close.bind(tx);
    tx.close = () => {
      close();
      done();
    };
    return tx;
  };
  const batch = client.batch.bind(client);
  client.batch = (async (statements: Parameters<Client["batch"]>[0], mode?: TransactionMode) => {
    if (mode === "read") return batch(statements, mode);
    await enter();
    try {
      return await batch(statements, mode);
    } finally {
      leave();
    }
  }) as Client["batch"];
}

/** Write transactions one process has at a libSQL server at once (the rest queue in the process). */
const WRITERS_AT_THE_SERVER = 2;

/**
 * A statement or a batch run on its own is atomic: one that met a busy database did nothing, and is run again
 * (`retryWhileBusy`: a libSQL server answers "locked" at once where a file waits). Statements inside a
 * transaction are not retried here; the transaction's owner retries it whole, or answers `SERVER_BUSY`.
 */
function retryBusyStatements(client: Client): void {
  const execute = client.execute.bind(client) as (...args: unknown[]) => ReturnType<Client["execute"]>;
  client.execute = ((...args: unknown[]) => retryWhileBusy(() => execute(...args))) as Client["execute"];
  const batch = client.batch.bind(client);
  client.batch = ((statements: Parameters<Client["batch"]>[0], mode?: TransactionMode) => retryWhileBusy(() => batch(statements, mode))) as Client["batch"];
}

/**
 * drizzle's libSQL driver (0.45) drops a transaction's `behavior` and begins every one as a write (`BEGIN
 * IMMEDIATE`): on a file, a pull took the database's write lock and queued every phone's pull behind every push.
 * `db.transaction(work, { behavior: "deferred" })` now begins `readMode`'s transaction — a read-only one on a
 * file: one snapshot, no lock, and a write inside it fails (so only work that writes nothing asks for it).
 */
function honourTransactionBehavior(db: Database, client: Client, readMode: TransactionMode): void {
  const requested = new AsyncLocalStorage<{ mode: TransactionMode; taken: boolean }>();
  const transaction = db.transaction.bind(db);
  db.transaction = ((work, config) =>
    requested.run({ mode: config?.behavior === "deferred" ? readMode : "write", taken: false }, () => transaction(work, config))) as Database["transaction"];
  const begin = client.transaction.bind(client);
  client.transaction = (mode?: TransactionMode) => {
    const asked = requested.getStore();
    // Only the transaction drizzle begins for this call: one begun directly on the client inside it keeps its own.
    if (mode === undefined && asked && !asked.taken) {
      asked.taken = true;
      return begin(asked.mode);
    }
    return begin(mode);
  };
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

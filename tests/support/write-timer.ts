import type { Client, TransactionMode } from "@libsql/client";

/**
 * Times every write transaction a libSQL client runs — an interactive one (`client.transaction`, as drizzle's
 * `db.transaction` opens it: BEGIN IMMEDIATE) from its start to its commit or rollback, a batch (`client.batch`) for
 * its one request — so a test can say how long the write lock was held at most (an upper bound: the time on the
 * client's side). sqld rolls back a transaction that holds the lock over 5 s while another writer waits.
 */
export interface WriteTimer {
  /** The longest write seen since the last reset, in ms, and what it was. */
  readonly longest: { ms: number; kind: "transaction" | "batch" | null; statements: number };
  readonly writes: number;
  reset(): void;
}

export function timeWrites(client: Client): WriteTimer {
  let longest: WriteTimer["longest"] = { ms: 0, kind: null, statements: 0 };
  let writes = 0;
  const record = (ms: number, kind: "transaction" | "batch", statements: number) => {
    writes++;
    if (ms > longest.ms) longest = { ms, kind, statements };
  };
  const transaction = client.transaction.bind(client);
  client.transaction = async (mode?: TransactionMode) => {
    const started = performance.now();
    const tx = await transaction(mode);
    if (mode === "read") return tx;
    let statements = 0;
    let done = false;
    const end = () => {
      if (!done) record(performance.now() - started, "transaction", statements);
      done = true;
    };
    const execute = tx.execute.bind(tx);
    tx.execute = (async (...args: Parameters<typeof tx.execute>) => {
      statements++;
      return execute(...args);
    }) as typeof tx.execute;
    const commit = tx.commit.bind(tx);
    tx.commit = () => commit().finally(end);
    const rollback = tx.rollback.bind(tx);
    tx.rollback = () => rollback().finally(end);
    return tx;
  };
  const batch = client.batch.bind(client);
  client.batch = (async (statements: Parameters<Client["batch"]>[0], mode?: TransactionMode) => {
    const started = performance.now();
    try {
      return await batch(statements, mode);
    } finally {
      if (mode !== "read") record(performance.now() - started, "batch", statements.length);
    }
  }) as Client["batch"];
  return {
    get longest() {
      return longest;
    },
    get writes() {
      return writes;
    },
    reset() {
      longest = { ms: 0, kind: null, statements: 0 };
      writes = 0;
    },
  };
}

/**
 * Whether a database error is a passing fault of the database, not of the work: the write it hit was rolled back
 * whole, and the same work may simply be tried again (by the caller, or by whoever sent the request: `SERVER_BUSY`,
 * 503). The shapes, as the embedded file and a libSQL server (sqld, reached over HTTP) report them:
 * - the write lock taken by another connection for longer than the busy timeout (`SQLITE_BUSY`, `SQLITE_LOCKED`,
 *   "database is locked");
 * - sqld rolled the transaction back: it held the write lock more than 5 s while another writer waited
 *   (`TRANSACTION_TIMEOUT`, "Transaction timed out"), or its stream sat idle about 10 s (`STREAM_EXPIRED`); the
 *   next statement, commit or rollback of that transaction then fails with `TRANSACTION_CLOSED` or "cannot commit /
 *   rollback - no transaction is active" — drizzle reports the failed rollback in place of the timeout itself;
 * - the server, or a proxy in front of it, answered HTTP 5xx (`SERVER_ERROR` caused by `HttpServerError`) or 429
 *   (sqld's answer when more requests wait than it takes: seen under load, bench/load.bench.ts), or the connection
 *   to it was refused or cut.
 * Wrapped errors (drizzle's "Failed query", our own) are looked through by their `cause`.
 */
export function isTransientDbFault(e: unknown): boolean {
  for (let cause = e, depth = 0; cause && depth < 6; cause = (cause as { cause?: unknown }).cause, depth++) {
    const { code, status, name } = cause as { code?: unknown; status?: unknown; name?: unknown };
    const text = String(code ?? "");
    const message = String((cause as { message?: unknown }).message ?? "");
    if (TRANSIENT_CODES.some((c) => text.startsWith(c))) return true;
    if (TRANSIENT_MESSAGES.test(message)) return true;
    if (name === "HttpServerError" && typeof status === "number" && (status >= 500 || status === 429)) return true;
    if (NETWORK_CODES.includes(text)) return true;
  }
  return false;
}

const TRANSIENT_CODES = ["SQLITE_BUSY", "SQLITE_LOCKED", "TRANSACTION_TIMEOUT", "STREAM_EXPIRED", "TRANSACTION_CLOSED"];
const TRANSIENT_MESSAGES =
  /database is locked|database table is locked|transaction timed out|stream has expired|transaction has been rolled back|cannot (commit|rollback) - no transaction is active|server returned http status (5\d\d|429)/i;
const NETWORK_CODES = ["ECONNREFUSED", "ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED"];

/**
 * A unique key already taken: another process wrote the same thing first (two servers running the same day's
 * engine). The write was rolled back whole; reading again and redoing the work writes nothing twice.
 */
export function isUniqueConflict(e: unknown): boolean {
  for (let cause = e, depth = 0; cause && depth < 6; cause = (cause as { cause?: unknown }).cause, depth++) {
    if (/UNIQUE constraint failed/i.test(String((cause as { message?: unknown }).message ?? ""))) return true;
  }
  return false;
}

/**
 * Runs `work` again while it fails with a passing fault, for up to `budgetMs` from its start, pausing a little
 * longer each time (jittered, so that the writers that met one lock do not meet again). It must be work that leaves
 * nothing behind when it fails — one statement, one batch, or one whole transaction. On a file, SQLite itself
 * waits for the lock (the busy timeout, 5 s), so its first "locked" has spent the budget and is passed on; a
 * libSQL server answers "locked" without waiting, and the wait is here — so a request meets the same patience on
 * both before it is answered `SERVER_BUSY`.
 */
export async function retryWhileBusy<T>(work: () => Promise<T>, budgetMs = BUSY_BUDGET_MS, clock: () => number = Date.now): Promise<T> {
  const started = clock();
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (e) {
      const pause = Math.min(500, 10 * 2 ** attempt) * (0.5 + Math.random() / 2);
      if (!isTransientDbFault(e) || clock() - started + pause > budgetMs) throw e;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/** How long a request waits for a busy database in all: the embedded file's busy timeout. */
export const BUSY_BUDGET_MS = 5_000;

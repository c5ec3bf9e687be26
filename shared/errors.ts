import { z } from "zod";

/** Every error the API can answer, as a machine code. The HTTP status goes with the code. */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  /** A browser sent a data-changing request from another site's page (`Sec-Fetch-Site` / `Origin`): nothing done. */
  CROSS_SITE_REQUEST: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  /** An invitation or password link already used, expired, replaced by a newer one, or unknown. */
  LINK_STALE: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** The bytes received do not hash to the SHA-256 in the address. */
  HASH_MISMATCH: 422,
  IMPORT_REJECTED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  /**
   * A sync mutation met a fault that is not a refusal (a bug, a disk error, a constraint): nothing of the batch was
   * recorded, `details.mutationId` names the mutation; the phone sends it again later.
   */
  MUTATION_FAULT: 500,
  /** The database stayed locked by other work past the wait: nothing was recorded; try again shortly. */
  SERVER_BUSY: 503,
  /** The object storage (`STORAGE_URL`) did not answer: nothing was recorded (a photo is not received); try again later. */
  STORAGE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

/** One problem with one field of a request, `path` as dotted segments ("units.0.number"). */
export const FieldIssue = z.object({ path: z.string(), message: z.string() });
export type FieldIssue = z.infer<typeof FieldIssue>;

export const ApiErrorBody = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: "Error" });
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

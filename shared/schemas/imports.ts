import { z } from "zod";
import { Instant } from "./common";

/** In the order they must be applied: each refers to the ones before it. */
export const IMPORT_KINDS = ["customers", "contracts", "invoices", "payments"] as const;
/** How a file came in: uploaded by a person at the office, from the command line, or dropped in `IMPORT_DIR`. */
export const IMPORT_SOURCES = ["office", "command_line", "folder"] as const;

export const ImportIssue = z.object({ line: z.number().int(), column: z.string().nullable(), message: z.string() });

/** What an import did, or why the file was refused (then nothing was written). */
export const ImportReport = z
  .object({
    ok: z.boolean(),
    kind: z.enum(IMPORT_KINDS),
    fileName: z.string(),
    encoding: z.enum(["utf-8", "windows-1252"]),
    lines: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    errors: z.array(ImportIssue),
  })
  .meta({ id: "ImportReport" });

/** One import as the history shows it: who (a person, or null from the command line and the drop folder), how, what came of it. */
export const ImportRun = z
  .object({
    id: z.string(),
    kind: z.enum(IMPORT_KINDS),
    fileName: z.string(),
    source: z.enum(IMPORT_SOURCES),
    userId: z.string().nullable(),
    userName: z.string().nullable(),
    ok: z.boolean(),
    lines: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    errors: z.array(ImportIssue),
    at: Instant,
  })
  .meta({ id: "ImportRun" });

export const ImportRunsResponse = z
  .object({
    runs: z.array(ImportRun),
    /** Kind → when it was last imported without error. */
    lastSuccessful: z.record(z.string(), Instant),
  })
  .meta({ id: "ImportRunsResponse" });

/** The phases of an import as the screen shows them: waiting its turn, reading lines, checking references, writing. */
export const IMPORT_PHASES = ["waiting", "read", "check", "write"] as const;

/** An import started as a job: its id, to follow it. */
export const ImportJobStarted = z.object({ id: z.string() }).meta({ id: "ImportJobStarted" });

/**
 * Where an import started from the screen stands: running (phase, lines done out of total), done (the run as the
 * history shows it, refused or not), or failed (a fault, not a refusal: nothing was written, it can be sent again).
 */
export const ImportJobStatus = z
  .discriminatedUnion("state", [
    z.object({ state: z.literal("running"), id: z.string(), kind: z.enum(IMPORT_KINDS), fileName: z.string(), phase: z.enum(IMPORT_PHASES), done: z.number().int(), total: z.number().int() }),
    z.object({ state: z.literal("done"), id: z.string(), run: ImportRun }),
    z.object({ state: z.literal("failed"), id: z.string(), message: z.string() }),
  ])
  .meta({ id: "ImportJobStatus" });

/** How fresh the billing data is, for every office screen. */
export const ImportFreshness = z
  .object({
    /** The newest successful import of any kind, or null: never imported. */
    last: Instant.nullable(),
    /** Kind → its newest successful import. */
    byKind: z.record(z.string(), Instant),
    /** The engine holds its automatic sending (the data is older than `staleAfterHours`, or was never imported). */
    stale: z.boolean(),
    staleAfterHours: z.number().int(),
  })
  .meta({ id: "ImportFreshness" });

export type ImportReport = z.infer<typeof ImportReport>;
export type ImportRun = z.infer<typeof ImportRun>;
export type ImportRunsResponse = z.infer<typeof ImportRunsResponse>;
export type ImportJobStarted = z.infer<typeof ImportJobStarted>;
export type ImportJobStatus = z.infer<typeof ImportJobStatus>;
export type ImportFreshness = z.infer<typeof ImportFreshness>;

import { z } from "zod";
import { Instant } from "./common";

export const IMPORT_KINDS = ["customers", "contracts", "invoices", "payments"] as const;

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

export const ImportRunsResponse = z
  .object({
    runs: z.array(
      z.object({
        id: z.string(),
        kind: z.enum(IMPORT_KINDS),
        fileName: z.string(),
        ok: z.boolean(),
        lines: z.number().int(),
        created: z.number().int(),
        updated: z.number().int(),
        errors: z.array(ImportIssue),
        at: Instant,
      }),
    ),
    /** Kind → when it was last imported without error. */
    lastSuccessful: z.record(z.string(), Instant),
  })
  .meta({ id: "ImportRunsResponse" });

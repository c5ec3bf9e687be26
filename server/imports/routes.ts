import { officeOnly } from "../auth/roles";
import { z } from "zod";
import { ImportReport, ImportRunsResponse } from "../../shared/schemas/imports";
import { AppError } from "../errors";
import { createRouter, errors, json, protectedRoute } from "../http";
import { importCsv, recentImports } from "./apply";
import { IMPORT_KINDS } from "./imports.sql";

const OFFICE_ONLY = "Les imports sont faits par le bureau ou le Manager.";

/** Files from the billing software can be large; JSON bodies elsewhere stay under 1 MiB. */
export const IMPORT_MAX_BYTES = 50 * 1024 * 1024;

const upload = protectedRoute({
  method: "post",
  path: "/imports/{kind}",
  tags: ["office"],
  summary: "Import a CSV file from the billing software (customers, contracts, invoices or payments), all or nothing",
  description:
    "The body is the file itself (text/csv). French Excel files are welcome: BOM, `;`, decimal comma, DD/MM/YYYY, " +
    "Windows-1252. A file with any bad line is refused with 422 `IMPORT_REJECTED`, every bad line and column listed " +
    "in `details.errors`, and nothing written. Office and Manager only.",
  request: {
    params: z.object({ kind: z.enum(IMPORT_KINDS) }),
    body: { content: { "text/csv": { schema: z.string() } }, required: true },
  },
  responses: { 200: json(ImportReport, "Imported: lines, created, updated"), ...errors(400, 401, 403, 413, 422) },
});

const list = protectedRoute({
  method: "get",
  path: "/imports",
  tags: ["office"],
  summary: "The latest imports, refused ones included, and when each kind was last imported",
  responses: { 200: json(ImportRunsResponse, "Recent imports, newest first"), ...errors(401, 403) },
});


export const importRoutes = createRouter()
  .openapi(upload, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    const { kind } = c.req.valid("param");
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const fileName = c.req.header("x-file-name") ?? `${kind}.csv`;
    const report = await importCsv(c.get("services").db, kind, bytes, { fileName, userId: c.get("user").id, at: c.get("services").clock.now() });
    if (!report.ok) throw new AppError("IMPORT_REJECTED", `Fichier refusé : ${report.errors.length} problème(s), rien n'a été importé.`, report);
    return c.json(report, 200);
  })
  .openapi(list, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    const runs = await recentImports(c.get("services").db);
    const last: Record<string, string> = {};
    for (const r of runs) if (r.ok && !last[r.kind]) last[r.kind] = r.createdAt;
    return c.json(
      {
        runs: runs.map((r) => ({ id: r.id, kind: r.kind, fileName: r.fileName, ok: r.ok, lines: r.lines, created: r.created, updated: r.updated, errors: r.errors ?? [], at: r.createdAt })),
        lastSuccessful: last,
      },
      200,
    );
  });

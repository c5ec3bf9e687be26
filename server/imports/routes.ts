import { counted } from "../../shared/plural";
import { everySiteOnly, officeOnly } from "../auth/roles";
import { z } from "zod";
import { ImportFreshness, ImportJobStarted, ImportJobStatus, ImportReport, ImportRunsResponse } from "../../shared/schemas/imports";
import { STALE_IMPORT_HOURS, isImportStale } from "../../shared/engine/freshness";
import { AppError } from "../errors";
import { createRouter, errors, json, protectedRoute } from "../http";
import { importRunById, lastSuccessfulByKind, recentImports, type ImportRunRow } from "./apply";
import { reportCsv } from "./report";
import { IMPORT_KINDS } from "./imports.sql";

const OFFICE_ONLY = "Les imports sont faits par le bureau ou le Manager.";
const EVERY_SITE = "Les fichiers du logiciel de facturation concernent tous les sites : ils sont importés par le bureau ou par un Manager de tous les sites.";

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

const start = protectedRoute({
  method: "post",
  path: "/imports/{kind}/jobs",
  tags: ["office"],
  summary: "Start importing a CSV file from the billing software; follow it with GET /imports/runs/{id}",
  description:
    "The same import as `POST /imports/{kind}` (all or nothing, the same report), answered as soon as the file is " +
    "received: 202 with the run's id. Imports run one at a time, in the order they came. The screen follows the run " +
    "with short requests rather than one long answer, so that proxies that hold answers back and phones that lose " +
    "signal still see it through. Office and Manager only.",
  request: {
    params: z.object({ kind: z.enum(IMPORT_KINDS) }),
    query: z.object({ fileName: z.string().min(1).max(255).optional() }),
    body: { content: { "text/csv": { schema: z.string() } }, required: true },
  },
  responses: { 202: json(ImportJobStarted, "Queued: the run's id"), ...errors(400, 401, 403, 413) },
});

const follow = protectedRoute({
  method: "get",
  path: "/imports/runs/{id}",
  tags: ["office"],
  summary: "Where an import stands: running (phase, lines done of total), done (its report), or failed (a fault: nothing written)",
  request: { params: z.object({ id: z.string() }) },
  responses: { 200: json(ImportJobStatus, "Its state"), ...errors(401, 403, 404) },
});

const reportDownload = protectedRoute({
  method: "get",
  path: "/imports/runs/{id}/report.csv",
  tags: ["office"],
  summary: "An import's report as a CSV for Excel (`;`, BOM): one row per bad line, with its column and the problem",
  request: { params: z.object({ id: z.string() }) },
  responses: { 200: { content: { "text/csv": { schema: { type: "string" } } }, description: "CSV" }, ...errors(401, 403, 404) },
});

const freshness = protectedRoute({
  method: "get",
  path: "/imports/freshness",
  tags: ["office"],
  summary: "When the billing data was last imported, in all and by kind, and whether the engine holds its sending for it",
  responses: { 200: json(ImportFreshness, "The data's age"), ...errors(401, 403) },
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
    await everySiteOnly(c.var.services.db, c.get("user"), EVERY_SITE);
    const { kind } = c.req.valid("param");
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const fileName = c.req.header("x-file-name") ?? `${kind}.csv`;
    // Through the same queue as the screen's jobs: one import at a time, in a worker thread.
    const report = await c.var.services.imports.submit(kind, bytes, { fileName, userId: c.get("user").id, source: "office", at: c.get("services").clock.now() }).report;
    if (!report.ok) throw new AppError("IMPORT_REJECTED", `Fichier refusé : ${counted(report.errors.length, "problème")}, rien n'a été importé.`, report);
    return c.json(report, 200);
  })
  .openapi(start, async (c) => {
    await everySiteOnly(c.var.services.db, c.get("user"), EVERY_SITE);
    const { kind } = c.req.valid("param");
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const fileName = c.req.valid("query").fileName ?? `${kind}.csv`;
    const { services } = c.var;
    const { id, report } = services.imports.submit(kind, bytes, { fileName, userId: c.get("user").id, source: "office", at: services.clock.now() });
    // Its outcome is read with GET /imports/runs/{id}; a fault is kept there too.
    report.catch(() => {});
    return c.json({ id }, 202);
  })
  .openapi(follow, async (c) => {
    await everySiteOnly(c.var.services.db, c.get("user"), EVERY_SITE);
    const { id } = c.req.valid("param");
    const { services } = c.var;
    const job = services.imports.status(id);
    if (job?.state === "running") return c.json({ ...job, id }, 200);
    if (job?.state === "failed") return c.json({ state: "failed" as const, id, message: `L'import n'a pas abouti (${job.message}) : rien n'a été écrit, renvoyez le fichier.` }, 200);
    const run = await importRunById(services.db, id);
    if (!run) throw new AppError("NOT_FOUND", "Import inconnu.");
    return c.json({ state: "done" as const, id, run: runOf(run) }, 200);
  })
  .openapi(reportDownload, async (c) => {
    await everySiteOnly(c.var.services.db, c.get("user"), EVERY_SITE);
    const run = await importRunById(c.var.services.db, c.req.valid("param").id);
    if (!run) throw new AppError("NOT_FOUND", "Import inconnu.");
    const name = `rapport-${run.fileName.replace(/\.[^.]*$/, "")}.csv`;
    return c.body(reportCsv({ ...run, errors: run.errors ?? [], at: run.createdAt }), 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${name.replace(/[^\x20-\x7e]|"/g, "_")}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    });
  })
  .openapi(freshness, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    const { services } = c.var;
    const byKind = await lastSuccessfulByKind(services.db);
    const last = Object.values(byKind).sort().at(-1) ?? null;
    return c.json({ last, byKind, stale: isImportStale(last ? new Date(last) : null, services.clock.now()), staleAfterHours: STALE_IMPORT_HOURS }, 200);
  })
  .openapi(list, async (c) => {
    await everySiteOnly(c.var.services.db, c.get("user"), EVERY_SITE);
    const { db } = c.var.services;
    return c.json({ runs: (await recentImports(db)).map(runOf), lastSuccessful: await lastSuccessfulByKind(db) }, 200);
  });

function runOf(r: ImportRunRow) {
  return {
    id: r.id,
    kind: r.kind,
    fileName: r.fileName,
    source: r.source,
    userId: r.userId,
    userName: r.userName,
    ok: r.ok,
    lines: r.lines,
    created: r.created,
    updated: r.updated,
    errors: r.errors ?? [],
    at: r.createdAt,
  };
}

import { and, asc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { CaseIdParam } from "../../shared/schemas/cases";
import { DisposalBasisBody } from "../../shared/schemas/disposal";
import { officeOnly } from "../auth/roles";
import { recordDisposalBasis } from "./disposal";
import type { Scope } from "../auth/scope";
import { cases } from "../cases/cases.sql";
import type { Database } from "../db/client";
import { customersAtScopedSites } from "../debtors/queries";
import { recordAuditOncePerDay } from "../audit/audit";
import { AppError } from "../errors";
import { requestAddress } from "../request";
import { customerZone } from "../sites/sites";
import { chainOf, verifyChain } from "./chain";
import { evidenceRecords } from "./evidence.sql";
import { createRouter, errors, json, protectedRoute } from "../http";
import { blobState, MAX_PHOTO_BYTES, parseContentRange, readVisibleBlob, receivePiece, SHA256 } from "./blobs";
import { evidencePackPdf, evidencePackZip, type PackFile } from "./pack";

const Sha256Param = z.object({ sha256: z.string().regex(SHA256, "SHA-256 : 64 caractères hexadécimaux en minuscules") });

const BlobStateSchema = z
  .object({ sha256: z.string(), received: z.number().int(), complete: z.boolean(), size: z.number().int().nullable(), mime: z.string().nullable() })
  .meta({ id: "BlobState" });

const put = protectedRoute({
  method: "put",
  path: "/blobs/{sha256}",
  tags: ["floor"],
  summary: "Upload a photo's bytes, whole or a piece at a time (Content-Range); verified against its SHA-256",
  description:
    "Idempotent: a photo the server holds is answered `complete` at once. After a drop, `GET /blobs/{sha256}/status` " +
    `says how many bytes arrived; send the rest from there. JPEG, PNG or WebP, at most ${MAX_PHOTO_BYTES / 1024 / 1024} MiB. ` +
    "A file that is not an image (415), too large (413), or whose bytes do not hash to the address (422 HASH_MISMATCH) is refused and nothing is kept. " +
    "Each user's pieces are their own: a photo the user may not see is sent from byte 0 like a new one, even if the server holds it. " +
    "Beyond a user's share of unfinished uploads, or of photos that nothing at their sites names, the piece is refused (429, `details.reason`) and nothing is written. " +
    "When the object storage (`STORAGE_URL`) does not answer, the last piece is answered 503 `STORAGE_UNAVAILABLE` (Retry-After): the photo is not received; send the same piece again later.",
  request: { params: Sha256Param, body: { content: { "application/octet-stream": { schema: z.string() } }, required: true } },
  responses: { 200: json(BlobStateSchema, "Where the upload stands"), ...errors(400, 401, 409, 413, 415, 422, 429, 503) },
});

const status = protectedRoute({
  method: "get",
  path: "/blobs/{sha256}/status",
  tags: ["floor"],
  summary: "How many bytes of a photo the server holds, and whether it is complete",
  description:
    "Complete for a photo the user may see (one named at their sites, or that nothing names yet and they uploaded) or whose every byte they sent; " +
    "otherwise the bytes of the user's own unfinished upload, or 0 — the same answer whether or not another user's photo exists.",
  request: { params: Sha256Param },
  responses: { 200: json(BlobStateSchema, "Where the upload stands"), ...errors(400, 401, 503) },
});

const get = protectedRoute({
  method: "get",
  path: "/blobs/{sha256}",
  tags: ["office"],
  summary: "A photo's bytes",
  description: "Only a photo named at one of the user's sites (the office: anywhere), or that nothing names yet and the user uploaded; any other is 404, as a missing one.",
  request: { params: Sha256Param },
  responses: { 200: { content: { "image/jpeg": { schema: z.string() } }, description: "The photo" }, ...errors(400, 401, 404, 503) },
});

const EvidenceResponse = z
  .object({
    caseId: z.string(),
    records: z.array(
      z.object({
        seq: z.number().int(),
        kind: z.string(),
        unitId: z.string().nullable(),
        photos: z.array(z.string()),
        authorInitials: z.string(),
        deviceTime: z.string(),
        receivedAt: z.string(),
        payload: z.record(z.string(), z.unknown()),
        hash: z.string(),
      }),
    ),
    integrity: z.object({ ok: z.boolean(), records: z.number().int(), photosPending: z.array(z.string()), problems: z.array(z.string()) }),
  })
  .meta({ id: "CaseEvidence" });

const evidence = protectedRoute({
  method: "get",
  path: "/cases/{caseId}/evidence",
  tags: ["office"],
  summary: "A case's evidence log, and whether its chain and photos are intact (any change after the fact is named)",
  request: { params: CaseIdParam },
  responses: { 200: json(EvidenceResponse, "The records and the integrity check"), ...errors(400, 401, 404) },
});

const binary = (type: string, description: string) => ({ 200: { content: { [type]: { schema: { type: "string", format: "binary" } } }, description } }) as const;

const packPdf = protectedRoute({
  method: "get",
  path: "/cases/{caseId}/evidence-pack.pdf",
  tags: ["office"],
  summary: "A case's evidence pack as a PDF, to download",
  description:
    "The customer, boxes and site; the integrity check of the evidence chain; every line of the case's history with its author and " +
    "time; the letters, e-mails and SMS sent with their state and tracking numbers; each evidence record with its hash and the one " +
    "before it; each photo with its full SHA-256 (a photo not received yet, or in WebP, is named with its hash). Times in the sites' time zone.",
  request: { params: CaseIdParam },
  responses: { ...binary("application/pdf", "The PDF (`preuves-<customer ref>-<date>.pdf`)"), ...errors(400, 401, 404) },
});

const packZip = protectedRoute({
  method: "get",
  path: "/cases/{caseId}/evidence-pack.zip",
  tags: ["office"],
  summary: "A case's evidence pack as a ZIP: the original photo files, manifest.json, empreintes.txt (sha256sum -c) and the PDF",
  request: { params: CaseIdParam },
  responses: { ...binary("application/zip", "The ZIP (`preuves-<customer ref>-<date>.zip`)"), ...errors(400, 401, 404) },
});

const disposalBasis = protectedRoute({
  method: "post",
  path: "/cases/{caseId}/disposal-basis",
  tags: ["office"],
  summary: "The legal basis for disposing of an opened box's contents (office or Manager)",
  description:
    "A court order (reference and court), or the contract's clause with the commissaire de justice's report. Recorded in the case's " +
    "evidence chain and shown in the pack; without it the phone cannot record a clearing. Refused (409) for a box not opened in this " +
    "case, or already cleared. Entered again, the latest counts.",
  request: { params: CaseIdParam, body: { ...json(DisposalBasisBody, "The box and the basis"), required: true } },
  responses: { 204: { description: "Recorded" }, ...errors(400, 401, 403, 404, 409, 415) },
});

/** The case if its customer rents at one of the user's sites; any other is "not found", as an unknown one. */
async function scopedCase(db: Database, scope: Scope, caseId: string) {
  const [kase] = await db
    .select({ id: cases.id, customerId: cases.customerId })
    .from(cases)
    .where(and(eq(cases.id, caseId), inArray(cases.customerId, customersAtScopedSites(db, scope))));
  if (!kase) throw new AppError("NOT_FOUND", "Dossier introuvable à vos sites.");
  return kase;
}

// A view on the same bytes (pdf-lib and fflate write into plain ArrayBuffers), not a copy of a ZIP of photos.
const attachment = (file: PackFile, type: string) =>
  [new Uint8Array(file.bytes.buffer as ArrayBuffer, file.bytes.byteOffset, file.bytes.byteLength), 200, { "content-type": type, "content-disposition": `attachment; filename="${file.fileName}"`, "cache-control": "private, no-store" }] as const;

export const blobRoutes = createRouter()
  .openapi(disposalBasis, async (c) => {
    officeOnly(c.get("user").role, "La base légale d'un enlèvement est saisie par le bureau.");
    const { db, clock } = c.get("services");
    const kase = await scopedCase(db, c.get("scope"), c.req.valid("param").caseId);
    const { unitId, basis } = c.req.valid("json");
    const user = c.get("user");
    await recordDisposalBasis(db, { caseId: kase.id, customerId: kase.customerId, unitId, basis, by: { id: user.id, initials: user.initials }, now: clock.now() });
    return c.body(null, 204);
  })
  .openapi(evidence, async (c) => {
    const { db, config } = c.get("services");
    const { caseId } = c.req.valid("param");
    const kase = await scopedCase(db, c.get("scope"), caseId);
    const chain = chainOf(kase.id, kase.customerId);
    const rows = await db.select().from(evidenceRecords).where(eq(evidenceRecords.chain, chain)).orderBy(asc(evidenceRecords.seq));
    const report = await verifyChain(db, config.dataDir, chain);
    return c.json(
      {
        caseId,
        records: rows.map((r) => ({ seq: r.seq, kind: r.kind, unitId: r.unitId, photos: r.photos, authorInitials: r.authorInitials, deviceTime: r.deviceTime, receivedAt: r.receivedAt, payload: r.payload, hash: r.hash })),
        integrity: { ok: report.ok, records: report.records, photosPending: report.photosPending, problems: report.problems },
      },
      200,
    );
  })
  .openapi(packPdf, async (c) => {
    const { db, config, clock } = c.get("services");
    const kase = await scopedCase(db, c.get("scope"), c.req.valid("param").caseId);
    const file = await evidencePackPdf(db, kase.id, { dataDir: config.dataDir, now: clock.now(), timeZone: await customerZone(db, kase.customerId, config.siteTimeZone), tsaUrl: config.tsaUrl });
    return c.body(...attachment(file, "application/pdf"));
  })
  .openapi(packZip, async (c) => {
    const { db, config, clock } = c.get("services");
    const kase = await scopedCase(db, c.get("scope"), c.req.valid("param").caseId);
    const file = await evidencePackZip(db, kase.id, { dataDir: config.dataDir, now: clock.now(), timeZone: await customerZone(db, kase.customerId, config.siteTimeZone), tsaUrl: config.tsaUrl });
    return c.body(...attachment(file, "application/zip"));
  })
  .openapi(put, async (c) => {
    const { db, config, clock } = c.get("services");
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const { start, total } = parseContentRange(c.req.header("content-range"), bytes.length);
    const state = await receivePiece(db, config.dataDir, c.req.valid("param").sha256, { start, total, bytes }, { userId: c.get("user").id, scope: c.get("scope"), now: clock.now() });
    return c.json(state, 200);
  })
  .openapi(status, async (c) => {
    const { db, config } = c.get("services");
    return c.json(await blobState(db, config.dataDir, c.req.valid("param").sha256, { userId: c.get("user").id, scope: c.get("scope") }), 200);
  })
  .openapi(get, async (c) => {
    const { db, config } = c.get("services");
    const { sha256 } = c.req.valid("param");
    const photo = await readVisibleBlob(db, config.dataDir, sha256, { userId: c.get("user").id, scope: c.get("scope") });
    if (!photo) throw new AppError("NOT_FOUND", "Photo introuvable (pas encore reçue en entier ?).");
    // Looking at a case's evidence is audited — once a day per person and photo: a screen shows it again and again.
    await recordAuditOncePerDay(db, { event: "evidence.photo_viewed", userId: c.get("user").id, address: requestAddress(c), entity: "photo", entityId: sha256 });
    // A photo of a box's contents is personal data: no cache keeps it (the API's no-store); the phone keeps its own in IndexedDB.
    return c.body(new Uint8Array(photo.bytes), 200, { "content-type": photo.mime });
  });

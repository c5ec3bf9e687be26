import { CustomerIdParam } from "../../shared/schemas/debtors";
import type { Context } from "hono";
import type { AppEnv } from "../context";
import { AppError } from "../errors";
import { createRouter, errors, protectedRoute } from "../http";
import { customerZone } from "../sites/sites";
import { personalDataDocuments, personalDataZip } from "./access";

const DESCRIPTION =
  "Changes nothing; the download is audited. Office only: answering an access request is the controller's, and a customer may rent at sites a Manager does not see.";

/** One route of the right of access (RGPD art. 15), as a ZIP, the data alone (JSON) or the readable document (PDF). */
function accessRoute(extension: "zip" | "json" | "pdf", type: string, summary: string, description: string) {
  return protectedRoute({
    method: "get",
    path: `/customers/{customerId}/personal-data.${extension}`,
    tags: ["office"],
    summary,
    description: `${description} ${DESCRIPTION}`,
    request: { params: CustomerIdParam },
    responses: {
      200: { content: { [type]: { schema: { type: "string", format: "binary" } } }, description: `The file (\`donnees-personnelles-<ref>-<date>.${extension}\`)` },
      ...errors(400, 401, 403, 404),
    },
  });
}

const zip = accessRoute(
  "zip",
  "application/zip",
  "Everything Cadenas holds about one customer (right of access, RGPD art. 15), to hand to them (office only)",
  "A ZIP: `donnees.pdf` (French, readable, with why the data are kept, how long and the person's rights), `donnees.json` " +
    "(every row about them, by table, and the tables left out with why), the photos of their box (`photos/<sha256>.<ext>`), " +
    "their letters as printed (`courriers/`) and `empreintes.txt` (sha256sum).",
);
const json = accessRoute("json", "application/json", "The same data as the archive's `donnees.json`: every row about the customer, by table (office only)", "The files it names are in the ZIP.");
const pdf = accessRoute("pdf", "application/pdf", "The archive's `donnees.pdf`: the customer's data in French, readable, with their rights (office only)", "The files it lists are in the ZIP.");

async function documentsOf(c: Context<AppEnv>, customerId: string) {
  if (c.get("user").role !== "office") throw new AppError("FORBIDDEN", "Les demandes d'accès aux données personnelles sont traitées par le bureau.");
  const { db, config, clock } = c.get("services");
  const timeZone = await customerZone(db, customerId, config.siteTimeZone);
  return { db, options: { dataDir: config.dataDir, now: clock.now(), timeZone } };
}

function file(c: Context<AppEnv>, bytes: Uint8Array, type: string, fileName: string) {
  return c.body(new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength), 200, {
    "content-type": type,
    "content-disposition": `attachment; filename="${fileName}"`,
    "cache-control": "private, no-store",
  });
}

export const accessRoutes = createRouter()
  .openapi(zip, async (c) => {
    const { customerId } = c.req.valid("param");
    const { db, options } = await documentsOf(c, customerId);
    const archive = await personalDataZip(db, customerId, options);
    return file(c, archive.bytes, "application/zip", archive.fileName);
  })
  .openapi(json, async (c) => {
    const { customerId } = c.req.valid("param");
    const { db, options } = await documentsOf(c, customerId);
    const { data, base } = await personalDataDocuments(db, customerId, options);
    return file(c, new TextEncoder().encode(`${JSON.stringify(data, null, 2)}\n`), "application/json; charset=utf-8", `${base}.json`);
  })
  .openapi(pdf, async (c) => {
    const { customerId } = c.req.valid("param");
    const { db, options } = await documentsOf(c, customerId);
    const { pdf: bytes, base } = await personalDataDocuments(db, customerId, options);
    return file(c, bytes, "application/pdf", `${base}.pdf`);
  });

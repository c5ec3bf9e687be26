import { CustomerIdParam } from "../../shared/schemas/debtors";
import { AppError } from "../errors";
import { createRouter, errors, protectedRoute } from "../http";
import { customerZone } from "../sites/sites";
import { personalDataZip } from "./access";

const personalData = protectedRoute({
  method: "get",
  path: "/customers/{customerId}/personal-data.zip",
  tags: ["office"],
  summary: "Everything Cadenas holds about one customer (right of access, RGPD art. 15), to hand to them (office only)",
  description:
    "A ZIP: `donnees.pdf` (French, readable, with why the data are kept, how long and the person's rights), `donnees.json` " +
    "(every row about them, by table, and the tables left out with why), the photos of their box (`photos/<sha256>.<ext>`), " +
    "their letters as printed (`courriers/`) and `empreintes.txt` (sha256sum). Changes nothing; the download is audited. " +
    "Office only: answering an access request is the controller's, and a customer may rent at sites a Manager does not see.",
  request: { params: CustomerIdParam },
  responses: {
    200: { content: { "application/zip": { schema: { type: "string", format: "binary" } } }, description: "The ZIP (`donnees-personnelles-<ref>-<date>.zip`)" },
    ...errors(400, 401, 403, 404),
  },
});

export const accessRoutes = createRouter().openapi(personalData, async (c) => {
  if (c.get("user").role !== "office") throw new AppError("FORBIDDEN", "Les demandes d'accès aux données personnelles sont traitées par le bureau.");
  const { db, config, clock } = c.get("services");
  const { customerId } = c.req.valid("param");
  const timeZone = await customerZone(db, customerId, config.siteTimeZone);
  const file = await personalDataZip(db, customerId, { dataDir: config.dataDir, now: clock.now(), timeZone });
  return c.body(new Uint8Array(file.bytes.buffer as ArrayBuffer, file.bytes.byteOffset, file.bytes.byteLength), 200, {
    "content-type": "application/zip",
    "content-disposition": `attachment; filename="${file.fileName}"`,
    "cache-control": "private, no-store",
  });
});

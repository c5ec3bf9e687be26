import { CaseIdParam } from "../../shared/schemas/cases";
import { HandOverBody, HandOverIdParam, HandOverRow, HandOversResponse, Recipient, RecipientBody, RecipientIdParam, RecipientPatch, RecipientsResponse } from "../../shared/schemas/hand-over";
import { userTimeZone } from "../../shared/sites/zone";
import { officeOnly } from "../auth/roles";
import { AppError } from "../errors";
import { createRouter, errors, json, protectedRoute } from "../http";
import { requestAddress } from "../request";

import { createRecipient, handOverCase, handOverZip, listHandOvers, listRecipients, updateRecipient } from "./hand-over";

const OFFICE_ONLY = "La transmission au contentieux et ses destinataires sont gérés par le bureau.";
const onlyOffice = (role: string) => {
  if (role !== "office") throw new AppError("FORBIDDEN", OFFICE_ONLY);
};

const recipients = protectedRoute({
  method: "get",
  path: "/hand-over-recipients",
  tags: ["office"],
  summary: "The bailiffs and collection agencies the office hands cases over to, archived ones last (office only)",
  responses: { 200: json(RecipientsResponse, "The recipients"), ...errors(401, 403) },
});

const addRecipient = protectedRoute({
  method: "post",
  path: "/hand-over-recipients",
  tags: ["office"],
  summary: "Add a recipient of hand-overs: a commissaire de justice or a collection agency (office only)",
  request: { body: { ...json(RecipientBody, "Name, kind, postal address, e-mail"), required: true } },
  responses: { 201: json(Recipient, "The recipient"), ...errors(400, 401, 403) },
});

const editRecipient = protectedRoute({
  method: "put",
  path: "/hand-over-recipients/{id}",
  tags: ["office"],
  summary: "Change a recipient, or archive it (`archived: true`: no longer offered; never deleted, hand-overs keep naming it) (office only)",
  request: { params: RecipientIdParam, body: { ...json(RecipientPatch, "What changes"), required: true } },
  responses: { 200: json(Recipient, "The recipient"), ...errors(400, 401, 403, 404) },
});

const handOver = protectedRoute({
  method: "post",
  path: "/cases/{caseId}/hand-over",
  tags: ["office"],
  summary: "Hand a case over to a bailiff or a collection agency: one ZIP made and kept, the case marked, the legal hold set (office only)",
  description:
    "The ZIP holds the evidence pack, the statement of account, every letter sent to the customer (with tracking and AR), `synthese.csv` and " +
    "`manifeste.json` (every file with its SHA-256). Refused (409, the reason in French) for a case not open, already handed over, or of a customer who owes " +
    "nothing. From then on the engine and the outbox leave the customer alone.",
  request: { params: CaseIdParam, body: { ...json(HandOverBody, "The recipient and a note"), required: true } },
  responses: { 201: json(HandOverRow, "The hand-over"), ...errors(400, 401, 403, 404, 409) },
});

const list = protectedRoute({
  method: "get",
  path: "/hand-overs",
  tags: ["office"],
  summary: "The cases handed over: to whom, when, what was owed then, paid since (payments after that day), owed now (office; a Manager his sites)",
  responses: { 200: json(HandOversResponse, "Newest first"), ...errors(401, 403) },
});

const zip = protectedRoute({
  method: "get",
  path: "/hand-overs/{id}/zip",
  tags: ["office"],
  summary: "The ZIP given at the hand-over, the same bytes (audited download; office, a Manager his sites)",
  request: { params: HandOverIdParam },
  responses: { 200: { content: { "application/zip": { schema: { type: "string", format: "binary" } } }, description: "The ZIP (`contentieux-<ref>-<date>.zip`)" }, ...errors(400, 401, 403, 404, 409) },
});

export const handOverRoutes = createRouter()
  .openapi(recipients, async (c) => {
    onlyOffice(c.get("user").role);
    return c.json({ recipients: await listRecipients(c.get("services").db) }, 200);
  })
  .openapi(addRecipient, async (c) => {
    onlyOffice(c.get("user").role);
    const { db, clock } = c.get("services");
    return c.json(await createRecipient(db, c.req.valid("json"), { user: c.get("user"), address: requestAddress(c), now: clock.now() }), 201);
  })
  .openapi(editRecipient, async (c) => {
    onlyOffice(c.get("user").role);
    const { db, clock } = c.get("services");
    return c.json(await updateRecipient(db, c.req.valid("param").id, c.req.valid("json"), { user: c.get("user"), address: requestAddress(c), now: clock.now() }), 200);
  })
  .openapi(handOver, async (c) => {
    onlyOffice(c.get("user").role);
    const { db, clock, config } = c.get("services");
    const { caseId } = c.req.valid("param");
    const user = c.get("user");
    const zone = userTimeZone(user.sites, config.siteTimeZone);
    const row = await handOverCase(db, caseId, c.req.valid("json"), {
      user,
      scope: c.get("scope"),
      address: requestAddress(c),
      now: clock.now(),
      today: clock.todayIn(zone),
      timeZone: zone,
      dataDir: config.dataDir,
      tsaUrl: config.tsaUrl,
    });
    return c.json(row, 201);
  })
  .openapi(list, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    const { db, clock, config } = c.get("services");
    const today = clock.todayIn(userTimeZone(c.get("user").sites, config.siteTimeZone));
    return c.json({ handOvers: await listHandOvers(db, c.get("scope"), today) }, 200);
  })
  .openapi(zip, async (c) => {
    officeOnly(c.get("user").role, "Les dossiers transmis au contentieux sont consultés par le bureau et les managers.");
    const { db, config } = c.get("services");
    const file = await handOverZip(db, c.get("scope"), c.req.valid("param").id, config.dataDir);
    return c.body(new Uint8Array(file.bytes.buffer as ArrayBuffer, file.bytes.byteOffset, file.bytes.byteLength), 200, {
      "content-type": "application/zip",
      "content-disposition": `attachment; filename="${file.fileName}"`,
      "cache-control": "private, no-store",
    });
  });



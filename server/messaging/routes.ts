import { officeOnly } from "../auth/roles";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { and, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { MessageStatus } from "../../shared/enums";
import { smsCount } from "../../shared/messaging/sms";
import { TEMPLATE_VARIABLES, templateProblems, type MessageTemplate } from "../../shared/messaging/templates";
import {
  AcknowledgedBody,
  BatchFileParam,
  MessageDetail,
  MessageIdParam,
  MessagesQuery,
  MessagesResponse,
  PostedBody,
  PrintBody,
  PrintResponse,
  ProviderAlertsResponse,
  UnclaimedBody,
  type MessageItem,
} from "../../shared/schemas/messages";
import { PreviewQuery, PreviewResponse, TemplateBody, TemplateCodeParam, TemplatesResponse } from "../../shared/schemas/templates";
import type { Scope } from "../auth/scope";
import { actions } from "../cases/cases.sql";
import { customers } from "../customers/customers.sql";
import type { Database } from "../db/client";
import { customersAtScopedSites } from "../debtors/queries";
import { AppError } from "../errors";
import { createRouter, errors, json, protectedRoute } from "../http";
import { markCustomersChanged } from "../sync/changes";
import { loadSettings } from "../engine/settings";
import { compose, letterTerms, loadAddressees } from "./compose";
import { printedAmong, printLetters, storedBatch, storedLetterPdf, unpostedLettersPdf } from "./letters";
import { recordReceipt } from "./receipts";
import { messageAttempts, messages, messageTemplates } from "./messaging.sql";
import { loadTemplates } from "./outbox";
import { currentAlerts } from "./alerts";
import { changes, recordAudit } from "../audit/audit";
import { requestAddress } from "../request";

const OFFICE_ONLY = "Les envois sont suivis par le bureau ou le Manager.";

/** Why a message is not sent again on request (only a failed one, or one left to check, is). */
const NOT_AGAIN: Record<Exclude<MessageStatus, "failed" | "unknown">, string> = {
  queued: "est déjà en file",
  sending: "est en cours d'envoi",
  sent: "est déjà parti",
  // It never reached anyone, but it is final: the office reads the file; a provider set later does not resend it.
  written: "a été écrit dans le dossier local (aucun fournisseur d'envoi configuré) : il n'est pas renvoyé",
  cancelled: "est annulé",
};

// The office's view of the outbox: templates (edited, previewed with a real customer), every message and each
// attempt at it, the letters to print and post, registered letters' tracking numbers and acknowledgements.


const pdfResponse = { 200: { content: { "application/pdf": { schema: { type: "string", format: "binary" } } }, description: "PDF" } } as const;

const listTemplates = protectedRoute({
  method: "get",
  path: "/templates",
  tags: ["office"],
  summary: "Message templates (e-mail, SMS, letter variants) and the variables they may use",
  responses: { 200: json(TemplatesResponse, "Templates"), ...errors(401, 403) },
});
const putTemplate = protectedRoute({
  method: "put",
  path: "/templates/{code}",
  tags: ["office"],
  summary: "Save a template; an unknown {{variable}} is refused",
  request: { params: TemplateCodeParam, body: { ...json(TemplateBody, "The template"), required: true } },
  responses: { 200: json(TemplatesResponse, "Templates after the change"), ...errors(400, 401, 403) },
});
const preview = protectedRoute({
  method: "get",
  path: "/templates/{code}/preview",
  tags: ["office"],
  summary: "A template filled for a real customer, as it would go today (SMS: its cost)",
  request: { params: TemplateCodeParam, query: PreviewQuery },
  responses: { 200: json(PreviewResponse, "The filled message"), ...errors(400, 401, 403, 404) },
});
const previewPdf = protectedRoute({
  method: "get",
  path: "/templates/{code}/preview.pdf",
  tags: ["office"],
  summary: "The template's letter filled for a real customer, as a PDF",
  request: { params: TemplateCodeParam, query: PreviewQuery },
  responses: { ...pdfResponse, ...errors(400, 401, 403, 404) },
});
const list = protectedRoute({
  method: "get",
  path: "/messages",
  tags: ["office"],
  summary: "The outbox: messages newest first, with their status, attempts and last error",
  request: { query: MessagesQuery },
  responses: { 200: json(MessagesResponse, "Messages"), ...errors(401, 403) },
});
const alerts = protectedRoute({
  method: "get",
  path: "/provider-alerts",
  tags: ["office"],
  summary: "A provider refusing every message of a channel (configuration: key, sender, AUTH, credit): what, since when, how many messages wait",
  responses: { 200: json(ProviderAlertsResponse, "The alerts, none when all is well"), ...errors(401, 403) },
});
const detail = protectedRoute({
  method: "get",
  path: "/messages/{id}",
  tags: ["office"],
  summary: "One message: its text and every attempt",
  request: { params: MessageIdParam },
  responses: { 200: json(MessageDetail, "The message"), ...errors(401, 403, 404) },
});
const raw = protectedRoute({
  method: "get",
  path: "/messages/{id}/raw",
  tags: ["office"],
  summary: "The message as written to the local outbox folder (.eml or SMS text), when no provider is set",
  request: { params: MessageIdParam },
  responses: { 200: { content: { "message/rfc822": { schema: { type: "string" } } }, description: "The file" }, ...errors(401, 403, 404) },
});
const retry = protectedRoute({
  method: "post",
  path: "/messages/{id}/retry",
  tags: ["office"],
  summary: "Send again a failed message, or one left to check after an interruption (the office checked it did not go)",
  request: { params: MessageIdParam },
  responses: { 200: json(MessageDetail, "The message, queued again"), ...errors(401, 403, 404, 409) },
});
const print = protectedRoute({
  method: "post",
  path: "/letters/print",
  tags: ["office"],
  summary:
    "Print letters for posting (these `ids`, or all waiting, up to `date` if given): letters no longer due are cancelled with the reason; the others are dated today, rendered (a registered letter in its 3 copies: registered, simple, file; a simple letter once) and stored — the answer links the stored PDF",
  request: { body: { ...json(PrintBody, "Which letters"), required: true } },
  responses: { 200: json(PrintResponse, "The batch printed and the letters cancelled"), ...errors(400, 401, 403, 404, 409) },
});
const batchPdf = protectedRoute({
  method: "get",
  path: "/letters/batches/{file}",
  tags: ["office"],
  summary: "A printed batch's stored PDF (`{batch id}.pdf`), as it was printed; changes nothing",
  request: { params: BatchFileParam },
  responses: { ...pdfResponse, ...errors(400, 401, 403, 404) },
});
const letterPdf = protectedRoute({
  method: "get",
  path: "/messages/{id}/letter.pdf",
  tags: ["office"],
  summary: "A letter as it was last printed for posting (its copies), from the stored PDF; changes nothing",
  request: { params: MessageIdParam },
  responses: { ...pdfResponse, ...errors(400, 401, 403, 404) },
});
const posted = protectedRoute({
  method: "post",
  path: "/letters/posted",
  tags: ["office"],
  summary: "Letters put in the post; a registered letter needs its tracking number (it then gates the next steps)",
  request: { body: { ...json(PostedBody, "The letters"), required: true } },
  responses: { 200: json(MessagesResponse, "The letters recorded"), ...errors(400, 401, 403, 404, 409) },
});
const acknowledged = protectedRoute({
  method: "post",
  path: "/letters/{id}/acknowledged",
  tags: ["office"],
  summary:
    "What came back of a registered letter: its acknowledgement of receipt (`outcome` acknowledged, the default) or the letter unclaimed (*pli avisé et non réclamé*); either is its receipt, from which its deadlines count",
  request: { params: MessageIdParam, body: { ...json(AcknowledgedBody, "The AR, or the unclaimed return"), required: true } },
  responses: { 200: json(MessageDetail, "The letter"), ...errors(400, 401, 403, 404, 409) },
});
const unclaimed = protectedRoute({
  method: "post",
  path: "/letters/{id}/unclaimed",
  tags: ["office"],
  summary: "A registered letter came back unclaimed (*pli avisé et non réclamé*): the day it came back counts as its receipt",
  request: { params: MessageIdParam, body: { ...json(UnclaimedBody, "The return"), required: true } },
  responses: { 200: json(MessageDetail, "The letter"), ...errors(400, 401, 403, 404, 409) },
});

async function templatesResponse(db: Database) {
  const stored = new Set((await db.select({ code: messageTemplates.code }).from(messageTemplates)).map((r) => r.code));
  const all = await loadTemplates(db);
  return { templates: [...all.values()].map((t) => ({ ...t, customized: stored.has(t.code) })), variables: { ...TEMPLATE_VARIABLES } };
}

function columns() {
  return {
    id: messages.id,
    // The joined customer's id: never null here (an account's e-mail has no customer and is not listed).
    customerId: customers.id,
    customerRef: customers.ref,
    name: customers.name,
    channel: messages.channel,
    purpose: messages.purpose,
    step: messages.stepCode,
    template: messages.templateCode,
    recipient: messages.recipient,
    subject: messages.subject,
    status: messages.status,
    attempts: messages.attempts,
    lastError: messages.lastError,
    notBefore: messages.notBefore,
    sentAt: messages.sentAt,
    deliveryStatus: messages.deliveryStatus,
    deliveredAt: messages.deliveredAt,
    trackingNumber: sql<string | null>`case when ${messages.channel} = 'registered_letter' then ${messages.providerId} end`,
    createdAt: messages.createdAt,
    body: messages.body,
  };
}

async function items(db: Database, scope: Scope, where: SQL | undefined, limit = 200): Promise<(MessageItem & { body: string })[]> {
  return db
    .select(columns())
    .from(messages)
    .innerJoin(customers, eq(customers.id, messages.customerId))
    .where(and(where, inArray(messages.customerId, customersAtScopedSites(db, scope))))
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit(limit);
}

async function detailOf(db: Database, scope: Scope, id: string) {
  const [item] = await items(db, scope, eq(messages.id, id), 1);
  if (!item) throw new AppError("NOT_FOUND", "Message introuvable à vos sites.");
  const tries = await db
    .select({ at: messageAttempts.at, worker: messageAttempts.worker, outcome: messageAttempts.outcome, detail: messageAttempts.detail })
    .from(messageAttempts)
    .where(eq(messageAttempts.messageId, id))
    .orderBy(messageAttempts.at);
  return { ...item, tries };
}

async function previewOf(db: Database, scope: Scope, code: string, customerId: string, channel: (typeof messages.$inferSelect)["channel"], today: string) {
  const template = (await loadTemplates(db)).get(code);
  if (!template) throw new AppError("NOT_FOUND", `Modèle inconnu : ${code}`);
  const [inScope] = await db.select({ id: customers.id }).from(customers).where(and(eq(customers.id, customerId), inArray(customers.id, customersAtScopedSites(db, scope))));
  if (!inScope) throw new AppError("NOT_FOUND", "Client introuvable à vos sites.");
  const person = (await loadAddressees(db, [customerId], today)).get(customerId)!;
  const composed = compose(template, channel, person, today, { terms: letterTerms(await loadSettings(db)) });
  if (!composed) throw new AppError("NOT_FOUND", `Le modèle « ${code} » n'a pas de version ${channel === "sms" ? "SMS" : channel === "email" ? "courriel" : "lettre"}.`);
  return { ...composed, siteId: person.site.id };
}

export const messagingRoutes = createRouter()
  .openapi(listTemplates, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    return c.json(await templatesResponse(c.get("services").db), 200);
  })
  .openapi(putTemplate, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    const { db } = c.get("services");
    const template: MessageTemplate = { code: c.req.valid("param").code, ...c.req.valid("json") };
    const problems = templateProblems(template);
    if (problems.length > 0) throw new AppError("VALIDATION_FAILED", problems.join(" ; "), { issues: problems.map((message) => ({ path: "template", message })) });
    const before = (await loadTemplates(db)).get(template.code) ?? null;
    await db
      .insert(messageTemplates)
      .values({ code: template.code, template })
      .onConflictDoUpdate({ target: messageTemplates.code, set: { template, updatedAt: new Date().toISOString() } });
    await recordAudit(db, { event: "template.updated", userId: c.get("user").id, address: requestAddress(c), entity: "template", entityId: template.code, details: changes(before, template) });
    return c.json(await templatesResponse(db), 200);
  })
  .openapi(preview, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    const { db, clock } = c.get("services");
    const { customerId, channel } = c.req.valid("query");
    const { code } = c.req.valid("param");
    const composed = await previewOf(db, c.get("scope"), code, customerId, channel, clock.today());
    return c.json(
      {
        channel,
        recipient: composed.recipient,
        subject: composed.subject,
        body: composed.body,
        sms: channel === "sms" ? smsCount(composed.body) : null,
        pdf: composed.letter ? `/api/templates/${code}/preview.pdf?customerId=${customerId}&channel=${channel}` : null,
      },
      200,
    );
  })
  .openapi(previewPdf, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    const { db, clock } = c.get("services");
    const { customerId, channel } = c.req.valid("query");
    const composed = await previewOf(db, c.get("scope"), c.req.valid("param").code, customerId, channel, clock.today());
    if (!composed.letter) throw new AppError("NOT_FOUND", "Ce message n'a pas de lettre.");
    const pdf = await unpostedLettersPdf(db, [{ id: null, siteId: composed.siteId, letter: composed.letter }]);
    return c.body(Buffer.from(pdf), 200, { "content-type": "application/pdf", "content-disposition": `inline; filename="apercu-${c.req.valid("param").code}.pdf"` });
  })
  .openapi(list, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    const { db } = c.get("services");
    const q = c.req.valid("query");
    const found = await items(
      db,
      c.get("scope"),
      and(q.status ? eq(messages.status, q.status) : undefined, q.channel ? eq(messages.channel, q.channel) : undefined, q.customerId ? eq(messages.customerId, q.customerId) : undefined),
      q.limit ?? 200,
    );
    const counts = await db
      .select({ status: messages.status, n: sql<number>`count(*)` })
      .from(messages)
      .where(inArray(messages.customerId, customersAtScopedSites(db, c.get("scope"))))
      .groupBy(messages.status);
    return c.json({ items: found.map(({ body: _, ...i }) => i), counts: Object.fromEntries(counts.map((r) => [r.status, Number(r.n)])) }, 200);
  })
  .openapi(alerts, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    const { db } = c.get("services");
    const raised = await currentAlerts(db);
    if (raised.length === 0) return c.json({ alerts: [] }, 200);
    const waiting = await db
      .select({ channel: messages.channel, n: sql<number>`count(*)` })
      .from(messages)
      .where(and(eq(messages.status, "queued"), inArray(messages.channel, raised.map((a) => a.channel)), inArray(messages.customerId, customersAtScopedSites(db, c.get("scope")))))
      .groupBy(messages.channel);
    const count = new Map(waiting.map((w) => [w.channel, Number(w.n)]));
    return c.json({ alerts: raised.map((a) => ({ channel: a.channel, code: a.code, message: a.message, detail: a.detail, since: a.since, lastAt: a.lastAt, waiting: count.get(a.channel) ?? 0 })) }, 200);
  })
  .openapi(detail, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    return c.json(await detailOf(c.get("services").db, c.get("scope"), c.req.valid("param").id), 200);
  })
  .openapi(raw, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    const { db, config } = c.get("services");
    const m = await detailOf(db, c.get("scope"), c.req.valid("param").id);
    const file = [`${m.id}.eml`, `${m.id}.sms.txt`].map((f) => join(config.dataDir, "outbox", f)).find((f) => existsSync(f));
    if (!file) throw new AppError("NOT_FOUND", "Pas de fichier local pour ce message (envoyé par un fournisseur, ou pas encore parti).");
    return c.body(readFileSync(file), 200, { "content-type": file.endsWith(".eml") ? "message/rfc822" : "text/plain; charset=utf-8" });
  })
  .openapi(retry, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    const { db, clock } = c.get("services");
    const { id } = c.req.valid("param");
    const m = await detailOf(db, c.get("scope"), id);
    if (m.status !== "failed" && m.status !== "unknown") throw new AppError("CONFLICT", `Ce message ${NOT_AGAIN[m.status]}.`);
    const user = c.get("user");
    await db.update(messages).set({ status: "queued", notBefore: null, lastError: null }).where(eq(messages.id, id));
    await db.insert(messageAttempts).values({ id: uuidv7(), messageId: id, worker: user.initials, at: clock.now().toISOString(), outcome: "retry", detail: `Renvoi demandé par ${user.name}` });
    return c.json(await detailOf(db, c.get("scope"), id), 200);
  })
  .openapi(print, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    const { db, clock, config } = c.get("services");
    const body = c.req.valid("json");
    const result = await printLetters(
      db,
      { ids: body.ids, upTo: body.date },
      { dataDir: config.dataDir, timeZone: config.siteTimeZone, clock, user: c.get("user"), customersInScope: customersAtScopedSites(db, c.get("scope")), address: requestAddress(c) },
    );
    return c.json(result, 200);
  })
  .openapi(batchPdf, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    const { db, config } = c.get("services");
    const id = c.req.valid("param").file.replace(/\.pdf$/, "");
    const stored = await storedBatch(db, config.dataDir, id);
    // Only the user's sites: a batch with a letter to a customer elsewhere is not theirs to read.
    const visible = stored ? await items(db, c.get("scope"), inArray(messages.id, stored.batch.messageIds), stored.batch.messageIds.length) : [];
    if (!stored || visible.length !== stored.batch.messageIds.length) throw new AppError("NOT_FOUND", "Lot de courriers introuvable à vos sites.");
    if (!stored.bytes) throw new AppError("NOT_FOUND", "Le PDF de ce lot n'est plus sur le serveur, ou a été modifié.");
    return c.body(Buffer.from(stored.bytes), 200, { "content-type": "application/pdf", "content-disposition": `inline; filename="courriers-${stored.batch.printedOn}.pdf"` });
  })
  .openapi(letterPdf, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    const { db, config } = c.get("services");
    const m = await detailOf(db, c.get("scope"), c.req.valid("param").id);
    const bytes = await storedLetterPdf(db, config.dataDir, m.id);
    if (!bytes) throw new AppError("NOT_FOUND", "Cette lettre n'a pas été imprimée pour l'envoi (ou son PDF n'est plus sur le serveur).");
    return c.body(Buffer.from(bytes), 200, { "content-type": "application/pdf", "content-disposition": `inline; filename="lettre-${m.customerRef}-${m.id}.pdf"` });
  })
  .openapi(posted, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    const { db, clock } = c.get("services");
    const user = c.get("user");
    const { letters } = c.req.valid("json");
    const found = await items(db, c.get("scope"), inArray(messages.id, letters.map((l) => l.id)), letters.length);
    const missing = letters.filter((l) => !found.some((f) => f.id === l.id));
    if (missing.length > 0) throw new AppError("NOT_FOUND", "Lettre introuvable à vos sites.", { ids: missing.map((m) => m.id) });
    // A letter goes as it was printed: one never printed has no stored copy for the record (nor a date).
    const printed = await printedAmong(db, found.map((m) => m.id));
    const problems = found.flatMap((m) => {
      const wanted = letters.find((l) => l.id === m.id)!;
      if (m.channel !== "letter" && m.channel !== "registered_letter") return [`${m.name} : ce n'est pas une lettre`];
      if (m.status !== "queued") return [`${m.name} : lettre ${m.status === "sent" ? "déjà postée" : "annulée"}`];
      if (!printed.has(m.id)) return [`${m.name} : lettre pas encore imprimée (imprimez-la avant de la poster)`];
      if (m.channel === "registered_letter" && !wanted.trackingNumber) return [`${m.name} : numéro de suivi de la lettre recommandée manquant`];
      return [];
    });
    if (problems.length > 0) throw new AppError("CONFLICT", problems.join(" ; "));
    const now = clock.now().toISOString();
    await db.transaction(async (tx) => {
      const where = new Map(
        (await tx.select({ id: messages.id, caseId: messages.caseId, siteId: messages.siteId }).from(messages).where(inArray(messages.id, found.map((m) => m.id)))).map((r) => [r.id, r]),
      );
      for (const m of found) {
        const tracking = letters.find((l) => l.id === m.id)!.trackingNumber?.toUpperCase() ?? null;
        await tx.update(messages).set({ status: "sent", sentAt: now, providerId: tracking, attempts: m.attempts + 1 }).where(eq(messages.id, m.id));
        await tx.insert(messageAttempts).values({ id: uuidv7(), messageId: m.id, worker: user.initials, at: now, outcome: "sent", detail: tracking ? `Posté en recommandé, suivi ${tracking}` : "Posté" });
        const row = where.get(m.id);
        await tx.insert(actions).values({
          id: uuidv7(),
          caseId: row?.caseId ?? null,
          customerId: m.customerId,
          siteId: row?.siteId ?? null,
          userId: user.id,
          initials: user.initials,
          kind: m.channel === "registered_letter" ? "registered_letter" : "letter",
          text: m.channel === "registered_letter" ? `LRAR ${m.step ?? ""} envoyée, suivi ${tracking} : « ${m.subject} »` : `Lettre ${m.step ?? ""} envoyée : « ${m.subject} »`,
          happenedAt: now,
          // The engine's gate reads `step` of registered letters: the next steps may now come.
          data: { messageId: m.id, step: m.step, trackingNumber: tracking },
        });
      }
      await markCustomersChanged(tx, [...new Set(found.map((f) => f.customerId))]);
    });
    const after = await items(db, c.get("scope"), inArray(messages.id, letters.map((l) => l.id)), letters.length);
    return c.json({ items: after.map(({ body: _, ...i }) => i), counts: {} }, 200);
  })
  .openapi(acknowledged, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    const { db, clock } = c.get("services");
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    await detailOf(db, c.get("scope"), id); // at the user's sites
    await recordReceipt(db, { messageId: id, outcome: body.outcome ?? "acknowledged", receivedOn: body.receivedOn, photoSha256: body.photoSha256, today: clock.today(), now: clock.now(), by: c.get("user") });
    return c.json(await detailOf(db, c.get("scope"), id), 200);
  })
  .openapi(unclaimed, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    const { db, clock } = c.get("services");
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    await detailOf(db, c.get("scope"), id);
    await recordReceipt(db, { messageId: id, outcome: "unclaimed", receivedOn: body.receivedOn, photoSha256: body.photoSha256, today: clock.today(), now: clock.now(), by: c.get("user") });
    return c.json(await detailOf(db, c.get("scope"), id), 200);
  });

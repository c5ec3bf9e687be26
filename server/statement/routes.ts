import { and, eq, inArray } from "drizzle-orm";
import { CustomerIdParam } from "../../shared/schemas/debtors";
import { StatementEmailBody, StatementEmailResponse, StatementQuery } from "../../shared/schemas/statement";
import { officeOnly } from "../auth/roles";
import type { Scope } from "../auth/scope";
import { userToday } from "../clock";
import { customers } from "../customers/customers.sql";
import type { Database } from "../db/client";
import { customersAtScopedSites } from "../debtors/queries";
import { AppError } from "../errors";
import { createRouter, errors, json, protectedRoute } from "../http";
import { queueStatementEmail, statementPdf } from "./statement";

const pdf = protectedRoute({
  method: "get",
  path: "/customers/{customerId}/statement.pdf",
  tags: ["office"],
  summary: "A customer's statement of account (relevé de compte) at a date, as a PDF",
  description:
    "Invoices, payments, credit notes and write-offs up to the date with the running balance, the balance at the date, and what falls due " +
    "later; the site's letterhead. `at` defaults to today in the user's zone. The office, and the people of the customer's sites; the download is audited.",
  request: { params: CustomerIdParam, query: StatementQuery },
  responses: { 200: { content: { "application/pdf": { schema: { type: "string", format: "binary" } } }, description: "The PDF (`releve-<ref>-<date>.pdf`)" }, ...errors(400, 401, 404) },
});

const email = protectedRoute({
  method: "post",
  path: "/customers/{customerId}/statement/email",
  tags: ["office"],
  summary: "Queue an e-mail to the customer with their statement attached (office or Manager)",
  description:
    "Through the outbox (purpose `floor`): the statement is made when the e-mail goes, after the usual checks (stop, dispute, hand-over, nothing owed). " +
    "Once per customer and date: a second request answers the e-mail already queued (`alreadyQueued`). 409 when the customer has no e-mail address.",
  request: { params: CustomerIdParam, body: { ...json(StatementEmailBody, "The date (default today)"), required: true } },
  responses: { 202: json(StatementEmailResponse, "Queued (not sent yet)"), ...errors(400, 401, 403, 404, 409) },
});

/** The customer if they rent at one of the user's sites; any other is "not found", as an unknown one. */
async function scopedCustomer(db: Database, scope: Scope, customerId: string): Promise<string> {
  const [row] = await db
    .select({ id: customers.id })
    .from(customers)
    .where(and(eq(customers.id, customerId), inArray(customers.id, customersAtScopedSites(db, scope))));
  if (!row) throw new AppError("NOT_FOUND", "Client introuvable à vos sites.");
  return row.id;
}

export const statementRoutes = createRouter()
  .openapi(pdf, async (c) => {
    const { db, clock, config } = c.get("services");
    const customerId = await scopedCustomer(db, c.get("scope"), c.req.valid("param").customerId);
    const at = c.req.valid("query").at ?? userToday(clock, c.get("user"), config.siteTimeZone);
    const file = await statementPdf(db, customerId, at);
    return c.body(new Uint8Array(file.bytes.buffer as ArrayBuffer, file.bytes.byteOffset, file.bytes.byteLength), 200, {
      "content-type": "application/pdf",
      "content-disposition": `attachment; filename="${file.fileName}"`,
      "cache-control": "private, no-store",
    });
  })
  .openapi(email, async (c) => {
    officeOnly(c.get("user").role, "L'envoi du relevé de compte est fait par le bureau.");
    const { db, clock, config } = c.get("services");
    const customerId = await scopedCustomer(db, c.get("scope"), c.req.valid("param").customerId);
    const today = userToday(clock, c.get("user"), config.siteTimeZone);
    const at = c.req.valid("json").at ?? today;
    if (at > today) throw new AppError("VALIDATION_FAILED", "Un relevé de compte ne peut pas être daté dans le futur.", { issues: [{ path: "at", message: "dans le futur" }] });
    return c.json(await queueStatementEmail(db, customerId, at, today), 202);
  });

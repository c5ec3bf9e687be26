import { officeOnly } from "../auth/roles";
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { formatDateFr } from "../../shared/dates";
import { MarkEnteredBody, MarkEnteredResponse, ToEnterQuery, ToEnterResponse, type ToEnterItem } from "../../shared/schemas/billing";
import type { Scope } from "../auth/scope";
import { customers } from "../customers/customers.sql";
import type { Database } from "../db/client";
import { customersAtScopedSites } from "../debtors/queries";
import { AppError } from "../errors";
import { createRouter, errors, json, protectedRoute } from "../http";
import { invoices } from "./billing.sql";
import { csvCell, csvEuros, csvFile } from "../csv";

const OFFICE_ONLY = "La facturation est l'affaire du bureau ou du Manager.";

const list = protectedRoute({
  method: "get",
  path: "/billing/to-enter",
  tags: ["office"],
  summary: "Fees, credit notes and write-offs made in Cadenas, to enter in the billing software under the same ref",
  request: { query: ToEnterQuery },
  responses: { 200: json(ToEnterResponse, "Oldest first"), ...errors(401, 403) },
});

const csv = protectedRoute({
  method: "get",
  path: "/billing/to-enter.csv",
  tags: ["office"],
  summary: "The same list as a CSV for Excel (`;`, decimal comma, DD/MM/YYYY, BOM)",
  request: { query: ToEnterQuery },
  responses: { 200: { content: { "text/csv": { schema: { type: "string" } } }, description: "CSV" }, ...errors(401, 403) },
});

const mark = protectedRoute({
  method: "post",
  path: "/billing/to-enter/exported",
  tags: ["office"],
  summary: "Mark these refs as entered in the billing software (they leave the pending list)",
  request: { body: { ...json(MarkEnteredBody, "Refs entered"), required: true } },
  responses: { 200: json(MarkEnteredResponse, "How many were marked"), ...errors(400, 401, 403, 404) },
});

async function toEnter(db: Database, scope: Scope, all: boolean): Promise<ToEnterItem[]> {
  const rows = await db
    .select({
      ref: invoices.ref,
      kind: invoices.kind,
      customerRef: customers.ref,
      customerName: customers.name,
      date: invoices.issueDate,
      amountCents: invoices.amountCents,
      appliesTo: sql<string | null>`(select t.ref from invoices t where t.id = ${invoices.appliesToId})`,
      label: invoices.label,
      exportedAt: invoices.exportedAt,
    })
    .from(invoices)
    .innerJoin(customers, eq(customers.id, invoices.customerId))
    .where(
      and(
        eq(invoices.source, "cadenas"),
        all ? undefined : isNull(invoices.exportedAt),
        inArray(invoices.customerId, customersAtScopedSites(db, scope)),
      ),
    )
    .orderBy(invoices.issueDate, invoices.ref);
  return rows.map((r) => ({ ...r, kind: r.kind as ToEnterItem["kind"] }));
}

const KIND_FR = { fee: "frais", credit_note: "avoir", write_off: "perte" } as const;

function toCsv(items: readonly ToEnterItem[]): string {
  return csvFile([
    ["ref", "type", "client", "nom", "date", "montant", "facture_visee", "libelle"],
    // Text cells neutralised against formulas; the date and the amount (negative for a credit note) stay values.
    ...items.map((i) => [csvCell(i.ref), csvCell(KIND_FR[i.kind]), csvCell(i.customerRef), csvCell(i.customerName), formatDateFr(i.date), csvEuros(i.amountCents), csvCell(i.appliesTo ?? ""), csvCell(i.label ?? "")]),
  ]);
}


export const billingRoutes = createRouter()
  .openapi(list, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    return c.json({ items: await toEnter(c.get("services").db, c.get("scope"), c.req.valid("query").show === "all") }, 200);
  })
  .openapi(csv, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    const items = await toEnter(c.get("services").db, c.get("scope"), c.req.valid("query").show === "all");
    return c.body(toCsv(items), 200, { "content-type": "text/csv; charset=utf-8", "content-disposition": 'attachment; filename="cadenas-a-saisir.csv"' });
  })
  .openapi(mark, async (c) => {
    officeOnly(c.get("user").role, OFFICE_ONLY);
    const { db, clock } = c.get("services");
    const { refs } = c.req.valid("json");
    const known = new Set(
      (
        await db
          .select({ ref: invoices.ref })
          .from(invoices)
          .where(and(inArray(invoices.ref, refs), eq(invoices.source, "cadenas"), inArray(invoices.customerId, customersAtScopedSites(db, c.get("scope")))))
      ).map((r) => r.ref),
    );
    const missing = refs.filter((r) => !known.has(r));
    if (missing.length > 0) throw new AppError("NOT_FOUND", `Inconnu ou hors de vos sites : ${missing.slice(0, 5).join(", ")}`, { missing });
    const marked = await db
      .update(invoices)
      .set({ exportedAt: clock.now().toISOString() })
      .where(and(inArray(invoices.ref, refs), eq(invoices.source, "cadenas"), isNull(invoices.exportedAt)))
      .returning({ ref: invoices.ref });
    return c.json({ marked: marked.length }, 200);
  });

import { FollowUpQuery, FollowUpResponse } from "../../shared/schemas/follow-up";
import type { Context } from "hono";
import type { AppEnv } from "../context";
import { officeOnly } from "../auth/roles";
import { userToday } from "../clock";
import { createRouter, errors, json, protectedRoute } from "../http";
import { followUp } from "./query";
import { followUpCsv } from "./export";
import { userTimeZone } from "../../shared/sites/zone";
import { BULK_MAX, BulkBody, BulkResponse, SavedViewBody, SavedViewSaved, SavedViewsResponse } from "../../shared/schemas/office-actions";
import { Id } from "../../shared/schemas/common";
import { z } from "zod";
import { AppError } from "../errors";
import { bulkApply } from "../customers/office-actions";
import { officeContext } from "../customers/routes";
import { followUpXlsx } from "./xlsx";
import { deleteView, listViews, saveView } from "./views";
import type { Scope } from "../auth/scope";
import type { Database } from "../db/client";

const list = protectedRoute({
  method: "get",
  path: "/followup",
  tags: ["office"],
  summary: "The follow-up table: customers who owe or have an open case at the user's sites, filtered, sorted, one page",
  request: { query: FollowUpQuery },
  responses: { 200: json(FollowUpResponse, "One page of rows, with the total and balance of all matching rows"), ...errors(400, 401, 403) },
});

const csv = protectedRoute({
  method: "get",
  path: "/followup.csv",
  tags: ["office"],
  summary: "The follow-up table's current view (the same query, every page) as a CSV for French Excel",
  request: { query: FollowUpQuery },
  responses: { 200: { content: { "text/csv": { schema: { type: "string" } } }, description: "CSV: `;`, decimal comma, BOM, formulas neutralised" }, ...errors(400, 401, 403) },
});

const xlsx = protectedRoute({
  method: "get",
  path: "/followup.xlsx",
  tags: ["office"],
  summary: "The follow-up table's current view (the same query, every page) as an Excel workbook",
  request: { query: FollowUpQuery },
  responses: {
    200: { content: { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": { schema: { type: "string", format: "binary" } } }, description: "XLSX: amounts in euros, dates as dates, text never a formula" },
    ...errors(400, 401, 403),
  },
});

const bulk = protectedRoute({
  method: "post",
  path: "/followup/bulk",
  tags: ["office"],
  summary: "One action on a selection of the follow-up table (ticked rows, or every row of a view), all or nothing: any refused customer and nothing is written (409, each one and why in details.refused)",
  request: { body: { ...json(BulkBody, "The selection and the action"), required: true } },
  responses: { 200: json(BulkResponse, "Done for every customer of the selection"), ...errors(400, 401, 403, 409) },
});

const views = protectedRoute({
  method: "get",
  path: "/followup/views",
  tags: ["office"],
  summary: "The user's own saved views of the follow-up table",
  responses: { 200: json(SavedViewsResponse, "The user's views, by name"), ...errors(401, 403) },
});

const saveViewRoute = protectedRoute({
  method: "post",
  path: "/followup/views",
  tags: ["office"],
  summary: "Save the current view under a name (the user's view of the same name is replaced)",
  request: { body: { ...json(SavedViewBody, "Name and query string"), required: true } },
  responses: { 200: json(SavedViewSaved, "Saved; `replaced` when a view of that name was there"), ...errors(400, 401, 403) },
});

const deleteViewRoute = protectedRoute({
  method: "delete",
  path: "/followup/views/{id}",
  tags: ["office"],
  summary: "Delete one of the user's saved views (another user's is not found)",
  request: { params: z.object({ id: Id }) },
  responses: { 204: { description: "Deleted" }, ...errors(401, 403, 404) },
});

const OFFICE_ONLY = "Le suivi des impayés est réservé au siège et aux managers.";
/** An export holds every row of the view, not one page. */
const ALL_ROWS = 1_000_000;

/** Every row of the view the query describes (an export), with the day and the user's zone its dates are in. */
async function wholeView(c: Context<AppEnv>, query: FollowUpQuery) {
  const user = c.get("user");
  officeOnly(user.role, OFFICE_ONLY);
  const { db, clock, config } = c.get("services");
  const asOf = userToday(clock, user, config.siteTimeZone);
  const view = await followUp(db, c.get("scope"), { ...query, offset: 0, cursor: undefined, limit: ALL_ROWS }, asOf);
  return { rows: view.rows, asOf, timeZone: userTimeZone(user.sites, config.siteTimeZone) };
}

export const followUpRoutes = createRouter()
  .openapi(list, async (c) => {
    const user = c.get("user");
    officeOnly(user.role, OFFICE_ONLY);
    const { db, clock, config } = c.get("services");
    return c.json(await followUp(db, c.get("scope"), c.req.valid("query"), userToday(clock, user, config.siteTimeZone)), 200);
  })
  .openapi(csv, async (c) => {
    const { rows, asOf, timeZone } = await wholeView(c, c.req.valid("query"));
    return c.body(followUpCsv(rows, timeZone), 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="suivi-impayes-${asOf}.csv"`,
    });
  })
  .openapi(xlsx, async (c) => {
    const { rows, asOf, timeZone } = await wholeView(c, c.req.valid("query"));
    const bytes = await followUpXlsx(rows, timeZone);
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      "content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "content-disposition": `attachment; filename="suivi-impayes-${asOf}.xlsx"`,
    });
  })
  .openapi(bulk, async (c) => {
    const ctx = officeContext(c, OFFICE_ONLY);
    const { db } = c.get("services");
    const body = c.req.valid("json");
    const ids = body.customerIds ?? (await viewIds(db, ctx.scope, body.view ?? "", ctx.today));
    return c.json(await bulkApply(db, ctx, body.requestId, ids, body.action), 200);
  })
  .openapi(views, async (c) => {
    const user = c.get("user");
    officeOnly(user.role, OFFICE_ONLY);
    return c.json({ views: await listViews(c.get("services").db, user.id) }, 200);
  })
  .openapi(saveViewRoute, async (c) => {
    const user = c.get("user");
    officeOnly(user.role, OFFICE_ONLY);
    const { db, clock } = c.get("services");
    return c.json(await saveView(db, user.id, c.req.valid("json"), clock.now()), 200);
  })
  .openapi(deleteViewRoute, async (c) => {
    const user = c.get("user");
    officeOnly(user.role, OFFICE_ONLY);
    await deleteView(c.get("services").db, user.id, c.req.valid("param").id);
    return c.body(null, 204);
  });

/** Every customer of a view (the table's query string), as the table lists them; refused past `BULK_MAX`. */
async function viewIds(db: Database, scope: Scope, view: string, asOf: string): Promise<string[]> {
  const params = new URLSearchParams(view.replace(/^\?/, ""));
  const input: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    input[key] = all.length === 1 ? all[0]! : all;
  }
  const parsed = FollowUpQuery.safeParse(input);
  if (!parsed.success) throw new AppError("VALIDATION_FAILED", `La vue n'est pas lisible : ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`, { issues: parsed.error.issues.map((i) => ({ path: `view.${i.path.join(".")}`, message: i.message })) });
  const found = await followUp(db, scope, { ...parsed.data, offset: 0, cursor: undefined, limit: ALL_ROWS }, asOf);
  if (found.total === 0) throw new AppError("CONFLICT", "Cette vue ne contient aucun client : rien à faire.", { refused: [] });
  if (found.total > BULK_MAX) throw new AppError("CONFLICT", `Cette vue compte ${found.total} clients : ${BULK_MAX} au plus à la fois. Affinez les filtres.`, { refused: [] });
  return found.rows.map((r) => r.customerId);
}

import { FollowUpQuery, FollowUpResponse } from "../../shared/schemas/follow-up";
import { officeOnly } from "../auth/roles";
import { userToday } from "../clock";
import { createRouter, errors, json, protectedRoute } from "../http";
import { followUp } from "./query";
import { followUpCsv } from "./export";
import { userTimeZone } from "../../shared/sites/zone";

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

const OFFICE_ONLY = "Le suivi des impayés est réservé au siège et aux managers.";
/** An export holds every row of the view, not one page. */
const ALL_ROWS = 1_000_000;

export const followUpRoutes = createRouter()
  .openapi(list, async (c) => {
    const user = c.get("user");
    officeOnly(user.role, OFFICE_ONLY);
    const { db, clock, config } = c.get("services");
    return c.json(await followUp(db, c.get("scope"), c.req.valid("query"), userToday(clock, user, config.siteTimeZone)), 200);
  })
  .openapi(csv, async (c) => {
    const user = c.get("user");
    officeOnly(user.role, OFFICE_ONLY);
    const { db, clock, config } = c.get("services");
    const asOf = userToday(clock, user, config.siteTimeZone);
    const view = await followUp(db, c.get("scope"), { ...c.req.valid("query"), offset: 0, cursor: undefined, limit: ALL_ROWS }, asOf);
    return c.body(followUpCsv(view.rows, userTimeZone(user.sites, config.siteTimeZone)), 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="suivi-impayes-${asOf}.csv"`,
    });
  });

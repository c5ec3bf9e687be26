import { addDays, addMonths } from "../../shared/dates";
import { DashboardQuery, DashboardResponse } from "../../shared/schemas/dashboard";
import { officeOnly } from "../auth/roles";
import { userToday } from "../clock";
import { createRouter, errors, json, protectedRoute } from "../http";
import { dashboardFigures } from "./figures";

const figures = protectedRoute({
  method: "get",
  path: "/dashboard",
  tags: ["office"],
  summary: "The dashboards: aged balance, the procedure's funnel, what pays off, recovery — all sites asked for and each",
  request: { query: DashboardQuery },
  responses: { 200: json(DashboardResponse, "The figures, all sites together and one site at a time"), ...errors(400, 401, 403) },
});

const OFFICE_ONLY = "Le tableau de bord est réservé au siège et aux managers.";

export const dashboardRoutes = createRouter().openapi(figures, async (c) => {
  const user = c.get("user");
  officeOnly(user.role, OFFICE_ONLY);
  const { db, clock, config } = c.get("services");
  const today = userToday(clock, user, config.siteTimeZone);
  const query = c.req.valid("query");
  const to = query.to ?? today;
  // Twelve whole months to `to`'s: the default period.
  const from = query.from ?? addDays(addMonths(to, -12), 1);
  return c.json(await dashboardFigures(db, c.get("scope"), { sites: query.site, from, to }, today), 200);
});

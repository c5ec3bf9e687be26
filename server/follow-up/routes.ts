import { FollowUpQuery, FollowUpResponse } from "../../shared/schemas/follow-up";
import { officeOnly } from "../auth/roles";
import { userToday } from "../clock";
import { createRouter, errors, json, protectedRoute } from "../http";
import { followUp } from "./query";

const list = protectedRoute({
  method: "get",
  path: "/follow-up",
  tags: ["office"],
  summary: "The follow-up table: customers who owe or have an open case at the user's sites, filtered, sorted, one page",
  request: { query: FollowUpQuery },
  responses: { 200: json(FollowUpResponse, "One page of rows, with the total and balance of all matching rows"), ...errors(400, 401, 403) },
});

export const followUpRoutes = createRouter().openapi(list, async (c) => {
  const user = c.get("user");
  officeOnly(user.role, "Le suivi des impayés est réservé au siège et aux managers.");
  const { db, clock, config } = c.get("services");
  return c.json(await followUp(db, c.get("scope"), c.req.valid("query"), userToday(clock, user, config.siteTimeZone)), 200);
});

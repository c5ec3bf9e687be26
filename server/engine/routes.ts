import { ApprovalsResponse, DecisionBody, DecisionResponse } from "../../shared/schemas/approvals";
import { officeOnly } from "../auth/roles";
import { userToday } from "../clock";
import { createRouter, errors, json, protectedRoute } from "../http";
import { decide, listApprovals } from "./approvals";

const list = protectedRoute({
  method: "get",
  path: "/approvals",
  tags: ["office"],
  summary: "Steps waiting for a decision (R2, registered letters, contract ends), with the customer's balance and history",
  responses: { 200: json(ApprovalsResponse, "Waiting steps, oldest first"), ...errors(401, 403) },
});

const decision = protectedRoute({
  method: "post",
  path: "/approvals",
  tags: ["office"],
  summary: "Approve or reject waiting steps, in bulk; contract ends need a Manager",
  request: { body: { ...json(DecisionBody, "The decision and the planned action ids"), required: true } },
  responses: { 200: json(DecisionResponse, "How many actions were decided"), ...errors(400, 401, 403, 404, 409) },
});

export const approvalRoutes = createRouter()
  .openapi(list, async (c) => {
    officeOnly(c.get("user").role, "Les validations sont faites par le bureau ou le Manager.");
    const { db, clock, config } = c.get("services");
    return c.json({ items: await listApprovals(db, c.get("scope"), userToday(clock, c.get("user"), config.siteTimeZone)) }, 200);
  })
  .openapi(decision, async (c) => {
    const { db, clock, config } = c.get("services");
    return c.json({ decided: await decide(db, c.get("user"), c.get("scope"), c.req.valid("json"), clock.now(), userToday(clock, c.get("user"), config.siteTimeZone)) }, 200);
  });

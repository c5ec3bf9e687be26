import { CloseCaseBody, CloseCaseResponse, CaseIdParam, PaymentPlanBody, PaymentPlanResponse } from "../../shared/schemas/cases";
import { CustomerIdParam } from "../../shared/schemas/debtors";
import { userTimeZone } from "../../shared/sites/zone";
import { userToday } from "../clock";
import { createRouter, errors, json, protectedRoute } from "../http";
import { agreePaymentPlan, closeCaseByHand } from "./closing";

const close = protectedRoute({
  method: "post",
  path: "/cases/{caseId}/close",
  tags: ["office"],
  summary: "Close a case by hand: write the debt off (Manager) or file it after the contract ended (debt handed over)",
  request: { params: CaseIdParam, body: { ...json(CloseCaseBody, "Why it closes"), required: true } },
  responses: { 200: json(CloseCaseResponse, "The closed case"), ...errors(400, 401, 403, 404, 409) },
});

const plan = protectedRoute({
  method: "post",
  path: "/customers/{customerId}/payment-plans",
  tags: ["office"],
  summary: "Record a payment plan agreed with the customer; automatic reminders wait while it is kept",
  request: { params: CustomerIdParam, body: { ...json(PaymentPlanBody, "The instalments"), required: true } },
  responses: { 201: json(PaymentPlanResponse, "The plan"), ...errors(400, 401, 403, 404, 409) },
});

export const caseRoutes = createRouter()
  .openapi(close, async (c) => {
    const { db, clock, config } = c.get("services");
    const timeZone = userTimeZone(c.get("user").sites, config.siteTimeZone);
    return c.json(await closeCaseByHand(db, c.get("user"), c.get("scope"), c.req.valid("param").caseId, c.req.valid("json"), clock.todayIn(timeZone), clock.now(), timeZone), 200);
  })
  .openapi(plan, async (c) => {
    const { db, clock, config } = c.get("services");
    return c.json(await agreePaymentPlan(db, c.get("user"), c.get("scope"), c.req.valid("param").customerId, c.req.valid("json"), userToday(clock, c.get("user"), config.siteTimeZone), clock.now()), 201);
  });

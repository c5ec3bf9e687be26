import type { Context } from "hono";
import { CustomerIdParam } from "../../shared/schemas/debtors";
import { DisputeBody, OfficeState } from "../../shared/schemas/office-actions";
import { officeOnly } from "../auth/roles";
import { userToday } from "../clock";
import type { AppEnv } from "../context";
import { createRouter, errors, json, protectedRoute } from "../http";
import { requestAddress } from "../request";
import { setDispute, type OfficeContext } from "./office-actions";

// The office's decisions on one customer from the debtor page. Stop / resume go through the follow-up table's
// bulk route with one customer (the same functions, `office-actions.ts`).

const dispute = protectedRoute({
  method: "put",
  path: "/customers/{customerId}/dispute",
  tags: ["office"],
  summary: "Put a customer in dispute (litige) or lift it, with a note: no automatic step and no message meanwhile; sets / lifts the dispute's legal hold (office and Manager)",
  request: { params: CustomerIdParam, body: { ...json(DisputeBody, "In dispute or not, and why"), required: true } },
  responses: { 200: json(OfficeState, "Where the customer stands now"), ...errors(400, 401, 403, 404, 409) },
});

/** Who acts, from where, when: office work only (the office, a Manager at their sites). */
export function officeContext(c: Context<AppEnv>, refusal: string): OfficeContext {
  const user = c.get("user");
  officeOnly(user.role, refusal);
  const { clock, config } = c.get("services");
  return { user, scope: c.get("scope"), address: requestAddress(c), now: clock.now(), today: userToday(clock, user, config.siteTimeZone) };
}

export const customerRoutes = createRouter().openapi(dispute, async (c) => {
  const ctx = officeContext(c, "Le litige est décidé par le bureau ou le Manager.");
  const body = c.req.valid("json");
  return c.json(await setDispute(c.get("services").db, ctx, c.req.valid("param").customerId, body.dispute, body.note), 200);
});

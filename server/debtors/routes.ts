import { CustomerIdParam, DebtorDetail, TodayResponse } from "../../shared/schemas/debtors";
import { userToday } from "../clock";
import { createRouter, errors, json, protectedRoute } from "../http";
import { getDebtor, listDebtors } from "./queries";

const today = protectedRoute({
  method: "get",
  path: "/today",
  tags: ["floor"],
  summary: "The user's debtors: customers with an open case at their sites, most urgent first",
  responses: { 200: json(TodayResponse, "Debtors of the user's sites"), ...errors(401) },
});

const debtor = protectedRoute({
  method: "get",
  path: "/debtors/{customerId}",
  tags: ["floor"],
  summary: "One debtor: contact, units, invoices, payments, open tasks and history",
  request: { params: CustomerIdParam },
  responses: { 200: json(DebtorDetail, "The debtor"), ...errors(400, 401, 404) },
});

export const debtorRoutes = createRouter()
  .openapi(today, async (c) => {
    const { db, clock, config } = c.get("services");
    const asOf = userToday(clock, c.get("user"), config.siteTimeZone);
    const debtors = await listDebtors(db, c.get("scope"), asOf);
    const balanceCents = debtors.reduce((sum, d) => sum + d.balanceCents, 0);
    return c.json({ asOf, totals: { debtors: debtors.length, balanceCents }, debtors }, 200);
  })
  .openapi(debtor, async (c) => {
    const { db, clock, config } = c.get("services");
    return c.json(await getDebtor(db, c.get("scope"), c.req.valid("param").customerId, userToday(clock, c.get("user"), config.siteTimeZone)), 200);
  });

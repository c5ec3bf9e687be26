import { PullBody, PullResponse } from "../../shared/schemas/debtor-doc";
import { PushBody, PushResponse } from "../../shared/schemas/mutations";
import { createRouter, errors, json, protectedRoute } from "../http";
import { pullChanges } from "./pull";
import { pushMutations } from "./push";

const push = protectedRoute({
  method: "post",
  path: "/sync/push",
  tags: ["sync"],
  summary: "Apply a phone's mutations, each exactly once, in their order",
  description:
    "Each mutation is answered `applied`, `rejected` with a reason for the user, or `duplicate` (already processed; " +
    "`original` says how). A malformed mutation fails the whole request with 400 naming it (`mutations.N.field`) " +
    "and nothing of the batch is applied: the phone sets it aside and sends the rest again.",
  request: { body: { ...json(PushBody, "The phone's id and its mutations"), required: true } },
  responses: { 200: json(PushResponse, "One result a mutation, in the request's order"), ...errors(400, 401, 409, 415) },
});

const pull = protectedRoute({
  method: "post",
  path: "/sync/pull",
  tags: ["sync"],
  summary: "What changed in the user's scope since the cursor",
  request: { body: { ...json(PullBody, "The phone's id and cursor"), required: true } },
  responses: { 200: json(PullResponse, "Changed and removed debtors, and the next cursor"), ...errors(400, 401, 409, 415) },
});

export const syncRoutes = createRouter()
  .openapi(push, async (c) => {
    const { db, clock, config } = c.get("services");
    const { clientId, mutations } = c.req.valid("json");
    const result = await pushMutations(db, { user: c.get("user"), scope: c.get("scope"), clientId, mutations, now: clock.now(), timeZone: config.siteTimeZone });
    return c.json(result, 200);
  })
  .openapi(pull, async (c) => {
    const { db, clock } = c.get("services");
    const body = c.req.valid("json");
    const result = await pullChanges(db, { ...body, user: c.get("user"), scope: c.get("scope"), asOf: clock.today(), now: clock.now() });
    return c.json(result, 200);
  });

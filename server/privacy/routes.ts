import type { Context } from "hono";
import { CustomerIdParam } from "../../shared/schemas/debtors";
import { ErasureRequestBody, ErasureResponse, LegalHoldBody, PrivacyLookupQuery, PrivacyStatus } from "../../shared/schemas/privacy";
import type { AppEnv } from "../context";
import { AppError } from "../errors";
import { createRouter, errors, json, protectedRoute } from "../http";
import { requestAddress } from "../request";
import { customerIdOfRef, privacyStatus, requestErasure, setLegalHold, type Actor } from "./privacy";

// The customer's personal data as the controller's office handles them: the retention state, the legal hold, the
// erasure requests. The office alone: a person's rights and the legal holds are the controller's decisions, not the
// floor's nor a site's Manager's.

const status = protectedRoute({
  method: "get",
  path: "/customers/{customerId}/privacy",
  tags: ["office"],
  summary: "Where a customer's personal data stand: legal hold, retention (kept, archived until, due), erasure (office only)",
  request: { params: CustomerIdParam },
  responses: { 200: json(PrivacyStatus, "The customer's state"), ...errors(401, 403, 404) },
});

const lookup = protectedRoute({
  method: "get",
  path: "/privacy/customers",
  tags: ["office"],
  summary: "The same for the customer of a billing ref, whether followed or not (office only)",
  request: { query: PrivacyLookupQuery },
  responses: { 200: json(PrivacyStatus, "The customer's state"), ...errors(400, 401, 403, 404) },
});

const hold = protectedRoute({
  method: "put",
  path: "/customers/{customerId}/legal-hold",
  tags: ["office"],
  summary: "Set or lift a legal hold with its reason (dispute, hand-over): while held, nothing is pseudonymised or erased (office only)",
  request: { params: CustomerIdParam, body: { ...json(LegalHoldBody, "Held or not, and why"), required: true } },
  responses: { 200: json(PrivacyStatus, "The customer's state"), ...errors(400, 401, 403, 404, 409) },
});

const erasure = protectedRoute({
  method: "post",
  path: "/customers/{customerId}/erasure-requests",
  tags: ["office"],
  summary: "A person's erasure request: carried out at once where the law allows, refused (409, the reasons in details.obstacles) where it does not; recorded either way (office only)",
  request: { params: CustomerIdParam, body: { ...json(ErasureRequestBody, "The request as received"), required: true } },
  responses: { 200: json(ErasureResponse, "Carried out (or done already)"), ...errors(400, 401, 403, 404, 409) },
});

function actor(c: Context<AppEnv>): Actor {
  const user = c.get("user");
  if (user.role !== "office") throw new AppError("FORBIDDEN", "Les données personnelles des clients (conservation, effacement) sont gérées par le bureau.");
  const { clock, config } = c.get("services");
  return { user, address: requestAddress(c), today: clock.today(), now: clock.now(), dataDir: config.dataDir };
}

export const privacyRoutes = createRouter()
  .openapi(status, async (c) => {
    const a = actor(c);
    return c.json(await privacyStatus(c.get("services").db, c.req.valid("param").customerId, a.today), 200);
  })
  .openapi(lookup, async (c) => {
    const a = actor(c);
    const { db } = c.get("services");
    return c.json(await privacyStatus(db, await customerIdOfRef(db, c.req.valid("query").ref), a.today), 200);
  })
  .openapi(hold, async (c) => {
    const a = actor(c);
    return c.json(await setLegalHold(c.get("services").db, c.req.valid("param").customerId, c.req.valid("json"), a), 200);
  })
  .openapi(erasure, async (c) => {
    const a = actor(c);
    return c.json(await requestErasure(c.get("services").db, c.req.valid("param").customerId, c.req.valid("json"), a), 200);
  });

import { PullBody, PullResponse } from "../../shared/schemas/debtor-doc";
import { PushBody, PushResponse, SetAsideBody, SetAsideList } from "../../shared/schemas/mutations";
import { officeOnly } from "../auth/roles";
import { userToday } from "../clock";
import { retryWhileBusy } from "../db/faults";
import { createRouter, errors, json, protectedRoute } from "../http";
import { asksForLines } from "./lines";
import { pullChanges } from "./pull";
import { notePending, pushMutations } from "./push";
import { listSetAside, reportSetAside } from "./set-aside";
import { userTimeZone } from "../../shared/sites/zone";
import { NDJSON, pageAsLines } from "../../shared/sync-lines";

const push = protectedRoute({
  method: "post",
  path: "/sync/push",
  tags: ["sync"],
  summary: "Apply a phone's mutations, each exactly once, in their order",
  description:
    "Each mutation is answered `applied`, `rejected` with a reason for the user, or `duplicate` (already processed; " +
    "`original` says how). A malformed mutation fails the whole request with 400 naming it (`mutations.N.field`) " +
    "and nothing of the batch is applied: the phone sets it aside and sends the rest again. Only a rule of the " +
    "domain rejects a mutation; any other fault fails the request with 500 `MUTATION_FAULT` naming it " +
    "(`details.mutationId`), or 503 `SERVER_BUSY` when the database stayed locked, and nothing of the batch is " +
    "recorded: the phone sends it again later. A mutation never processed is applied whatever its `seq`.",
  request: { body: { ...json(PushBody, "The phone's id and its mutations"), required: true } },
  responses: { 200: json(PushResponse, "One result a mutation, in the request's order"), ...errors(400, 401, 409, 415, 500, 503) },
});

const reportSetAsideRoute = protectedRoute({
  method: "post",
  path: "/sync/set-aside",
  tags: ["sync"],
  summary: "A phone reports the mutations it set aside after repeated server faults",
  description: "Sent apart from the failing push so the office sees them; the phone keeps trying them. Reported again, a row is updated.",
  request: { body: { ...json(SetAsideBody, "The phone's id, the set-aside mutations, its pending count"), required: true } },
  responses: { 204: { description: "Recorded" }, ...errors(400, 401, 409, 415) },
});

const listSetAsideRoute = protectedRoute({
  method: "get",
  path: "/sync/set-aside",
  tags: ["office"],
  summary: "Actions the phones set aside after repeated server faults (office or Manager)",
  responses: { 200: json(SetAsideList, "Latest reports first; those processed since come last"), ...errors(401, 403) },
});

const pull = protectedRoute({
  method: "post",
  path: "/sync/pull",
  tags: ["sync"],
  summary: "What changed in the user's scope since the cursor",
  description:
    "Plain JSON by default. A client whose `Accept` prefers `application/x-ndjson` gets the same page as lines: first " +
    "the page without `docs`, then one line a document, in order, so it can parse them as they arrive. Errors stay JSON.",
  request: { body: { ...json(PullBody, "The phone's id and cursor"), required: true } },
  responses: {
    200: {
      content: {
        "application/json": { schema: PullResponse },
        [NDJSON]: { schema: { type: "string", description: "The page without `docs`, then one `DebtorDoc` a line" } },
      },
      description: "Changed and removed debtors, and the next cursor",
    },
    ...errors(400, 401, 409, 415),
  },
});

export const syncRoutes = createRouter()
  .openapi(push, async (c) => {
    const { db, clock, config } = c.get("services");
    const { clientId, mutations, pending } = c.req.valid("json");
    const result = await pushMutations(db, { user: c.get("user"), scope: c.get("scope"), clientId, mutations, pending, now: clock.now(), timeZone: userTimeZone(c.get("user").sites, config.siteTimeZone) });
    c.get("services").metrics?.pushed(result.results);
    return c.json(result, 200);
  })
  .openapi(reportSetAsideRoute, async (c) => {
    const { db, clock } = c.get("services");
    await reportSetAside(db, { user: c.get("user"), body: c.req.valid("json"), now: clock.now() });
    return c.body(null, 204);
  })
  .openapi(listSetAsideRoute, async (c) => {
    officeOnly(c.get("user").role, "La liste des actions mises de côté est au bureau.");
    return c.json({ items: await listSetAside(c.get("services").db, c.get("scope")) }, 200);
  })
  .openapi(pull, async (c) => {
    const { db, clock, config } = c.get("services");
    const body = c.req.valid("json");
    // A read, tried again while the database is busy.
    const result = await retryWhileBusy(() => pullChanges(db, { ...body, user: c.get("user"), scope: c.get("scope"), asOf: userToday(clock, c.get("user"), config.siteTimeZone), now: clock.now() }));
    if (body.pending !== undefined) await notePending(db, { clientId: body.clientId, userId: c.get("user").id, pending: body.pending, now: clock.now() });
    c.get("services").metrics?.pulled(result.docs.length, result.removed.length);
    // The answer's form depends on Accept: caches must not hand one client's form to the other.
    c.header("Vary", "Accept", { append: true });
    // The route's types know only JSON answers (any media type with "json" in its name is read as JSON), hence the cast.
    if (asksForLines(c.req.header("Accept"))) return c.body(pageAsLines(result), 200, { "Content-Type": `${NDJSON}; charset=utf-8` }) as never;
    return c.json(result, 200);
  });

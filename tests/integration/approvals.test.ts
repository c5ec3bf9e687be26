import { eq, inArray } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cases } from "../../server/cases/cases.sql";
import { plannedActions } from "../../server/engine/engine.sql";
import { runEngineDay } from "../../server/engine/run";
import type { ApprovalsResponse } from "../../shared/schemas/approvals";
import { TEST_TODAY, call, signIn, startTestServer, type TestServer } from "../support/server";
import { addDays } from "../../shared/dates";

// The approval queue: what waits for the office or the Manager, decided in bulk, by role.

let server: TestServer;
let office: string;
let manager: string;
let floor: string;
beforeAll(async () => {
  server = await startTestServer();
  [office, manager, floor] = await Promise.all([signIn(server.url, "bureau@demo.test"), signIn(server.url, "manager@demo.test"), signIn(server.url, "gestionnaire@demo.test")]);
  await runEngineDay(server.services.db, { asOf: addDays(TEST_TODAY, 13), dryRun: false, now: server.services.clock.now() });
});
afterAll(() => server.close());

const list = (cookie: string) => call<ApprovalsResponse>(server.url, "GET", "/api/approvals", { cookie });
const decide = (cookie: string, decision: "approve" | "reject", ids: string[]) => call(server.url, "POST", "/api/approvals", { cookie, body: { decision, ids } });

it("lists the waiting steps with the customer's balance, level and history; not for the floor", async () => {
  expect((await list(floor)).status).toBe(403);
  const { status, body } = await list(office);
  expect(status).toBe(200);
  expect(body.items.length).toBeGreaterThan(0);
  for (const item of body.items) {
    expect(item.balanceCents).toBeGreaterThan(0);
    expect(item.actions.length).toBeGreaterThan(0);
    expect(item.history.length).toBeLessThanOrEqual(5);
    expect(item.date <= addDays(TEST_TODAY, 13)).toBe(true);
  }
});

it("approves several in one go: carried out, then no longer waiting; twice is a conflict", async () => {
  const items = (await list(office)).body.items.filter((i) => i.decidedBy === "office").slice(0, 3);
  const ids = items.flatMap((i) => i.actions.map((a) => a.id));
  const res = await decide(office, "approve", ids);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body).toEqual({ decided: ids.length });
  const rows = await server.services.db.select().from(plannedActions).where(inArray(plannedActions.id, ids));
  for (const r of rows) expect(r.status).toBe(r.action === "message" ? "approved" : "done");
  // A level approved is written to the case.
  for (const r of rows.filter((x) => x.action === "level" && x.caseId)) {
    const [k] = await server.services.db.select().from(cases).where(eq(cases.id, r.caseId!));
    expect(k!.level).toBe(r.detail!.level);
  }
  expect((await list(office)).body.items.flatMap((i) => i.actions.map((a) => a.id))).not.toContain(ids[0]);
  expect((await decide(office, "approve", ids)).status).toBe(409);
});

it("rejects: nothing is carried out", async () => {
  const [item] = (await list(office)).body.items;
  const ids = item!.actions.map((a) => a.id);
  expect((await decide(office, "reject", ids)).status).toBe(200);
  const rows = await server.services.db.select().from(plannedActions).where(inArray(plannedActions.id, ids));
  expect(rows.every((r) => r.status === "rejected")).toBe(true);
});

it("leaves a contract end to the Manager, refuses unknown ids and the floor", async () => {
  const [someone] = (await list(office)).body.items;
  const id = uuidv7();
  await server.services.db.insert(plannedActions).values({
    id,
    customerId: someone!.customerId,
    caseId: someone!.caseId,
    key: `test|exit|1|0`,
    scenario: "box",
    step: "exit",
    occurrence: 1,
    action: "contract_end",
    channel: null,
    date: addDays(TEST_TODAY, 8),
    needsApproval: true,
    status: "awaiting_approval",
  });
  const item = (await list(manager)).body.items.find((i) => i.actions.some((a) => a.id === id));
  expect(item?.decidedBy).toBe("manager");
  const refused = await decide(office, "approve", [id]);
  expect(refused.status).toBe(403);
  expect(refused.body.error.message).toMatch(/Manager/);
  expect((await decide(floor, "approve", [id])).status).toBe(403);
  expect((await decide(manager, "approve", [uuidv7()])).status).toBe(404);
  expect((await decide(manager, "approve", [id])).status).toBe(200);
});

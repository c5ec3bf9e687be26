import { and, eq, isNotNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { generateDemoData } from "../../server/demo/generate";
import { actions } from "../../server/cases/cases.sql";
import { engineRuns, plannedActions } from "../../server/engine/engine.sql";
import { runEngineDay } from "../../server/engine/run";
import type { ApprovalsResponse } from "../../shared/schemas/approvals";
import type { MessageDetail, MessageItem } from "../../shared/schemas/messages";
import type { ToEnterItem } from "../../shared/schemas/billing";
import { call, signIn, startTestServer, TEST_NOW, TEST_TODAY, type TestServer } from "../support/server";

// A fresh demo, as a person trying Cadenas starts it: the server's own engine run at start fills the office's
// queues — steps to approve, letters to post, a fee to enter — and the history holds letters posted with their
// receipt and an e-mail refused. Nothing is inserted into a queue by hand: the demo's stories stop the day before
// a step falls due, and the run plans it.

let server: TestServer;
let office: string;
beforeAll(async () => {
  // The daily run is due from 06:00; the server's clock starts at 10:00 on TEST_TODAY, so it runs at start.
  server = await startTestServer({ env: { ENGINE_AT: "06:00" } });
  office = await signIn(server.url, "bureau@demo.test");
  const db = server.services.db;
  await vi.waitFor(
    async () => {
      const done = await db.select().from(engineRuns).where(and(eq(engineRuns.asOf, TEST_TODAY), isNotNull(engineRuns.finishedAt)));
      if (done.length !== 1) throw new Error("today's run has not finished yet");
    },
    { timeout: 20_000, interval: 100 },
  );
});
afterAll(() => server.close());

const get = <T>(path: string) => call<T>(server.url, "GET", `/api${path}`, { cookie: office });
type MessagesResponse = { items: MessageItem[]; counts: Record<string, number> };
type ToEnterResponse = { items: ToEnterItem[] };

describe("a fresh demo's first engine run", () => {
  it("plans only the steps the demo's stories stopped short of, each once", async () => {
    const db = server.services.db;
    const [run] = await db.select().from(engineRuns).where(eq(engineRuns.asOf, TEST_TODAY));
    expect(run!.heldReason).toBeNull();
    expect(run!.planned).toBeGreaterThan(0);
    const left = generateDemoData({ today: TEST_TODAY, now: TEST_NOW }).leftToEngine;
    const planned = await db.select().from(plannedActions).where(eq(plannedActions.runId, run!.id));
    const leftIds = new Set(left.map((l) => l.customerId));
    expect(planned.filter((p) => !leftIds.has(p.customerId))).toEqual([]);
    for (const l of left) expect(planned.filter((p) => p.customerId === l.customerId).map((p) => p.step), l.step).toContain(l.step);
    // Every step planned falls after the day its story stops.
    for (const p of planned) expect(p.date > left.find((l) => l.customerId === p.customerId)!.recordedUntil).toBe(true);

    const again = await runEngineDay(db, { asOf: TEST_TODAY, dryRun: false, now: server.services.clock.now() });
    expect(again.plan).toEqual([]);
  });

  it("leaves steps to approve: the R2-notice, the registered letter R2, the formal notice R3 with a company's fees", async () => {
    const res = await get<ApprovalsResponse>("/approvals");
    expect(res.status).toBe(200);
    const steps = new Set(res.body.items.map((i) => i.step));
    for (const step of ["R2-notice", "R2", "R3"]) expect(steps, step).toContain(step);
    const r3 = res.body.items.filter((i) => i.step === "R3");
    expect(r3.some((i) => i.actions.some((a) => a.action === "fee"))).toBe(true);
  });

  it("leaves letters to post: the R1 sent by post to a customer without e-mail", async () => {
    const res = await get<MessagesResponse>("/messages?status=queued&channel=letter&limit=500");
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeGreaterThan(0);
    expect(res.body.items.map((m) => m.step)).toContain("R1");
  });

  it("shows in the history a registered letter posted with its tracking number and its receipt back, and an e-mail refused", async () => {
    const sent = await get<MessagesResponse>("/messages?status=sent&limit=200");
    const received = sent.body.items.filter((m) => m.channel === "registered_letter" && m.deliveryStatus === "acknowledged");
    expect(received.length).toBeGreaterThan(0);
    expect(received[0]!.trackingNumber).toMatch(/^1A /);
    expect(received[0]!.deliveredAt! <= TEST_TODAY).toBe(true);
    const posted = await get<MessageDetail>(`/messages/${received[0]!.id}`);
    expect(posted.body.tries.map((t) => t.outcome)).toEqual(["sent"]);
    expect(posted.body.body.length).toBeGreaterThan(0);

    const failed = await get<MessagesResponse>("/messages?status=failed&limit=200");
    const refused = failed.body.items.filter((m) => m.channel === "email");
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.lastError).toMatch(/^Adresse refusée : 550 5\.1\.1/);
    const detail = await get<MessageDetail>(`/messages/${refused[0]!.id}`);
    expect(detail.body.tries).toMatchObject([{ outcome: "failed", detail: refused[0]!.lastError }]);
    expect(detail.body.recipient).toContain("@");
  });

  it("leaves a fee to enter in the billing software: the SEPA reject's, billed by the engine with the first contact", async () => {
    const res = await get<ToEnterResponse>("/billing/to-enter");
    expect(res.status).toBe(200);
    const fees = res.body.items.filter((i) => i.kind === "fee");
    expect(fees.length).toBeGreaterThan(0);
    expect(fees.every((f) => f.ref.startsWith("CAD-FR-"))).toBe(true);
  });

  it("tells nothing after the server's clock", async () => {
    const now = server.services.clock.now().toISOString();
    const late = (await server.services.db.select({ at: actions.happenedAt }).from(actions)).filter((a) => a.at > now);
    expect(late).toEqual([]);
  });
});

describe("a fresh demo started before the engine's hour", () => {
  it("runs today's engine at once, so the queues are not empty at 05:00", async () => {
    // 05:00 in Paris on TEST_TODAY: an hour before ENGINE_AT.
    const early = await startTestServer({ env: { ENGINE_AT: "06:00", NOW: `${TEST_TODAY}T04:00:00Z` } });
    try {
      const db = early.services.db;
      await vi.waitFor(
        async () => {
          const done = await db.select().from(engineRuns).where(and(eq(engineRuns.asOf, TEST_TODAY), isNotNull(engineRuns.finishedAt)));
          if (done.length !== 1) throw new Error("today's run has not finished yet");
        },
        { timeout: 20_000, interval: 100 },
      );
      const cookie = await signIn(early.url, "bureau@demo.test");
      expect((await call<ApprovalsResponse>(early.url, "GET", "/api/approvals", { cookie })).body.items.length).toBeGreaterThan(0);
    } finally {
      await early.close();
    }
  });
});

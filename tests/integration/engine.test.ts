import { addDays } from "../../shared/dates";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cases, tasks } from "../../server/cases/cases.sql";
import { engineRuns, plannedActions } from "../../server/engine/engine.sql";
import { startServer } from "../../server/server";
import { runEngineDay } from "../../server/engine/run";
import { importRuns } from "../../server/imports/imports.sql";
import { generateDemoData } from "../../server/demo/generate";
import { startTestServer, TEST_NOW, TEST_TODAY, type TestServer } from "../support/server";

// The engine over the real database: records what is due once, plans nothing new the second time, writes
// nothing on a dry run or when the imported data is too old.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const rowsIn = async (table: typeof plannedActions | typeof tasks) => (await server.services.db.select({ n: count() }).from(table))[0]!.n;

describe("a day's run", () => {
  it("takes over from the demo's history: the day the demo was written for plans only the steps its stories stopped short of", async () => {
    const marked = await rowsIn(plannedActions);
    expect(marked).toBeGreaterThan(100);
    const result = await runEngineDay(server.services.db, { asOf: TEST_TODAY, dryRun: false, now: server.services.clock.now() });
    expect(result.heldReason).toBeNull();
    const demo = generateDemoData({ today: TEST_TODAY, now: TEST_NOW });
    const refs = new Map(demo.customers.map((c) => [c.id, c.ref]));
    const left = new Map(demo.leftToEngine.map((l) => [refs.get(l.customerId)!, l]));
    expect(result.plan.filter((l) => !left.has(l.customer_ref))).toEqual([]);
    for (const [ref, l] of left) expect(result.plan.filter((p) => p.customer_ref === ref).map((p) => p.step), ref).toContain(l.step);
  });

  it("writes nothing on a dry run", async () => {
    const [plannedBefore, tasksBefore] = [await rowsIn(plannedActions), await rowsIn(tasks)];
    const result = await runEngineDay(server.services.db, { asOf: addDays(TEST_TODAY, 5), dryRun: true, now: server.services.clock.now() });
    expect(result.heldReason).toBe("dry run");
    expect(result.plan.length).toBeGreaterThan(0);
    expect(await rowsIn(plannedActions)).toBe(plannedBefore);
    expect(await rowsIn(tasks)).toBe(tasksBefore);
  });

  it("records a day's plan once: a second run of the same day plans nothing new", async () => {
    const db = server.services.db;
    const tasksBefore = await rowsIn(tasks);
    const waitingBefore = (await db.select().from(plannedActions).where(eq(plannedActions.status, "awaiting_approval"))).length;
    const first = await runEngineDay(db, { asOf: addDays(TEST_TODAY, 1), dryRun: false, now: server.services.clock.now() });
    expect(first.heldReason).toBeNull();
    expect(first.plan.length).toBeGreaterThan(0);
    for (const line of first.plan) {
      expect(Object.keys(line).sort()).toEqual(["action", "case_id", "channel", "customer_ref", "date", "needs_approval", "scenario", "step"]);
      expect(line.date <= addDays(TEST_TODAY, 1)).toBe(true);
    }
    if (first.plan.some((l) => l.action === "task" && !l.needs_approval)) expect(await rowsIn(tasks)).toBeGreaterThan(tasksBefore);
    const recorded = await rowsIn(plannedActions);
    const waiting = await db.select().from(plannedActions).where(eq(plannedActions.status, "awaiting_approval"));
    expect(waiting.length - waitingBefore).toBe(first.plan.filter((l) => l.needs_approval).length);

    const second = await runEngineDay(db, { asOf: addDays(TEST_TODAY, 1), dryRun: false, now: server.services.clock.now() });
    expect(second.plan).toEqual([]);
    expect(await rowsIn(plannedActions)).toBe(recorded);
    // One open case a customer, still.
    const open = await db.select({ customerId: cases.customerId }).from(cases).where(eq(cases.status, "open"));
    expect(new Set(open.map((c) => c.customerId)).size).toBe(open.length);
  });

  it("catches up missed days: a run after three days off plans what fell due on each", async () => {
    const db = server.services.db;
    const missed = [...(await runEngineDay(db, { asOf: addDays(TEST_TODAY, 4), dryRun: true, now: server.services.clock.now() })).plan];
    expect(new Set(missed.map((l) => l.date)).size).toBeGreaterThan(1);
    const caughtUp = await runEngineDay(db, { asOf: addDays(TEST_TODAY, 4), dryRun: false, now: server.services.clock.now() });
    expect(caughtUp.plan.map(({ case_id: _, ...l }) => l)).toEqual(missed.map(({ case_id: _, ...l }) => l));
    expect((await runEngineDay(db, { asOf: addDays(TEST_TODAY, 4), dryRun: false, now: server.services.clock.now() })).plan).toEqual([]);
  });

  it("holds everything while no import has been made, and says why", async () => {
    const db = server.services.db;
    const saved = await db.select().from(importRuns);
    await db.delete(importRuns);
    try {
      const result = await runEngineDay(db, { asOf: addDays(TEST_TODAY, 13), dryRun: false, now: server.services.clock.now() });
      expect(result.heldReason).toMatch(/no import yet/);
      expect(result.plan.length).toBeGreaterThan(0);
      expect(await db.select().from(plannedActions).where(eq(plannedActions.date, addDays(TEST_TODAY, 13)))).toEqual([]);
    } finally {
      await db.insert(importRuns).values(saved);
    }
  });

  it("holds a day's actions when the last import is more than 24 hours old", async () => {
    const result = await runEngineDay(server.services.db, { asOf: addDays(TEST_TODAY, 8), dryRun: false, now: new Date(server.services.clock.now().getTime() + 25 * 3_600_000) });
    expect(result.heldReason).toMatch(/24 h/);
  });
});

describe("npm run engine", () => {
  it("prints the plan as JSON for a day, dry", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cadenas-engine-"));
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "server/cli/engine.ts", "--as-of", TEST_TODAY, "--dry-run", "--json"], {
        env: { ...process.env, DATABASE_URL: `file:${join(dir, "e.db")}`, DATA_DIR: dir },
      });
      expect(JSON.parse(stdout)).toEqual([]); // an empty, migrated database: nothing due
      const bad = await promisify(execFile)(process.execPath, ["--import", "tsx", "server/cli/engine.ts", "--as-of", "22/11/2026"], {
        env: { ...process.env, DATABASE_URL: `file:${join(dir, "e.db")}` },
      }).catch((e: { code: number; stderr: string }) => e);
      expect(bad).toMatchObject({ code: 64 });
      expect((bad as { stderr: string }).stderr).toMatch(/not a date/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the daily run", () => {
  it("runs once the hour has come, once a day, restarts included", async () => {
    const first = await startTestServer({ env: { ENGINE_AT: "00:00" } });
    const runsFor = async (db: typeof first.services.db) => db.select().from(engineRuns).where(eq(engineRuns.asOf, TEST_TODAY));
    try {
      await expect.poll(async () => (await runsFor(first.services.db)).filter((r) => r.finishedAt).length, { timeout: 10_000 }).toBe(1);
      // The same database, started again: today's run is done, nothing more.
      await first.stop();
      let looked!: (line: string) => void;
      const decided = new Promise<string>((resolve) => (looked = resolve));
      const again = await startServer(first.services.config, (line) => line.startsWith("Engine for") && looked(line));
      expect(await decided).toBe(`Engine for ${TEST_TODAY}: already run.`);
      expect(await runsFor(again.services.db)).toHaveLength(1);
      await again.stop();
    } finally {
      rmSync(first.dir, { recursive: true, force: true });
    }
  });
});

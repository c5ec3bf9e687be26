import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { count, eq } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cases, tasks } from "../../server/cases/cases.sql";
import { plannedActions } from "../../server/engine/engine.sql";
import { runEngineDay } from "../../server/engine/run";
import { importRuns } from "../../server/imports/imports.sql";
import { startTestServer, TEST_TODAY, type TestServer } from "../support/server";

// The engine over the real database: records what is due once, plans nothing new the second time, writes
// nothing on a dry run or when the imported data is too old.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const rowsIn = async (table: typeof plannedActions | typeof tasks) => (await server.services.db.select({ n: count() }).from(table))[0]!.n;

describe("a day's run", () => {
  it("holds everything while no import has been made, and says why", async () => {
    const result = await runEngineDay(server.services.db, { asOf: TEST_TODAY, dryRun: false, now: new Date() });
    expect(result.heldReason).toMatch(/no import yet/);
    expect(result.plan.length).toBeGreaterThan(20);
    expect(await rowsIn(plannedActions)).toBe(0);
  });

  it("writes nothing on a dry run", async () => {
    const tasksBefore = await rowsIn(tasks);
    const result = await runEngineDay(server.services.db, { asOf: TEST_TODAY, dryRun: true, now: new Date() });
    expect(result.heldReason).toBe("dry run");
    expect(await rowsIn(plannedActions)).toBe(0);
    expect(await rowsIn(tasks)).toBe(tasksBefore);
  });

  it("records the day's plan once: a second run of the same day plans nothing new", async () => {
    const db = server.services.db;
    await db.insert(importRuns).values({ id: uuidv7(), kind: "invoices", fileName: "test.csv", ok: true, lines: 1 });
    const tasksBefore = await rowsIn(tasks);
    const first = await runEngineDay(db, { asOf: TEST_TODAY, dryRun: false, now: new Date() });
    expect(first.heldReason).toBeNull();
    expect(first.plan.length).toBeGreaterThan(20);
    for (const line of first.plan) {
      expect(Object.keys(line).sort()).toEqual(["action", "case_id", "channel", "customer_ref", "date", "needs_approval", "scenario", "step"]);
      expect(line.date <= TEST_TODAY).toBe(true);
    }
    expect(await rowsIn(tasks)).toBeGreaterThan(tasksBefore);
    const recorded = await rowsIn(plannedActions);
    expect(recorded).toBeGreaterThanOrEqual(first.plan.length);
    // Steps that need approval wait in the queue.
    const waiting = await db.select().from(plannedActions).where(eq(plannedActions.status, "awaiting_approval"));
    expect(waiting.length).toBe(first.plan.filter((l) => l.needs_approval).length);

    const second = await runEngineDay(db, { asOf: TEST_TODAY, dryRun: false, now: new Date() });
    expect(second.plan).toEqual([]);
    expect(await rowsIn(plannedActions)).toBe(recorded);
    // One open case a customer, still.
    const open = await db.select({ customerId: cases.customerId }).from(cases).where(eq(cases.status, "open"));
    expect(new Set(open.map((c) => c.customerId)).size).toBe(open.length);
  });

  it("catches up a missed day: the next day's run plans what fell due on both", async () => {
    const db = server.services.db;
    const missed = await runEngineDay(db, { asOf: "2026-11-23", dryRun: true, now: new Date() });
    expect(missed.plan.length).toBeGreaterThan(0);
    const caughtUp = await runEngineDay(db, { asOf: "2026-11-24", dryRun: false, now: new Date() });
    for (const line of missed.plan) expect(caughtUp.plan).toContainEqual(line);
    expect((await runEngineDay(db, { asOf: "2026-11-24", dryRun: false, now: new Date() })).plan).toEqual([]);
  });

  it("holds a day's actions when the last import is more than 24 hours old", async () => {
    const result = await runEngineDay(server.services.db, { asOf: "2026-11-30", dryRun: false, now: new Date(Date.now() + 25 * 3_600_000) });
    expect(result.heldReason).toMatch(/24 h/);
  });
});

describe("npm run engine", () => {
  it("prints the plan as JSON for a day, dry", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cadenas-engine-"));
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "server/cli/engine.ts", "--as-of", "2026-11-22", "--dry-run", "--json"], {
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

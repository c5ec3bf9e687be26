import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { migrateDatabase, openDatabase, type Database } from "../../server/db/client";
import { engineRuns } from "../../server/engine/engine.sql";
import { startServer } from "../../server/server";
import { releaseLease, renewLease, runAlone, takeLease, withLease } from "../../server/system/leases";
import { leases } from "../../server/system/leases.sql";
import { startTestServer, TEST_TODAY } from "../support/server";

// Issue 18: the leases that make a job run once across the API processes of one database (the migrations, the demo
// data, a zone's daily engine run), on the database's clock; and a process that died holding one is taken over
// once it lapses.

describe("leases", () => {
  let dir: string;
  let close: () => void;
  let db: Database;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "cadenas-leases-"));
    const handle = await openDatabase(`file:${join(dir, "leases.db")}`);
    ({ db, close } = handle);
    await migrateDatabase(db);
  });
  afterAll(() => {
    close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("go to one holder at a time, and to another once the first lapsed", async () => {
    expect(await takeLease(db, "job", "A", 1)).toBe(true);
    expect(await takeLease(db, "job", "B", 1)).toBe(false);
    // Its holder takes it again (a renewal by another name).
    expect(await takeLease(db, "job", "A", 1)).toBe(true);
    expect(await renewLease(db, "job", "A", 1)).toBe(true);
    // A died: its lease runs out on the database's clock and B takes it over.
    await vi.waitFor(async () => expect(await takeLease(db, "job", "B", 60)).toBe(true), { timeout: 5_000, interval: 50 });
    expect(await renewLease(db, "job", "A", 60)).toBe(false);
    // A's late release does not free B's lease.
    await releaseLease(db, "job", "A");
    expect(await takeLease(db, "job", "C", 60)).toBe(false);
    await releaseLease(db, "job", "B");
    expect(await takeLease(db, "job", "C", 60)).toBe(true);
    await releaseLease(db, "job", "C");
  });

  it("are let go when the work fails, and refused to another while it works", async () => {
    let release!: () => void;
    const working = withLease(db, "work", "A", 60, () => new Promise<string>((resolve) => (release = () => resolve("done"))));
    await vi.waitFor(async () => expect(await db.select().from(leases).where(eq(leases.name, "work"))).toHaveLength(1));
    expect(await withLease(db, "work", "B", 60, async () => "B ran")).toEqual({ ran: false });
    release();
    expect(await working).toEqual({ ran: true, value: "done" });
    await expect(withLease(db, "work", "B", 60, async () => Promise.reject(new Error("crash")))).rejects.toThrow("crash");
    expect(await db.select().from(leases).where(eq(leases.name, "work"))).toEqual([]);
  });

  it("make start-up work wait for the process doing it, then run after it", async () => {
    const order: string[] = [];
    let release!: () => void;
    const first = runAlone(db, "start-up", "A", 60, async () => {
      order.push("A starts");
      await new Promise<void>((resolve) => (release = resolve));
      order.push("A done");
    });
    await vi.waitFor(() => expect(order).toEqual(["A starts"]));
    const second = runAlone(db, "start-up", "B", 60, async () => {
      order.push("B runs");
    });
    // B only looks while A holds the lease.
    await vi.waitFor(async () => expect(await db.select({ holder: leases.holder }).from(leases).where(eq(leases.name, "start-up"))).toEqual([{ holder: "A" }]));
    expect(order).toEqual(["A starts"]);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(["A starts", "A done", "B runs"]);
  });
});

describe("the daily engine run under its lease", () => {
  it("is left to the process holding it, and taken over once a process that died in it lapsed", async () => {
    // A database whose engine another process is running (or died running) today.
    const base = await startTestServer();
    const config = base.services.config;
    await base.stop();
    const dead = await openDatabase(config.databaseUrl);
    await dead.db.insert(leases).values({ name: `engine:${config.siteTimeZone}`, holder: "engine-dead", until: sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+120 seconds')`, takenAt: sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')` });
    const lines: string[] = [];
    const server = await startServer({ ...config, engineAt: "00:00" }, (line) => lines.push(line), { engineEveryMs: 20 });
    try {
      await vi.waitFor(() => expect(lines).toContain(`Engine for ${TEST_TODAY}: under way in another process.`));
      expect(await server.services.db.select().from(engineRuns).where(eq(engineRuns.asOf, TEST_TODAY))).toEqual([]);
      // The holder died: its lease lapses, and this process runs the day.
      await dead.db.update(leases).set({ until: sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 second')` }).where(eq(leases.holder, "engine-dead"));
      await vi.waitFor(async () => expect((await server.services.db.select().from(engineRuns).where(eq(engineRuns.asOf, TEST_TODAY))).filter((r) => r.finishedAt)).toHaveLength(1), {
        timeout: 20_000,
        interval: 50,
      });
      expect(lines.filter((l) => /actions due/.test(l))).toHaveLength(1);
      // Let go once done.
      expect(await server.services.db.select().from(leases).where(eq(leases.name, `engine:${config.siteTimeZone}`))).toEqual([]);
    } finally {
      await server.stop();
      dead.close();
      rmSync(base.dir, { recursive: true, force: true });
    }
  });
});

import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users } from "../../server/auth/auth.sql";
import { FIRST_PULL_PAGE_SIZE, PULL_PAGE_SIZE, pageSizeFor, pullChanges } from "../../server/sync/pull";
import { STORE_BATCH, SyncEngine, type Transport } from "../../client/store/sync";
import type { DebtorRow } from "../../client/store/db";
import type { PullBody, PullResponse } from "../../shared/schemas/debtor-doc";
import { SimulatedPhone } from "../support/phone";
import { signIn, startTestServer, TEST_TODAY, type TestServer } from "../support/server";

// Issue 19, a new phone's first sync on a weak connection: a small first page so the list shows early, the next
// page asked for while the phone stores the one before, and each page stored in small batches (each a task of its
// own) inside its one transaction. The pages here are small (the demo data has some 70 debtors for the office) and
// come from the server's own pull, in this process, so that a first sync takes several of them.

let server: TestServer;
let office: { userId: string; cookie: string };

beforeAll(async () => {
  server = await startTestServer();
  const [user] = await server.services.db.select().from(users).where(eq(users.email, "bureau@demo.test"));
  office = { userId: user!.id, cookie: await signIn(server.url, "bureau@demo.test") };
});
afterAll(() => server.close());

/** Pulls answered by the server's `pullChanges` with small pages; `log` records each page asked for. */
function pagedTransport(sizes: { pageSize: number; firstPageSize: number }, log: string[]): Transport {
  return {
    async post(path, body) {
      if (path !== "/api/sync/pull") return { ok: false, error: `unexpected ${path}` };
      const [user] = await server.services.db.select().from(users).where(eq(users.id, office.userId));
      const pull = body as PullBody;
      log.push(`ask ${pull.page ? "next" : "first"}`);
      const answer = await pullChanges(server.services.db, {
        ...pull,
        user: { ...user!, sites: [] },
        scope: { all: true },
        asOf: TEST_TODAY,
        now: server.services.clock.now(),
        ...sizes,
      });
      return { ok: true, status: 200, body: JSON.parse(JSON.stringify(answer)) as PullResponse };
    },
  };
}

/** Logs each batch of debtors written, and throws on the `failAt`-th (1-based) when set. */
function watchPuts(phone: SimulatedPhone, log: string[], failAt?: number): number[] {
  const sizes: number[] = [];
  const real = phone.db.debtors.bulkPut.bind(phone.db.debtors);
  phone.db.debtors.bulkPut = ((rows: readonly DebtorRow[]) => {
    sizes.push(rows.length);
    log.push(`put ${rows.length}`);
    if (sizes.length === failAt) throw new Error("the phone's storage failed mid-page");
    return real(rows as DebtorRow[]);
  }) as typeof phone.db.debtors.bulkPut;
  return sizes;
}

describe("a new phone's first sync", () => {
  it("sizes a first sync's first page small and every other page full", () => {
    expect(FIRST_PULL_PAGE_SIZE).toBeLessThan(PULL_PAGE_SIZE);
    expect(pageSizeFor(true, true)).toBe(FIRST_PULL_PAGE_SIZE);
    expect(pageSizeFor(true, false)).toBe(PULL_PAGE_SIZE);
    // A phone that already has its list gets its changes in full pages from the start.
    expect(pageSizeFor(false, true)).toBe(PULL_PAGE_SIZE);
    expect(pageSizeFor(true, true, { pageSize: 7, firstPageSize: 3 })).toBe(3);
  });

  it("answers a first pull with a small first page, then full ones", async () => {
    const log: string[] = [];
    const transport = pagedTransport({ pageSize: 20, firstPageSize: 5 }, log);
    const pages: PullResponse[] = [];
    const clientId = crypto.randomUUID();
    for (let page: string | null = null; ; ) {
      const answer = await transport.post("/api/sync/pull", { clientId, cursor: null, page });
      pages.push((answer as { body: PullResponse }).body);
      if (!pages.at(-1)!.hasMore) break;
      page = pages.at(-1)!.nextPage;
    }
    expect(pages.length).toBeGreaterThan(2);
    expect(pages.map((p) => p.docs.length).slice(0, -1)).toEqual([5, ...Array(pages.length - 2).fill(20)]);
  });

  it("asks for the next page before storing the one before, and stores each page in batches", async () => {
    const phone = new SimulatedPhone(server.url, office.cookie);
    const log: string[] = [];
    const batches = watchPuts(phone, log);
    const engine = new SyncEngine(phone.db, pagedTransport({ pageSize: 30, firstPageSize: 10 }, log));
    expect(await engine.syncOnce(office)).toBe("synced");

    const stored = await phone.db.debtors.toArray();
    expect(stored.length).toBeGreaterThan(40);
    // The second page is asked for before anything of the first is written, and so on down the pages.
    expect(log.slice(0, 3)).toEqual(["ask first", "ask next", "put 10"]);
    const asks = log.filter((l) => l.startsWith("ask")).length;
    expect(asks).toBe(Math.ceil((stored.length - 10) / 30) + 1);
    // No batch over STORE_BATCH: a 30-debtor page goes in two.
    expect(Math.max(...batches)).toBeLessThanOrEqual(STORE_BATCH);
    expect(batches.slice(1, 3)).toEqual([STORE_BATCH, 30 - STORE_BATCH]);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(stored.length);
  });

  it("stores none of a page cut between two of its batches, and the next pass loses nothing and stores nothing twice", async () => {
    const phone = new SimulatedPhone(server.url, office.cookie);
    const log: string[] = [];
    // Batches: 10 (the first page), then 25 + 5 for the second: the third batch, mid-page, fails.
    watchPuts(phone, log, 3);
    const engine = new SyncEngine(phone.db, pagedTransport({ pageSize: 30, firstPageSize: 10 }, log));
    await expect(engine.syncOnce(office)).rejects.toThrow("mid-page");

    // The first page is there, nothing of the second (its first batch was undone with it), and no cursor: the
    // next pass starts again from everything.
    const afterCut = await phone.db.debtors.toArray();
    expect(afterCut).toHaveLength(10);
    expect((await phone.db.meta.get("cursor"))?.value ?? null).toBeNull();

    expect(await engine.syncOnce(office)).toBe("synced");
    const stored = await phone.db.debtors.toArray();
    const fresh = new SimulatedPhone(server.url, office.cookie);
    expect(await new SyncEngine(fresh.db, pagedTransport({ pageSize: 500, firstPageSize: 500 }, [])).syncOnce(office)).toBe("synced");
    const whole = await fresh.db.debtors.toArray();
    expect(new Set(stored.map((d) => d.customerId)).size).toBe(stored.length);
    expect(stored.map((d) => d.customerId).sort()).toEqual(whole.map((d) => d.customerId).sort());
    expect(stored.map((d) => d.base)).toEqual(whole.map((d) => d.base));
    expect((await phone.db.meta.get("cursor"))?.value).toBeTruthy();
  });
});

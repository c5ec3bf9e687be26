import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createClient } from "@libsql/client";
import { eq, inArray } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { users, userSites } from "../../server/auth/auth.sql";
import { hashPassword } from "../../server/auth/password";
import { sites } from "../../server/sites/sites.sql";
import { actions } from "../../server/cases/cases.sql";
import { injectFaults } from "../../server/sync/push";
import { processedMutations } from "../../server/sync/sync.sql";
import { recordAction, type Who } from "../../client/store/record";
import { readSyncStatus, syncStateOf } from "../../client/store/status";
import { SET_ASIDE_AFTER, SET_ASIDE_RETRY_MS, SyncEngine } from "../../client/store/sync";
import { MUTATION_VERSION, type Mutation, type PushResponse, type SetAsideList } from "../../shared/schemas/mutations";
import { SimulatedPhone } from "../support/phone";
import { call, signIn, startTestServer, TEST_NOW, type TestServer } from "../support/server";

// A fault inside a batch (a bug, a disk error, a lock) is not the user's action being refused: the push fails,
// nothing of it is recorded, and the phone sends it again later. Only a rule of the domain rejects for good.

let server: TestServer;
let vt: Who & { cookie: string };
let office: string;
let customerId: string;

beforeAll(async () => {
  server = await startTestServer();
  const [user] = await server.services.db.select().from(users).where(eq(users.email, "gestionnaire@demo.test"));
  vt = { userId: user!.id, initials: "VT", timeZone: "Europe/Paris", cookie: await signIn(server.url, "gestionnaire@demo.test") };
  office = await signIn(server.url, "bureau@demo.test");
  const phone = new SimulatedPhone(server.url, vt.cookie);
  expect(await phone.engine.syncOnce(vt)).toBe("synced");
  customerId = (await phone.db.debtors.toArray())[0]!.customerId;
});
afterEach(() => injectFaults(null));
afterAll(() => server.close());

/** A phone pushing by hand: its id, its counter, its batches. */
function rawPhone() {
  const clientId = uuidv7();
  let seq = 0;
  return {
    note: (text: string): Mutation => ({ id: uuidv7(), seq: ++seq, v: MUTATION_VERSION, kind: "note.added", payload: { customerId, text }, happenedAt: TEST_NOW.toISOString() }),
    push: (mutations: Mutation[]) => call<PushResponse & { error?: { code: string; details?: { mutationId?: string } } }>(server.url, "POST", "/api/sync/push", { cookie: vt.cookie, body: { clientId, mutations } }),
  };
}

/** How many times each mutation is written on the server (history lines) and how it was processed. */
async function onServer(ids: string[]) {
  const db = server.services.db;
  const lines = await db.select({ id: actions.mutationId }).from(actions).where(inArray(actions.mutationId, ids));
  const processed = await db.select().from(processedMutations).where(inArray(processedMutations.id, ids));
  return {
    lines: ids.map((id) => lines.filter((l) => l.id === id).length),
    outcomes: ids.map((id) => processed.find((p) => p.id === id)?.outcome ?? null),
  };
}

/** A hook that throws on these mutations, as a bug or a disk error would, while `faulting` says so. */
function faultOn(ids: Set<string>) {
  const state = { faulting: true, met: 0 };
  injectFaults((m) => {
    if (state.faulting && ids.has(m.id)) {
      state.met++;
      throw new Error(`disk I/O error (injected on ${m.id})`);
    }
  });
  return state;
}

describe("a fault inside a push", () => {
  it("fails the request naming the mutation, records nothing of the batch, and the retry applies each once", async () => {
    const p = rawPhone();
    const batch = [p.note("un"), p.note("deux"), p.note("trois"), p.note("quatre"), p.note("cinq")];
    const ids = batch.map((m) => m.id);
    const fault = faultOn(new Set([batch[2]!.id]));

    const failed = await p.push(batch);
    expect(failed.status).toBe(500);
    expect(failed.body.error).toMatchObject({ code: "MUTATION_FAULT", details: { mutationId: batch[2]!.id, seq: 3, kind: "note.added" } });
    expect(await onServer(ids)).toEqual({ lines: [0, 0, 0, 0, 0], outcomes: [null, null, null, null, null] });

    fault.faulting = false;
    const retried = await p.push(batch);
    expect(retried.status).toBe(200);
    expect(retried.body.results.map((r) => r.status)).toEqual(["applied", "applied", "applied", "applied", "applied"]);
    expect((await p.push(batch)).body.results.map((r) => r.status)).toEqual(Array(5).fill("duplicate"));
    expect(await onServer(ids)).toEqual({ lines: [1, 1, 1, 1, 1], outcomes: Array(5).fill("applied") });
  });

  it("waits out a write lock met mid-batch: the batch is rolled back whole and tried again, each mutation applied once", async () => {
    const p = rawPhone();
    const batch = [p.note("a"), p.note("b"), p.note("c"), p.note("d")];
    // A second connection to the same file asks for the write lock mid-batch and is told "database is locked"
    // at once (no wait): the batch meets that lock error where it stands, once.
    const other = createClient({ url: `file:${join(server.dir, "cadenas.db")}`, timeout: 0 });
    let met = 0;
    injectFaults(async (m) => {
      if (m.id === batch[2]!.id && met++ === 0) await other.execute("BEGIN IMMEDIATE");
    });
    try {
      const res = await p.push(batch);
      expect(met).toBe(2);
      expect(res.body.results.map((r) => r.status)).toEqual(["applied", "applied", "applied", "applied"]);
      expect(await onServer(batch.map((m) => m.id))).toEqual({ lines: [1, 1, 1, 1], outcomes: Array(4).fill("applied") });
    } finally {
      injectFaults(null);
      other.close();
    }
  });

  it("answers 503 without blaming a mutation when the lock is still met after 5 s, and the phone's retry applies each once", async () => {
    const p = rawPhone();
    const batch = [p.note("a"), p.note("b"), p.note("c"), p.note("d")];
    const other = createClient({ url: `file:${join(server.dir, "cadenas.db")}`, timeout: 0 });
    let met = 0;
    injectFaults(async (m) => {
      if (m.id === batch[2]!.id) {
        met++;
        await other.execute("BEGIN IMMEDIATE");
      }
    });
    const failed = await p.push(batch);
    other.close();
    expect(met).toBeGreaterThan(1);
    expect(failed.status).toBe(503);
    expect(failed.body.error).toMatchObject({ code: "SERVER_BUSY" });
    expect(failed.body.error!.details?.mutationId).toBeUndefined();
    expect(await onServer(batch.map((m) => m.id))).toEqual({ lines: [0, 0, 0, 0], outcomes: [null, null, null, null] });

    injectFaults(null);
    expect((await p.push(batch)).body.results.map((r) => r.status)).toEqual(["applied", "applied", "applied", "applied"]);
    expect(await onServer(batch.map((m) => m.id))).toEqual({ lines: [1, 1, 1, 1], outcomes: Array(4).fill("applied") });
  });

  it("keeps its batch whole when another process takes the write lock mid-batch, and the push that meets the lock is sent again", async () => {
    const locker = await startLockHolder(join(server.dir, "cadenas.db"));
    try {
      const phone = new SimulatedPhone(server.url, vt.cookie);
      await phone.engine.syncOnce(vt);
      // Mid-batch, another process asks for the write lock: it waits for the batch to commit, then holds it.
      const p = rawPhone();
      const first = [p.note("un"), p.note("deux"), p.note("trois")];
      injectFaults((m) => {
        if (m.id === first[1]!.id) locker.send("lock");
      });
      expect((await p.push(first)).body.results.map((r) => r.status)).toEqual(["applied", "applied", "applied"]);
      injectFaults(null);
      await locker.next("locked");

      // The phone's next push meets the lock: nothing recorded, the phone keeps its actions and tries again.
      const second = [];
      for (const text of ["quatre", "cinq"]) second.push(await recordAction(phone.db, vt, "note.added", { customerId, text }));
      expect(await phone.engine.syncOnce(vt)).toBe("failed");
      expect(await phone.db.outbox.where("status").equals("pending").count()).toBe(2);
      expect(await onServer(second.map((m) => m.id))).toEqual({ lines: [0, 0], outcomes: [null, null] });
      locker.send("release");
      await locker.next("released");
      expect(await phone.engine.syncOnce(vt)).toBe("synced");

      expect(await onServer([...first, ...second].map((m) => m.id))).toEqual({ lines: [1, 1, 1, 1, 1], outcomes: Array(5).fill("applied") });
      expect(await phone.db.rejected.count()).toBe(0);
      expect(await phone.db.outbox.count()).toBe(0);
    } finally {
      locker.stop();
    }
  });

  it("the phone sends again after faults mid-batch until every action is applied once, none refused", async () => {
    const phone = new SimulatedPhone(server.url, vt.cookie);
    await phone.engine.syncOnce(vt);
    const made = [];
    for (let i = 1; i <= 6; i++) made.push(await recordAction(phone.db, vt, "note.added", { customerId, text: `note ${i}` }));
    const fault = faultOn(new Set([made[3]!.id]));

    expect(await phone.engine.syncOnce(vt)).toBe("failed");
    expect(await phone.engine.syncOnce(vt)).toBe("failed");
    expect(await phone.db.outbox.where("id").equals(made[3]!.id).first()).toMatchObject({ status: "pending", faults: 2, lastError: "HTTP 500 MUTATION_FAULT" });
    expect(await onServer(made.map((m) => m.id))).toEqual({ lines: Array(6).fill(0), outcomes: Array(6).fill(null) });

    fault.faulting = false;
    expect(await phone.engine.syncOnce(vt)).toBe("synced");
    expect(await onServer(made.map((m) => m.id))).toEqual({ lines: Array(6).fill(1), outcomes: Array(6).fill("applied") });
    expect(await phone.db.rejected.count()).toBe(0);
    expect(await phone.db.outbox.count()).toBe(0);
  });
});

describe("a mutation that faults again and again", () => {
  it("is set aside after 5 faults, the rest sent, the office told, and applied by its id once the fault stops", async () => {
    let clock = new Date(TEST_NOW);
    const now = () => clock;
    const phone = new SimulatedPhone(server.url, vt.cookie);
    const engine = new SyncEngine(phone.db, phone.transport(), now);
    await engine.syncOnce(vt);
    const made = [];
    for (const text of ["un", "deux", "trois", "quatre"]) made.push(await recordAction(phone.db, vt, "note.added", { customerId, text }, clock));
    const stuck = made[1]!;
    const fault = faultOn(new Set([stuck.id]));

    for (let i = 1; i < SET_ASIDE_AFTER; i++) expect(await engine.syncOnce(vt)).toBe("failed");
    expect(await onServer([made[0]!.id])).toEqual({ lines: [0], outcomes: [null] });
    // The fifth fault: set aside, and the others go in the same pass.
    expect(await engine.syncOnce(vt)).toBe("synced");
    expect(await onServer(made.map((m) => m.id))).toEqual({ lines: [1, 0, 1, 1], outcomes: ["applied", null, "applied", "applied"] });
    expect(await phone.db.outbox.where("id").equals(stuck.id).first()).toMatchObject({ status: "set-aside", faults: 5, reported: true });

    // Shown on the phone, with why.
    const status = await readSyncStatus(phone.db, vt.userId);
    expect(status).toMatchObject({ pending: 0, setAside: [{ id: stuck.id, summary: "deux", faults: 5, lastError: "HTTP 500 MUTATION_FAULT" }] });
    expect(syncStateOf(status, true)).toBe("problem");

    // The office sees it, with the phone's last count of what it holds unsent (its pull's: the set-aside action
    // itself); a floor user may not list them.
    const listed = await call<SetAsideList>(server.url, "GET", "/api/sync/set-aside", { cookie: office });
    expect(listed.status).toBe(200);
    expect(listed.body.items.find((i) => i.id === stuck.id)).toMatchObject({ seq: stuck.seq, kind: "note.added", summary: "deux", faults: 5, userName: expect.any(String), pendingOnPhone: 1, processed: null });
    expect((await call(server.url, "GET", "/api/sync/set-aside", { cookie: vt.cookie })).status).toBe(403);
    // A Manager sees those of the people of the Manager's own sites only (VT works at Lyon, not Villeurbanne).
    const [vil] = await server.services.db.select({ id: sites.id }).from(sites).where(eq(sites.code, "VIL"));
    const managerOfVil = { id: uuidv7(), email: "manager-vil@demo.test", name: "Manon Villeurbanne", initials: "MV", role: "manager" as const, passwordHash: await hashPassword("demo") };
    await server.services.db.insert(users).values(managerOfVil);
    await server.services.db.insert(userSites).values({ userId: managerOfVil.id, siteId: vil!.id });
    const seenFromVil = await call<SetAsideList>(server.url, "GET", "/api/sync/set-aside", { cookie: await signIn(server.url, managerOfVil.email) });
    expect(seenFromVil.status).toBe(200);
    expect(seenFromVil.body.items.find((i) => i.id === stuck.id)).toBeUndefined();
    const seenByManager = await call<SetAsideList>(server.url, "GET", "/api/sync/set-aside", { cookie: await signIn(server.url, "manager@demo.test") });
    expect(seenByManager.body.items.find((i) => i.id === stuck.id)).toBeDefined();

    // Later actions go through meanwhile; the set-aside one is not tried again before the hour.
    const later = await recordAction(phone.db, vt, "note.added", { customerId, text: "cinq" }, clock);
    fault.faulting = false;
    clock = new Date(TEST_NOW.getTime() + 10 * 60_000);
    expect(await engine.syncOnce(vt)).toBe("synced");
    expect(await onServer([stuck.id, later.id])).toEqual({ lines: [0, 1], outcomes: [null, "applied"] });

    // An hour after the last try it goes again, and the server takes it by its id though later seqs went first.
    clock = new Date(TEST_NOW.getTime() + SET_ASIDE_RETRY_MS + 60_000);
    expect(await engine.syncOnce(vt)).toBe("synced");
    expect(await onServer(made.map((m) => m.id))).toEqual({ lines: [1, 1, 1, 1], outcomes: Array(4).fill("applied") });
    expect(await phone.db.outbox.count()).toBe(0);
    expect(await phone.db.rejected.count()).toBe(0);
    const after = await call<SetAsideList>(server.url, "GET", "/api/sync/set-aside", { cookie: office });
    expect(after.body.items.find((i) => i.id === stuck.id)!.processed).toMatchObject({ outcome: "applied" });
  });

  it("is tried again when the app starts, before the hour", async () => {
    const phone = new SimulatedPhone(server.url, vt.cookie);
    await phone.engine.syncOnce(vt);
    const stuck = await recordAction(phone.db, vt, "note.added", { customerId, text: "coincée" });
    const fault = faultOn(new Set([stuck.id]));
    for (let i = 1; i < SET_ASIDE_AFTER; i++) expect(await phone.engine.syncOnce(vt)).toBe("failed");
    expect(await phone.engine.syncOnce(vt)).toBe("synced");
    expect(await phone.db.outbox.get(stuck.seq)).toMatchObject({ status: "set-aside" });
    const met = fault.met;

    // Still faulting: tried once at the next start, set aside again, told again.
    expect(await new SyncEngine(phone.db, phone.transport()).syncOnce(vt)).toBe("synced");
    expect(fault.met).toBeGreaterThan(met);
    expect(await phone.db.outbox.get(stuck.seq)).toMatchObject({ status: "set-aside", faults: 6, reported: true });

    fault.faulting = false;
    expect(await new SyncEngine(phone.db, phone.transport()).syncOnce(vt)).toBe("synced");
    expect(await onServer([stuck.id])).toEqual({ lines: [1], outcomes: ["applied"] });
    expect(await phone.db.outbox.count()).toBe(0);
  });

  it("still rejects for good what a rule of the domain refuses", async () => {
    const p = rawPhone();
    const [outOfScope] = await server.services.db.all<{ id: string }>(
      `select c.customer_id as id from contracts c join units u on u.id = c.unit_id join sites s on s.id = u.site_id where s.code = 'VIL' limit 1`,
    );
    const refused: Mutation = { ...p.note("pas mon site"), payload: { customerId: outOfScope!.id, text: "pas mon site" } } as Mutation;
    const res = await p.push([p.note("avant"), refused]);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r) => r.status)).toEqual(["applied", "rejected"]);
    expect(res.body.results[1]!.reason).toMatchObject({ code: "OUT_OF_SCOPE" });
  });
});

/** The lock-holding process (`tests/support/write-lock.mjs`): `send` a command, `next` waits for its answer. */
async function startLockHolder(file: string) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [join("tests", "support", "write-lock.mjs"), `file:${file}`], { stdio: "pipe" });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    send: (command: string) => child.stdin.write(`${command}\n`),
    async next(expected: string) {
      const { value } = await lines.next();
      expect(value).toBe(expected);
    },
    stop: () => child.kill(),
  };
}

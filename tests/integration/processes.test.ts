import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, eq, inArray, like, sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { zonedInstant } from "../../shared/dates";
import { MUTATION_VERSION } from "../../shared/schemas/mutations";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { openDatabase, type DatabaseHandle } from "../../server/db/client";
import { customers } from "../../server/customers/customers.sql";
import { messageAttempts, messages } from "../../server/messaging/messaging.sql";
import { queueMessages } from "../../server/messaging/outbox";
import { spawnServer, untilAnswering, type ServerChild } from "../support/server-process";
import { startRelay, type Relay } from "../support/smtp-relays";
import { startSqld, type Sqld } from "../support/sqld";
import { call, signIn, TEST_TODAY } from "../support/server";

// Issue 18: three API processes (`npm start`'s entry) started together on one libSQL server (`sqld`). The
// migrations and the demo data are written once, the day's engine run happens once, a phone's pushes spread over
// the three — the same batch reaching each while another still applies it — are applied once each, 1,000 e-mails
// go out once each though one process is killed while sending, and a process stopped with SIGTERM answers the
// request it was serving before it exits.

const ZONE = "Europe/Paris";
/** 06:00 in Paris on TEST_TODAY: the engine's hour, reached by the three processes at once. */
const SIX = zonedInstant(TEST_TODAY, "06:00", ZONE);

let sqld: Sqld;
let dataDir: string;
let db: DatabaseHandle;
let procs: Proc[] = [];
let relay: Relay;

type Proc = ServerChild;

const startProcess = () =>
  spawnServer({
    DATABASE_URL: sqld.url,
    DATA_DIR: dataDir,
    CLIENT_DIR: join(dataDir, "no-client"),
    NOW: SIX,
    TODAY: TEST_TODAY,
    TZ_SITE: ZONE,
    BACKUP_AT: "off",
    SMTP_URL: relay.url,
    MAIL_FROM: "relances@cadenas.test",
    OUTBOX_EVERY: "1",
  });

beforeAll(async () => {
  sqld = await startSqld();
  relay = await startRelay();
  dataDir = mkdtempSync(join(tmpdir(), "cadenas-procs-"));
  procs = await Promise.all([startProcess(), startProcess(), startProcess()]);
  await Promise.all(procs.map((p) => untilAnswering(p)));
  db = await openDatabase(sqld.url);
}, 120_000);
afterAll(async () => {
  for (const p of procs) p.child.kill("SIGKILL");
  db?.close();
  await relay?.close();
  await sqld?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("three processes on one libSQL server", () => {
  it("migrate once and write the demo data once", async () => {
    const journal = (await import("../../server/db/migrations/meta/_journal.json", { with: { type: "json" } })).default as { entries: unknown[] };
    const [migrations] = await db.db.all<{ n: number; distinct_n: number }>(sql`select count(*) as n, count(distinct hash) as distinct_n from __drizzle_migrations`);
    expect([Number(migrations!.n), Number(migrations!.distinct_n)]).toEqual([journal.entries.length, journal.entries.length]);
    const [sites] = await db.db.all<{ n: number }>(sql`select count(*) as n from sites`);
    expect(Number(sites!.n)).toBeGreaterThan(0);
    const seeded = procs.filter((p) => p.output().includes("Empty database: demo data"));
    expect(seeded).toHaveLength(1);
    // No lease left behind once they are up.
    const left = await db.db.all<{ name: string }>(sql`select name from leases where name in ('migrations', 'demo-data')`);
    expect(left).toEqual([]);
  });

  it("run the day's engine once, at 06:00, whichever process gets there", async () => {
    await vi.waitFor(async () => {
      const runs = await db.db.all<{ n: number }>(sql`select count(*) as n from engine_runs where as_of = ${TEST_TODAY} and finished_at is not null`);
      expect(Number(runs[0]!.n)).toBe(1);
    }, { timeout: 60_000, interval: 100 });
    const [all] = await db.db.all<{ n: number }>(sql`select count(*) as n from engine_runs where as_of = ${TEST_TODAY}`);
    expect(Number(all!.n)).toBe(1);
    // The process that ran it says so (its line may come just after the row).
    await vi.waitFor(() => {
      const ran = procs.filter((p) => /Engine for [\d-]+: \d+ actions due/.test(p.output()));
      expect(ran, procs.map((p) => p.output()).join("\n---\n")).toHaveLength(1);
    }, { timeout: 10_000, interval: 50 });
  });

  it("apply a phone's batch once when it reaches all three at the same time", async () => {
    const cookie = await signIn(procs[0]!.url, "gestionnaire@demo.test");
    const clientId = uuidv7();
    const pulled = await call<{ docs: DebtorDoc[] }>(procs[1]!.url, "POST", "/api/sync/pull", { cookie, body: { clientId, cursor: null, page: null } });
    expect(pulled.status).toBe(200);
    const debtors = pulled.body.docs.slice(0, 20);
    const mutations = debtors.map((d, i) => ({
      id: uuidv7(),
      seq: i + 1,
      v: MUTATION_VERSION,
      kind: "note.added",
      payload: { customerId: d.customerId, text: `Note ${i} sur trois processus` },
      happenedAt: SIX,
    }));
    // The same batch to each process at once: a retry reaching another process while the first still applies it.
    const answers = await Promise.all(procs.map((p) => call(p.url, "POST", "/api/sync/push", { cookie, body: { clientId, mutations } })));
    for (const a of answers) {
      expect(a.status, JSON.stringify(a.body)).toBe(200);
      for (const r of a.body.results) expect(["applied", "duplicate"]).toContain(r.status);
    }
    const ids = mutations.map((m) => m.id);
    const applied = await db.db.all<{ mutation_id: string; n: number }>(
      sql`select mutation_id, count(*) as n from actions where mutation_id in (${sql.join(ids.map((id) => sql`${id}`), sql`, `)}) group by mutation_id`,
    );
    expect(applied.map((a) => Number(a.n))).toEqual(ids.map(() => 1));
  });

  it("send 1,000 queued e-mails once each with three workers, one of them killed mid-send and its leases taken over", { timeout: 180_000 }, async () => {
    const [c] = await db.db.select({ id: customers.id }).from(customers).where(eq(customers.ref, "CL1003"));
    const MESSAGES = 1_000;
    await queueMessages(
      db.db,
      Array.from({ length: MESSAGES }, (_, i) => ({ customerId: c!.id, caseId: null, plannedActionId: "floor", key: `three|${i}`, step: "reminder", template: "box-reminder-email", channel: "email" as const, purpose: "floor" as const })),
      TEST_TODAY,
    );
    const ids = (await db.db.select({ id: messages.id }).from(messages).where(like(messages.idempotencyKey, "%three|%"))).map((m) => m.id);
    expect(ids).toHaveLength(MESSAGES);
    const mine = new Set(ids);
    const receivedOfMine = () => relay.received.filter((id) => mine.has(id));
    // Killed while it sends, its SMTP connections open.
    const victim = procs[2]!;
    await vi.waitFor(() => expect(receivedOfMine().length).toBeGreaterThanOrEqual(200), { timeout: 60_000, interval: 5 });
    const inFlight = relay.connections.now;
    victim.child.kill("SIGKILL");
    await victim.exited;
    // Its leases run out (on the database's clock, which the test cannot move: it moves the leases).
    await db.db
      .update(messages)
      .set({ leaseUntil: sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 second')` })
      .where(and(eq(messages.status, "sending"), like(messages.leaseOwner, `worker-${victim.child.pid}-%`)));
    await vi.waitFor(
      async () => {
        const [left] = await db.db.select({ n: sql<number>`count(*)` }).from(messages).where(and(inArray(messages.id, ids), inArray(messages.status, ["queued", "sending"])));
        expect(Number(left!.n)).toBe(0);
      },
      { timeout: 120_000, interval: 200 },
    );
    const final = await db.db.select({ id: messages.id, status: messages.status }).from(messages).where(inArray(messages.id, ids));
    const times = new Map<string, number>();
    for (const id of receivedOfMine()) times.set(id, (times.get(id) ?? 0) + 1);
    const sent = final.filter((m) => m.status === "sent");
    const unknown = final.filter((m) => m.status === "unknown");
    expect(sent.length + unknown.length).toBe(MESSAGES);
    // Only what the killed process had on the wire may be in doubt; nothing is ever received twice.
    expect(unknown.length).toBeLessThanOrEqual(inFlight);
    expect([...times.values()].filter((n) => n > 1)).toEqual([]);
    for (const m of sent) expect(times.get(m.id), m.id).toBe(1);
    // The three workers shared them.
    const workers = await db.db.selectDistinct({ worker: messageAttempts.worker }).from(messageAttempts).where(inArray(messageAttempts.messageId, ids));
    expect(workers.length).toBe(3);
  });

  it("finish the request under way when stopped with SIGTERM, then exit", async () => {
    const [stopping, other] = procs as [Proc, Proc, Proc];
    const cookie = await signIn(stopping.url, "gestionnaire@demo.test");
    const pulled = await call<{ docs: DebtorDoc[] }>(stopping.url, "POST", "/api/sync/pull", { cookie, body: { clientId: uuidv7(), cursor: null, page: null } });
    const clientId = uuidv7();
    const mutation = { id: uuidv7(), seq: 1, v: MUTATION_VERSION, kind: "note.added", payload: { customerId: pulled.body.docs[0]!.customerId, text: "Envoyée pendant l'arrêt" }, happenedAt: SIX };
    // The request's head reaches the process (it answers "100 Continue"), the signal comes, then its body.
    const text = JSON.stringify({ clientId, mutations: [mutation] });
    const req = request(`${stopping.url}/api/sync/push`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json", "content-length": Buffer.byteLength(text), expect: "100-continue" },
    });
    const continued = new Promise<void>((resolve) => req.once("continue", () => resolve()));
    const answered = new Promise<{ status: number; body: { results: { status: string }[] } }>((resolve, reject) => {
      req.once("response", (res) => {
        let data = "";
        res.on("data", (chunk: Buffer) => (data += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) }));
      });
      req.once("error", reject);
    });
    req.flushHeaders();
    await continued;
    stopping.child.kill("SIGTERM");
    // No new request is taken once it stops.
    await vi.waitFor(async () => expect(await fetch(`${stopping.url}/api/health`).then(() => "answered", () => "refused")).toBe("refused"), { timeout: 10_000, interval: 50 });
    req.end(text);
    const answer = await answered;
    expect(answer.status).toBe(200);
    expect(answer.body.results[0]!.status).toBe("applied");
    expect(await stopping.exited).toBe(0);
    const [row] = await db.db.all<{ n: number }>(sql`select count(*) as n from actions where mutation_id = ${mutation.id}`);
    expect(Number(row!.n)).toBe(1);
    // The others still answer, on the same session.
    expect((await call(other.url, "GET", "/api/today", { cookie })).status).toBe(200);
  });
});

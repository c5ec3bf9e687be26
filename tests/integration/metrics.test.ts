import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { count, sql } from "drizzle-orm";
import { pino } from "pino";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../server/app";
import { createBackup } from "../../server/backup/backup";
import { engineRuns } from "../../server/engine/engine.sql";
import { messages } from "../../server/messaging/messaging.sql";
import { MUTATION_VERSION } from "../../shared/schemas/mutations";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { call, signIn, startTestServer, TEST_NOW, TEST_TODAY, type TestServer } from "../support/server";

// Watching a deployment: GET /metrics (Prometheus text, a token or the machine itself), the JSON request log, and
// readiness apart from liveness.

const TOKEN = "metrics-token-0123456789abcdef";

let server: TestServer;
let vt: string;
let office: string;
let doc: DebtorDoc;
const clientId = uuidv7();
let seq = 0;

const scrape = (token = TOKEN) => fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });

/** The value of a sample in Prometheus text: `name{labels} value`, labels in any order. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return m[3] === "+Inf" ? Infinity : Number(m[3]);
  }
  return undefined;
}

const push = (kind: string, payload: unknown) =>
  call(server.url, "POST", "/api/sync/push", { cookie: vt, body: { clientId, mutations: [{ id: uuidv7(), seq: ++seq, v: MUTATION_VERSION, kind, payload, happenedAt: TEST_NOW.toISOString() }] } });

beforeAll(async () => {
  server = await startTestServer({ env: { METRICS_TOKEN: TOKEN } });
  [vt, office] = await Promise.all([signIn(server.url, "gestionnaire@demo.test"), signIn(server.url, "bureau@demo.test")]);
  const pulled = await call<{ docs: DebtorDoc[] }>(server.url, "POST", "/api/sync/pull", { cookie: vt, body: { clientId, cursor: null, page: null } });
  doc = pulled.body.docs.find((d) => d.case?.status === "open" && d.units.some((u) => u.padlock === "none"))!;
});

afterAll(() => server?.close());

describe("GET /metrics", () => {
  it("answers only with the token when METRICS_TOKEN is set, even from this machine", async () => {
    const none = await call(server.url, "GET", "/metrics");
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe("UNAUTHENTICATED");
    const wrong = await scrape("metrics-token-0123456789abcdeX");
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error.code).toBe("UNAUTHENTICATED");
    const right = await scrape();
    expect(right.status).toBe(200);
    expect(right.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(right.headers.get("cache-control")).toBe("no-store");
  });

  it("counts requests by route pattern and status, never by path", async () => {
    const before = sample(await (await scrape()).text(), "http_requests_total", { method: "GET", route: "/api/debtors/:customerId", status: "200" }) ?? 0;
    const res = await call(server.url, "GET", `/api/debtors/${doc.customerId}`, { cookie: vt });
    expect(res.status).toBe(200);
    const text = await (await scrape()).text();
    expect(sample(text, "http_requests_total", { method: "GET", route: "/api/debtors/:customerId", status: "200" })).toBe(before + 1);
    expect(sample(text, "http_request_duration_seconds_count", { method: "GET", route: "/api/debtors/:customerId" })).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(doc.customerId);
  });

  it("echoes a sane X-Request-Id and replaces anything else", async () => {
    const kept = await fetch(`${server.url}/api/health`, { headers: { "x-request-id": "proxy-4f2a.17" } });
    expect(kept.headers.get("x-request-id")).toBe("proxy-4f2a.17");
    const replaced = await fetch(`${server.url}/api/health`, { headers: { "x-request-id": "a b<script>" } });
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const made = await fetch(`${server.url}/api/health`);
    expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("counts a sync push's mutations and the photos named but not received", async () => {
    const before = await (await scrape()).text();
    const applied = sample(before, "sync_mutations_total", { result: "applied" })!;
    const pending = sample(before, "photos_pending")!;
    const unit = doc.units.find((u) => u.padlock === "none")!;
    const photo = "ab".repeat(32);
    const res = await push("padlock.placed", { unitId: unit.id, padlockNumber: "7310", photos: [photo] });
    expect(res.body.results[0].status).toBe("applied");
    const after = await (await scrape()).text();
    expect(sample(after, "sync_mutations_total", { result: "applied" })).toBe(applied + 1);
    expect(sample(after, "photos_pending")).toBe(pending + 1);
    expect(sample(after, "sync_pull_size_count", { kind: "docs" })).toBeGreaterThanOrEqual(1);
  });

  it("reads the outbox's depth by status from the database", async () => {
    const rows = await server.services.db.select({ status: messages.status, n: count() }).from(messages).groupBy(messages.status);
    expect(rows.length).toBeGreaterThan(0);
    const text = await (await scrape()).text();
    for (const { status, n } of rows) expect(sample(text, "outbox_messages", { status })).toBe(n);
    expect(sample(text, "outbox_oldest_due_age_seconds")).toBeGreaterThanOrEqual(0);
    expect(sample(text, "process_cpu_seconds_total")).toBeGreaterThan(0);
    // The last engine run of each zone: its day, how long, how many actions.
    const started = server.services.clock.now();
    await server.services.db.insert(engineRuns).values({ id: uuidv7(), asOf: TEST_TODAY, timeZone: "Europe/Paris", startedAt: started.toISOString(), finishedAt: new Date(started.getTime() + 2500).toISOString(), planned: 7 });
    const engine = await (await scrape()).text();
    expect(sample(engine, "engine_last_run_as_of_timestamp_seconds", { time_zone: "Europe/Paris" })).toBe(Date.parse(`${TEST_TODAY}T00:00:00Z`) / 1000);
    expect(sample(engine, "engine_last_run_duration_seconds", { time_zone: "Europe/Paris" })).toBe(2.5);
    expect(sample(engine, "engine_last_run_planned", { time_zone: "Europe/Paris" })).toBe(7);
    // BACKUP_DIR unset: no backup to watch, no gauge.
    expect(text).not.toContain("backup_age_seconds");
  });
});

describe("GET /metrics without a token", () => {
  it("answers this machine, but not a request relayed by a proxy", async () => {
    const backups = mkdtempSync(join(tmpdir(), "cadenas-metrics-backups-"));
    const local = await startTestServer({ demo: false, env: { BACKUP_DIR: backups, BACKUP_AT: "off" } });
    try {
      const first = await fetch(`${local.url}/metrics`);
      expect(first.status).toBe(200);
      // Never imported, never backed up: infinitely old, so that an alert on age fires.
      const never = await first.text();
      expect(sample(never, "import_last_success_age_seconds")).toBe(Infinity);
      expect(sample(never, "backup_age_seconds")).toBe(Infinity);
      expect(never).not.toContain("engine_last_run_planned{");
      const hourAgo = new Date(local.services.clock.now().getTime() - 3_600_000);
      await createBackup({ databasePath: join(local.dir, "cadenas.db"), dataDir: local.dir, backupDir: backups, now: hourAgo });
      const age = sample(await (await fetch(`${local.url}/metrics`)).text(), "backup_age_seconds")!;
      expect(age).toBeGreaterThanOrEqual(3600);
      expect(age).toBeLessThan(3700);
      const proxied = await fetch(`${local.url}/metrics`, { headers: { "x-forwarded-for": "203.0.113.9" } });
      expect(proxied.status).toBe(403);
      expect((await proxied.json()).error.code).toBe("FORBIDDEN");
    } finally {
      await local.close();
      rmSync(backups, { recursive: true, force: true });
    }
  });
});

describe("the request log", () => {
  it("writes one JSON line a request: id, user, route pattern, status, duration — no debtor's data", async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const app = createApp({ ...server.services, logger: pino({ level: "info" }, sink) });
    const name = doc.name.split(/\s+/).sort((a, b) => b.length - a.length)[0]!;
    const res = await app.request(`/api/followup?q=${encodeURIComponent(name)}`, { headers: { cookie: office, "x-request-id": "trace-42" } });
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).toContain(name);
    const [line] = lines.filter((l) => l.reqId === "trace-42");
    expect(line).toMatchObject({ msg: "request", method: "GET", route: "/api/followup", status: 200, userId: expect.any(String) });
    expect(line!.durationMs).toEqual(expect.any(Number));
    const written = JSON.stringify(lines);
    expect(written).not.toContain(name);
    for (const contact of [doc.email, doc.phone].filter(Boolean)) expect(written).not.toContain(contact);
    expect(written).not.toContain("q=");
  });
});

describe("GET /api/health/ready", () => {
  it("is ready on a migrated database, and says which migration is missing otherwise", async () => {
    const fresh = await startTestServer({ demo: false });
    try {
      const ready = await call(fresh.url, "GET", "/api/health/ready");
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ ok: true, database: "ok", migrations: "done" });
      await fresh.services.db.run(sql`delete from __drizzle_migrations where created_at = (select max(created_at) from __drizzle_migrations)`);
      const missing = await call(fresh.url, "GET", "/api/health/ready");
      expect(missing.status).toBe(503);
      expect(missing.body).toMatchObject({ ok: false, database: "ok", migrations: "pending" });
      expect(missing.body.pending).toHaveLength(1);
      // Liveness stays as it was: the process and its database answer.
      expect((await call(fresh.url, "GET", "/api/health")).status).toBe(200);
    } finally {
      await fresh.close();
    }
  });
});

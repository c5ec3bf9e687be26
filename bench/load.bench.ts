// Issue 18, load: 1,000 simulated phones against the server as an operator runs it — 1 process on the embedded file,
// 1 process on a libSQL server (`sqld`), 3 processes on `sqld` behind Caddy (HTTPS, `tls internal`). Each phone has
// its own connection and session, does a first pull (not measured), then for LOAD_SECONDS: an incremental pull every
// 30 s, a burst of 1–5 notes every 60 s, a 150 KB photo every 5 minutes — each at its own moment. Printed:
// requests/s, p50/p95/p99 latency by kind, errors (must be 0), and CPU per request of the server side (the API
// processes, sqld and Caddy, read from /proc), per core. This 2-core machine runs the phones too: their CPU is
// printed beside, so the figures are per core used by the server.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { users, userSites } from "../server/auth/auth.sql";
import { createSession, SESSION_COOKIE } from "../server/auth/sessions";
import { migrateDatabase, openDatabase, type Database } from "../server/db/client";
import { MUTATION_VERSION } from "../shared/schemas/mutations";
import { fillChain } from "../tests/support/chain-data";
import { freePort } from "../tests/support/net";
import { startSqld } from "../tests/support/sqld";
import { count, ms, percentile, startServerProcess } from "./support/measure";

const CONFIGS = (process.env.LOAD_CONFIGS ?? "file,sqld,caddy").split(",");
const PHONES = Number(process.env.LOAD_PHONES ?? 1_000);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const CUSTOMERS = Number(process.env.LOAD_CUSTOMERS ?? 10_000);
const TODAY = "2026-11-25";
const PULL_EVERY_S = 30;
const PUSH_EVERY_S = 60;
const PHOTO_EVERY_S = 300;
const PHOTO_BYTES = 150 * 1024;
const SITES = 50;
const DOOR = readFileSync(join(import.meta.dirname, "..", "tests", "fixtures", "photos", "door.jpg"));

type Kind = "pull" | "push" | "photo";
interface Sample {
  kind: Kind;
  ms: number;
  ok: boolean;
}

/** What went wrong, the first few times: an error is never only a number. */
const failures: string[] = [];
const failed = (kind: Kind, what: string) => {
  if (failures.length < 5) failures.push(`${kind}: ${what.slice(0, 200)}`);
};

interface Phone {
  cookie: string;
  clientId: string;
  cursor: string | null;
  customers: string[];
  seq: number;
  agent: HttpAgent;
}

/**
 * A JSON or bytes request on the phone's own connection; resolves with the status and the body read whole. A kept
 * connection the server closed as the request left (its keep-alive ran out) is tried once more on a new one, as
 * browsers do (Node's documentation gives the same rule: `reusedSocket` and ECONNRESET).
 */
async function send(base: string, phone: Phone, method: string, path: string, body: Buffer | string, contentType: string, ca?: Buffer): Promise<{ status: number; text: string }> {
  try {
    return await sendOnce(base, phone, method, path, body, contentType, ca);
  } catch (e) {
    if ((e as { reused?: boolean }).reused && (e as NodeJS.ErrnoException).code === "ECONNRESET") return sendOnce(base, phone, method, path, body, contentType, ca);
    throw e;
  }
}

function sendOnce(base: string, phone: Phone, method: string, path: string, body: Buffer | string, contentType: string, ca?: Buffer): Promise<{ status: number; text: string }> {
  const url = new URL(path, base);
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, agent: phone.agent, ca, headers: { cookie: phone.cookie, "content-type": contentType, "content-length": Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("error", (e) => reject(Object.assign(e, { reused: req.reusedSocket })));
    req.end(body);
  });
}

/** Site managers, PHONES of them spread over the sites, each with a session made in the database (no sign-in storm). */
async function makePhones(db: Database, https: boolean): Promise<Phone[]> {
  const siteRows = await db.all<{ id: string }>(sql`select id from sites order by code`);
  const now = new Date().toISOString();
  const rows = Array.from({ length: PHONES }, (_, i) => ({
    id: `00000010-0000-7000-8000-${String(i).padStart(12, "0")}`,
    email: `phone${i}@load.test`,
    name: `Téléphone ${i}`,
    initials: `P${i.toString(36).toUpperCase()}`,
    role: "site_manager" as const,
    passwordHash: "x",
    createdAt: now,
    updatedAt: now,
  }));
  for (let i = 0; i < rows.length; i += 200) {
    await db.insert(users).values(rows.slice(i, i + 200));
    await db.insert(userSites).values(rows.slice(i, i + 200).map((u, k) => ({ userId: u.id, siteId: siteRows[(i + k) % siteRows.length]!.id })));
  }
  const bySite = new Map<string, string[]>();
  for (const r of await db.all<{ cid: string; sid: string }>(sql`select ct.customer_id as cid, u.site_id as sid from contracts ct join units u on u.id = ct.unit_id`)) {
    bySite.set(r.sid, [...(bySite.get(r.sid) ?? []), r.cid]);
  }
  const phones: Phone[] = [];
  for (const [i, u] of rows.entries()) {
    const { token } = await createSession(db, u.id, 30, "load-bench");
    const Agent = https ? HttpsAgent : HttpAgent;
    phones.push({
      cookie: `${https ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE}=${token}`,
      clientId: uuidv7(),
      cursor: null,
      customers: bySite.get(siteRows[i % siteRows.length]!.id) ?? [],
      seq: 0,
      agent: new Agent({ keepAlive: true, maxSockets: 1 }),
    });
  }
  return phones;
}

/** CPU seconds (user + system) used so far by these processes, from /proc. */
function cpuSeconds(pids: number[]): number {
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const pid of pids) {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    total += (Number(fields[11]) + Number(fields[12])) / tick;
  }
  return total;
}

/** The server side's processes by what they are (API, sqld, Caddy), for the CPU split. */
type Side = Record<string, number[]>;

async function runPhones(base: string, phones: Phone[], side: Side, ca?: Buffer, outputs: (() => string)[] = []): Promise<void> {
  const serverPids = Object.values(side).flat();
  // A first sync for each (all pages), not measured: the steady state is what a day looks like.
  const pull = async (phone: Phone) => {
    let page: string | null = null;
    for (;;) {
      const res = await send(base, phone, "POST", "/api/sync/pull", JSON.stringify({ clientId: phone.clientId, cursor: phone.cursor, page }), "application/json", ca);
      if (res.status !== 200) {
        failed("pull", `${res.status} ${res.text}`);
        return res.status;
      }
      const body = JSON.parse(res.text) as { cursor: string; hasMore: boolean; nextPage: string | null };
      if (!body.hasMore) {
        phone.cursor = body.cursor;
        return 200;
      }
      page = body.nextPage;
    }
  };
  for (let i = 0; i < phones.length; i += 50) await Promise.all(phones.slice(i, i + 50).map(pull));

  const samples: Sample[] = [];
  const timed = async (kind: Kind, work: () => Promise<number>) => {
    const started = performance.now();
    let ok = false;
    try {
      const status = await work();
      ok = status === 200;
    } catch (e) {
      failed(kind, (e as Error).message);
    }
    samples.push({ kind, ms: performance.now() - started, ok });
  };
  const push = (phone: Phone) => async () => {
    const n = 1 + Math.floor(Math.random() * 5);
    const mutations = Array.from({ length: n }, () => ({
      id: uuidv7(),
      seq: ++phone.seq,
      v: MUTATION_VERSION,
      kind: "note.added",
      payload: { customerId: phone.customers[Math.floor(Math.random() * phone.customers.length)]!, text: "Passé au box, personne." },
      happenedAt: new Date().toISOString(),
    }));
    const res = await send(base, phone, "POST", "/api/sync/push", JSON.stringify({ clientId: phone.clientId, mutations }), "application/json", ca);
    if (res.status !== 200 || !res.text.includes('"applied"')) failed("push", `${res.status} ${res.text}`);
    return res.status === 200 && (JSON.parse(res.text) as { results: { status: string }[] }).results.every((r) => r.status === "applied") ? 200 : res.status || 599;
  };
  const photo = (phone: Phone) => async () => {
    // A real JPEG, made unique (and photo-sized) by bytes after its end, as a camera's trailer would be.
    const bytes = Buffer.concat([DOOR, randomBytes(Math.max(16, PHOTO_BYTES - DOOR.length))]);
    const sha = createHash("sha256").update(bytes).digest("hex");
    const res = await send(base, phone, "PUT", `/api/blobs/${sha}`, bytes, "image/jpeg", ca);
    if (res.status !== 200) failed("photo", `${res.status} ${res.text}`);
    return res.status;
  };

  const cpuBefore = cpuSeconds(serverPids);
  const splitBefore = Object.fromEntries(Object.entries(side).map(([k, pids]) => [k, cpuSeconds(pids)]));
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  const end = started + SECONDS * 1000;
  const timers: NodeJS.Timeout[] = [];
  const inFlight = new Set<Promise<void>>();
  const every = (seconds: number, work: () => Promise<void>) => {
    const fire = () => {
      if (performance.now() >= end) return;
      const p = work().finally(() => inFlight.delete(p));
      inFlight.add(p);
      timers.push(setTimeout(fire, seconds * 1000));
    };
    // Each phone at its own moment.
    timers.push(setTimeout(fire, Math.random() * seconds * 1000));
  };
  for (const phone of phones) {
    every(PULL_EVERY_S, () => timed("pull", () => pull(phone)));
    every(PUSH_EVERY_S, () => timed("push", push(phone)));
    every(PHOTO_EVERY_S, () => timed("photo", photo(phone)));
  }
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  for (const t of timers) clearTimeout(t);
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  const serverCpu = cpuSeconds(serverPids) - cpuBefore;
  const split = Object.entries(side)
    .map(([k, pids]) => `${k} ${(((cpuSeconds(pids) - splitBefore[k]!) * 1000) / Math.max(samples.length, 1)).toFixed(2)} ms`)
    .join(", ");
  const own = process.cpuUsage(ownBefore);
  const ownCpu = (own.user + own.system) / 1e6;

  const errors = samples.filter((s) => !s.ok).length;
  const all = samples.map((s) => s.ms);
  console.log(
    `  ${count(samples.length)} requests in ${elapsed.toFixed(0)} s: ${(samples.length / elapsed).toFixed(1)} req/s · p50 ${ms(percentile(all, 0.5))} · p95 ${ms(percentile(all, 0.95))} · p99 ${ms(percentile(all, 0.99))} · errors ${errors}`,
  );
  for (const kind of ["pull", "push", "photo"] as const) {
    const k = samples.filter((s) => s.kind === kind).map((s) => s.ms);
    if (k.length > 0) console.log(`    ${kind.padEnd(5)} ${count(k.length).padStart(6)} · p50 ${ms(percentile(k, 0.5))} · p95 ${ms(percentile(k, 0.95))} · p99 ${ms(percentile(k, 0.99))}`);
  }
  console.log(
    `    server CPU ${serverCpu.toFixed(1)} s (${((serverCpu / elapsed) * 100).toFixed(0)}% of one core) · ${((serverCpu * 1000) / Math.max(samples.length, 1)).toFixed(2)} ms CPU a request (${split}) · ` +
      `${(samples.length / Math.max(serverCpu, 0.001)).toFixed(0)} requests per CPU-second · the phones' own CPU ${ownCpu.toFixed(1)} s`,
  );
  for (const f of failures.splice(0)) console.log(`    error: ${f}`);
  if (errors > 0) {
    // The servers' side of it: their first error lines.
    const lines = outputs.flatMap((o) => o().split("\n")).filter((l) => /error|fail|busy|timeout/i.test(l) && !/"status":(200|3\d\d)/.test(l));
    for (const l of lines.slice(0, 5)) console.log(`    server: ${l.slice(0, 300)}`);
  }
  for (const p of phones) p.agent.destroy();
}

/** Caddy in front of the processes: HTTPS with its own CA, round-robin, health checks; returns its address and CA. */
async function startCaddy(dir: string, upstreams: string[]): Promise<{ url: string; ca: Buffer; pid: number; stop(): void }> {
  const https = await freePort();
  const http = await freePort();
  const config = join(dir, "Caddyfile");
  writeFileSync(
    config,
    `{
  admin off
  skip_install_trust
  http_port ${http}
  https_port ${https}
  storage file_system ${join(dir, "caddy")}
}
localhost:${https} {
  tls internal
  reverse_proxy ${upstreams.map((u) => u.replace("http://", "")).join(" ")} {
    lb_policy round_robin
    lb_try_duration 5s
    health_uri /api/health
    health_interval 2s
  }
}
`,
  );
  const child: ChildProcess = spawn("caddy", ["run", "--config", config, "--adapter", "caddyfile"], { stdio: "ignore" });
  const caPath = join(dir, "caddy", "pki", "authorities", "local", "root.crt");
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const ca = readFileSync(caPath);
      const status = await new Promise<number>((resolve, reject) =>
        httpsRequest(`https://localhost:${https}/api/health`, { ca }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on("error", reject)
          .end(),
      );
      if (status === 200) return { url: `https://localhost:${https}`, ca, pid: child.pid!, stop: () => child.kill("SIGTERM") };
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`caddy did not start (exit ${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}


console.log(`\n${count(PHONES)} phones over ${SITES} sites (${count(CUSTOMERS)} customers), ${SECONDS} s each: a pull every ${PULL_EVERY_S} s, 1–5 notes every ${PUSH_EVERY_S} s, a ${PHOTO_BYTES / 1024} KB photo every ${PHOTO_EVERY_S} s`);
const env = { TODAY, NOW: `${TODAY}T10:00:00.000Z`, OUTBOX_EVERY: "off", BACKUP_AT: "off", DEMO_DATA: "off", LOG_LEVEL: "warn" };

// 1 process on the embedded file.
if (CONFIGS.includes("file")) {
  const dir = mkdtempSync(join(tmpdir(), "cadenas-load-file-"));
  const url = `file:${join(dir, "cadenas.db")}`;
  const handle = await openDatabase(url);
  await migrateDatabase(handle.db);
  await fillChain(handle.db, CUSTOMERS, TODAY);
  const phones = await makePhones(handle.db, false);
  handle.close();
  const server = await startServerProcess(dir, { ...env, DATABASE_URL: url });
  try {
    console.log("1 process, embedded file:");
    await runPhones(server.url, phones, { API: [server.pid] }, undefined, [server.output]);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// 1 process, then 3 behind Caddy, on one sqld.
if (CONFIGS.includes("sqld") || CONFIGS.includes("caddy")) {
  const dir = mkdtempSync(join(tmpdir(), "cadenas-load-sqld-"));
  const sqld = await startSqld();
  const handle = await openDatabase(sqld.url);
  await migrateDatabase(handle.db);
  await fillChain(handle.db, CUSTOMERS, TODAY);
  try {
    const phones = await makePhones(handle.db, false);
    if (CONFIGS.includes("sqld")) {
      const server = await startServerProcess(dir, { ...env, DATABASE_URL: sqld.url });
      try {
        console.log("1 process, sqld:");
        await runPhones(server.url, phones, { API: [server.pid], sqld: [sqld.pid] }, undefined, [server.output]);
      } finally {
        await server.stop();
      }
    }
    if (CONFIGS.includes("caddy")) {
    const servers = await Promise.all([0, 1, 2].map(() => startServerProcess(dir, { ...env, DATABASE_URL: sqld.url, TRUST_PROXY: "loopback" })));
    const caddy = await startCaddy(dir, servers.map((s) => s.url));
    try {
      const behind = phonesOverHttps(phones);
      console.log("3 processes, sqld, behind Caddy (HTTPS):");
      await runPhones(caddy.url, behind, { API: servers.map((s) => s.pid), sqld: [sqld.pid], Caddy: [caddy.pid] }, caddy.ca, servers.map((s) => s.output));
    } finally {
      caddy.stop();
      await Promise.all(servers.map((s) => s.stop()));
    }
    }
  } finally {
    handle.close();
    await sqld.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same phones for the next run: fresh connections (HTTPS now), cursors kept, the cookie's secure name. */
function phonesOverHttps(phones: Phone[]): Phone[] {
  return phones.map((p) => ({ ...p, cookie: `__Host-${p.cookie}`, agent: new HttpsAgent({ keepAlive: true, maxSockets: 1 }) }));
}

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ensureClientBuilt } from "../../server/cli/client-build";
import { SESSION_COOKIE } from "../../server/auth/sessions";
import { MUTATION_VERSION } from "../../shared/schemas/mutations";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { freePort } from "../support/net";
import { spawnServer, untilAnswering, type ServerChild } from "../support/server-process";
import { TEST_NOW, TEST_TODAY } from "../support/server";
import { startSqld, type Sqld } from "../support/sqld";

// Issue 18: production as deploy/ ships it, run for real on this machine — Caddy (Debian's package) serving HTTPS
// with its own local CA, balancing over two API processes (`server/main.ts`, as cadenas@.service runs it) on one
// libSQL server. The Caddyfile is deploy/Caddyfile's site block as shipped, under the test's global options
// (local certificates, high ports, no admin endpoint, storage in a temp folder). Through it: a sign-in whose cookie
// is Secure (the processes believe Caddy's X-Forwarded-Proto: TRUST_PROXY=loopback), a first pull, a push, a photo
// sent in two pieces, the service worker and the manifest; then one process is killed and the next requests are
// still answered.

const CLIENT_DIR = resolve("dist/client");

type Proc = ServerChild;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json: () => any;
}

let sqld: Sqld;
let dir: string;
let procs: Proc[] = [];
let caddy: ChildProcess | undefined;
let caddyOutput = "";
let origin: string;
let agent: Agent;
let cookie: string;
let customerId: string;

const note = (text: string) => ({ id: uuidv7(), seq: 1, v: MUTATION_VERSION, kind: "note.added", payload: { customerId, text }, happenedAt: TEST_NOW.toISOString() });

/** A request to Caddy over HTTPS, trusting only Caddy's local root CA; the body is gunzipped when the app gzipped it. */
function call(method: string, path: string, options: { body?: Buffer | string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { origin, ...(cookie ? { cookie } : {}), ...options.headers };
  if (typeof options.body === "string") headers["content-type"] ??= "application/json";
  return new Promise((resolveAnswer, reject) => {
    const req = request(`${origin}${path}`, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const raw = Buffer.concat(chunks);
        const body = res.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
        resolveAnswer({ status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body.toString("utf8")) });
      });
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/** As cadenas@.service runs it: node with tsx, PORT and HOST from the unit, the rest from cadenas.env. */
const startProcess = (port: number) =>
  spawnServer(
    {
      HOST: "127.0.0.1",
      DATABASE_URL: sqld.url,
      DATA_DIR: join(dir, "data"),
      CLIENT_DIR,
      PUBLIC_URL: origin,
      TRUST_PROXY: "loopback",
      TODAY: TEST_TODAY,
      NOW: TEST_NOW.toISOString(),
      ENGINE_AT: "off",
      OUTBOX_EVERY: "off",
      BACKUP_AT: "off",
    },
    port,
  );

/** deploy/Caddyfile with its global options block replaced by the test's: everything the operator's site gets is kept. */
function testCaddyfile(httpPort: number, httpsPort: number, storage: string): string {
  const shipped = readFileSync("deploy/Caddyfile", "utf8");
  const global = /^\{\n[\s\S]*?^\}\n/m;
  if (!global.test(shipped)) throw new Error("deploy/Caddyfile has no global options block ({ … } at the start of a line) for the test to replace");
  const options = ["{", "\tadmin off", `\tstorage file_system ${storage}`, "\tskip_install_trust", "\tlocal_certs", `\thttp_port ${httpPort}`, `\thttps_port ${httpsPort}`, "}", ""].join("\n");
  return shipped.replace(global, options);
}

beforeAll(async () => {
  const version = spawnSync("caddy", ["version"], { encoding: "utf8" });
  if (version.error || version.status !== 0) {
    throw new Error(`caddy is not installed (${version.error?.message ?? version.stderr}): apt-get install -y caddy — .ci/run installs it`);
  }
  // The processes serve the production build of the client, as e2e tests and `npm start` do (built when stale).
  await ensureClientBuilt(CLIENT_DIR, () => {});

  dir = mkdtempSync(join(tmpdir(), "cadenas-proxy-"));
  const [httpPort, httpsPort, p1, p2] = [await freePort(), await freePort(), await freePort(), await freePort()];
  origin = `https://localhost:${httpsPort}`;
  sqld = await startSqld();
  procs = await Promise.all([startProcess(p1), startProcess(p2)]);
  await Promise.all(procs.map((p) => untilAnswering(p, "/api/health/ready")));

  const storage = join(dir, "caddy");
  const caddyfile = join(dir, "Caddyfile");
  writeFileSync(caddyfile, testCaddyfile(httpPort, httpsPort, storage));
  caddy = spawn("caddy", ["run", "--config", caddyfile, "--adapter", "caddyfile"], {
    env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir, CADENAS_DOMAIN: "localhost", CADENAS_UPSTREAMS: procs.map((p) => `127.0.0.1:${p.port}`).join(" ") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  caddy.stdout!.on("data", (d: Buffer) => (caddyOutput += d.toString()));
  caddy.stderr!.on("data", (d: Buffer) => (caddyOutput += d.toString()));
  const rootCa = join(storage, "pki/authorities/local/root.crt");
  await vi.waitFor(
    async () => {
      if (caddy!.exitCode !== null) throw new Error(`caddy exited ${caddy!.exitCode}: ${caddyOutput}`);
      expect(existsSync(rootCa)).toBe(true);
      agent ??= new Agent({ ca: readFileSync(rootCa), keepAlive: true });
      expect((await call("GET", "/api/health/ready")).status).toBe(200);
    },
    { timeout: 30_000, interval: 100 },
  );
}, 300_000);

afterAll(async () => {
  agent?.destroy();
  caddy?.kill("SIGKILL");
  for (const p of procs) p.child.kill("SIGKILL");
  await sqld?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("production behind Caddy (deploy/), over HTTPS", () => {
  it("signs in with a Secure, HttpOnly, SameSite session cookie, the processes believing Caddy's https", async () => {
    const res = await call("POST", "/api/auth/login", { body: JSON.stringify({ email: "gestionnaire@demo.test", password: "demo" }) });
    expect(res.status, res.body.toString()).toBe(200);
    const setCookie = ([] as string[]).concat(res.headers["set-cookie"] ?? []).find((c) => c.includes(SESSION_COOKIE))!;
    // __Host-: a cookie the browser takes only from a secure origin, for the whole host.
    expect(setCookie).toMatch(new RegExp(`^__Host-${SESSION_COOKIE}=`));
    expect(setCookie).toMatch(/;\s*Secure/i);
    expect(setCookie).toMatch(/;\s*HttpOnly/i);
    expect(setCookie).toMatch(/;\s*SameSite=Lax/i);
    expect(setCookie).toMatch(/;\s*Path=\//i);
    // The Caddyfile adds HSTS; the app's own headers come through.
    expect(res.headers["strict-transport-security"]).toMatch(/max-age=\d+/);
    cookie = setCookie.split(";")[0]!;
  });

  it("pulls (gzipped by the app, passed through by Caddy) and pushes a note", async () => {
    const clientId = uuidv7();
    const pulled = await call("POST", "/api/sync/pull", { body: JSON.stringify({ clientId, cursor: null, page: null }), headers: { "accept-encoding": "gzip" } });
    expect(pulled.status, pulled.body.toString()).toBe(200);
    expect(pulled.headers["content-encoding"]).toBe("gzip");
    const docs = pulled.json().docs as DebtorDoc[];
    expect(docs.length).toBeGreaterThan(0);
    customerId = docs[0]!.customerId;

    const pushed = await call("POST", "/api/sync/push", { body: JSON.stringify({ clientId, mutations: [note("Note passée par Caddy")] }) });
    expect(pushed.status, pushed.body.toString()).toBe(200);
    expect(pushed.json().results.map((r: { status: string }) => r.status)).toEqual(["applied"]);
  });

  it("takes a photo in two pieces (which may reach different processes) and gives it back whole", async () => {
    const photo = readFileSync("tests/fixtures/photos/door.jpg");
    const sha = createHash("sha256").update(photo).digest("hex");
    const half = Math.floor(photo.byteLength / 2);
    const piece = (from: number, to: number) =>
      call("PUT", `/api/blobs/${sha}`, {
        body: photo.subarray(from, to),
        headers: { "content-type": "application/octet-stream", "content-range": `bytes ${from}-${to - 1}/${photo.byteLength}` },
      });
    const first = await piece(0, half);
    expect(first.status, first.body.toString()).toBe(200);
    expect(first.json()).toMatchObject({ received: half, complete: false });
    const second = await piece(half, photo.byteLength);
    expect(second.status, second.body.toString()).toBe(200);
    expect(second.json()).toMatchObject({ received: photo.byteLength, complete: true });
    const back = await call("GET", `/api/blobs/${sha}`);
    expect(back.status).toBe(200);
    expect(createHash("sha256").update(back.body).digest("hex")).toBe(sha);
  });

  it("serves the service worker and the manifest with their types, always revalidated", async () => {
    const sw = await call("GET", "/sw.js");
    expect(sw.status).toBe(200);
    expect(sw.headers["content-type"]).toMatch(/^(text|application)\/javascript/);
    expect(sw.headers["cache-control"]).toBe("no-cache");
    expect(sw.body.toString()).toContain("precache");
    const manifest = await call("GET", "/manifest.webmanifest");
    expect(manifest.status).toBe(200);
    expect(manifest.headers["content-type"]).toMatch(/^application\/manifest\+json/);
    expect(manifest.json()).toMatchObject({ short_name: "Cadenas", start_url: "/" });
  });

  it("keeps answering when a process is killed: Caddy tries the other one", async () => {
    const [dead, alive] = procs as [Proc, Proc];
    dead.child.kill("SIGKILL");
    await new Promise((r) => dead.child.once("exit", r));
    // No wait for a health check: each request finding the dead process is tried again on the other (lb_try_duration).
    for (let i = 0; i < 6; i++) {
      const today = await call("GET", "/api/today");
      expect(today.status, today.body.toString()).toBe(200);
      const pushed = await call("POST", "/api/sync/push", { body: JSON.stringify({ clientId: uuidv7(), mutations: [note(`Note ${i} après la panne`)] }) });
      expect(pushed.status, pushed.body.toString()).toBe(200);
      expect(pushed.json().results.map((r: { status: string }) => r.status)).toEqual(["applied"]);
      expect((await call("GET", "/api/health/ready")).status).toBe(200);
    }
    expect(alive.child.exitCode).toBeNull();
  });
});

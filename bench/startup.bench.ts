// How long a new user waits after `npm start` on an empty database (migrate, demo data, listen), and how fast
// the floor's two read routes answer once it is up.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../server/env";
import { startServer } from "../server/server";

const dir = mkdtempSync(join(tmpdir(), "cadenas-bench-"));
const config = loadConfig({ PORT: "0", DATABASE_URL: `file:${join(dir, "bench.db")}`, DATA_DIR: dir, CLIENT_DIR: join(dir, "none") });

const t0 = performance.now();
const server = await startServer(config, () => {});
const startMs = performance.now() - t0;

const cookies: Record<string, string> = {};
for (const email of ["gestionnaire@demo.test", "bureau@demo.test"]) {
  const res = await fetch(`${server.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password: "demo" }) });
  cookies[email] = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
}

async function latencies(path: string, cookie: string, n = 200): Promise<{ p50: number; p95: number; bytes: number }> {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await fetch(`${server.url}${path}`, { headers: { cookie } });
    bytes = (await res.arrayBuffer()).byteLength;
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(n * 0.5)]!, p95: times[Math.floor(n * 0.95)]!, bytes };
}

const today = await (await fetch(`${server.url}/api/today`, { headers: { cookie: cookies["bureau@demo.test"]! } })).json();
const someone = today.debtors[0].customerId as string;

console.log(`cold start on an empty database (migrate + demo data + listen): ${startMs.toFixed(0)} ms (target: well under 90 s)`);
for (const [label, path, email] of [
  ["GET /api/today, site manager (1 site)", "/api/today", "gestionnaire@demo.test"],
  ["GET /api/today, office (2 sites)", "/api/today", "bureau@demo.test"],
  ["GET /api/debtors/:id, office", `/api/debtors/${someone}`, "bureau@demo.test"],
] as const) {
  const l = await latencies(path, cookies[email]!);
  console.log(`${label}: p50 ${l.p50.toFixed(1)} ms, p95 ${l.p95.toFixed(1)} ms, ${(l.bytes / 1024).toFixed(1)} KiB`);
}

await server.stop();
rmSync(dir, { recursive: true, force: true });

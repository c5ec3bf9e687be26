import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../server/env";
import type { DebtorDoc, PullResponse } from "../../shared/schemas/debtor-doc";
import { startServer, type RunningServer, type StartOptions } from "../../server/server";

/** The demo data's "today" in tests, so that dates and stages are the same on every run. */
export const TEST_TODAY = "2026-11-22";
/** The instant the tests' phones and outbox workers start from: 10:00 in Paris on `TEST_TODAY`. */
export const TEST_NOW = new Date(`${TEST_TODAY}T09:00:00Z`);

export interface TestServer extends RunningServer {
  dir: string;
  close(): Promise<void>;
}

/** The real server on a random port, over a fresh libSQL file in a temp folder, with demo data by default. */
export async function startTestServer(options: { demo?: boolean; clientDir?: string; env?: Record<string, string>; start?: StartOptions } = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "cadenas-test-"));
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: `file:${join(dir, "cadenas.db")}`,
    DATA_DIR: dir,
    TODAY: TEST_TODAY,
    NOW: TEST_NOW.toISOString(),
    DEMO_DATA: options.demo === false ? "off" : "auto",
    CLIENT_DIR: options.clientDir ?? join(dir, "no-client"),
    ENGINE_AT: "off",
    OUTBOX_EVERY: "off",
    // A JSON line a request would drown the tests' output; a test that reads the lines passes its own logger.
    LOG_LEVEL: "silent",
    ...options.env,
  });
  const server = await startServer(config, () => {}, options.start);
  return {
    ...server,
    dir,
    async close() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A JSON request as a browser would send it; `cookie` is the session cookie from `signIn`. */
export async function call<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; contentType?: string; cookie?: string } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (options.cookie) headers.cookie = options.cookie;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers["content-type"] = options.contentType ?? "application/json";
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: kept as text so a test can say what came back
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** Signs in and returns the `name=value` of the session cookie. */
export async function signIn(baseUrl: string, email: string, password = "demo"): Promise<string> {
  const res = await call(baseUrl, "POST", "/api/auth/login", { body: { email, password } });
  if (res.status !== 200) throw new Error(`sign-in as ${email} failed: ${res.status} ${JSON.stringify(res.body)}`);
  const setCookie = res.headers.get("set-cookie") ?? "";
  return setCookie.split(";")[0]!;
}

/** Imports a CSV through the office's route, as the office would upload it; throws with the report if refused. */
export async function importThroughRoute(baseUrl: string, cookie: string, kind: string, text: string): Promise<void> {
  const res = await fetch(`${baseUrl}/api/imports/${kind}`, { method: "POST", headers: { cookie, "content-type": "text/csv" }, body: text });
  if (res.status !== 200) throw new Error(`${kind}: ${res.status} ${await res.text()}`);
}

/** Every document of a first sync (no cursor) for this session and phone, page after page. */
export async function firstSyncDocs(url: string, cookie: string, clientId: string): Promise<DebtorDoc[]> {
  const docs: DebtorDoc[] = [];
  let page: string | null = null;
  for (;;) {
    const res: { status: number; body: PullResponse } = await call<PullResponse>(url, "POST", "/api/sync/pull", { cookie, body: { clientId, cursor: null, page } });
    if (res.status !== 200) throw new Error(`pull answered ${res.status}: ${JSON.stringify(res.body)}`);
    docs.push(...res.body.docs);
    if (!res.body.hasMore) return docs;
    page = res.body.nextPage;
  }
}

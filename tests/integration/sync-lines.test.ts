import { eq } from "drizzle-orm";
import { request } from "node:http";
import { brotliDecompressSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users } from "../../server/auth/auth.sql";
import { asksForLines } from "../../server/sync/lines";
import { pullChanges } from "../../server/sync/pull";
import { ACCEPT_LINES, answerOf, readPullPage } from "../../client/store/ndjson";
import { getMeta } from "../../client/store/db";
import { SyncEngine, type Transport } from "../../client/store/sync";
import { SimulatedPhone } from "../support/phone";
import type { PullResponse } from "../../shared/schemas/debtor-doc";
import { signIn, startTestServer, TEST_TODAY, type TestServer } from "../support/server";

// Issue 19: a phone asks for its pull pages as lines (`application/x-ndjson`), which it parses as they stream in;
// every other client keeps plain JSON. Both forms of a page hold the same thing, lines come compressed like JSON,
// and errors stay JSON whatever was asked.

let server: TestServer;
let cookie: string;
beforeAll(async () => {
  server = await startTestServer();
  cookie = await signIn(server.url, "bureau@demo.test");
});
afterAll(() => server.close());

const clientId = crypto.randomUUID();

function pull(body: unknown, accept?: string): Promise<Response> {
  const headers: Record<string, string> = { cookie, "content-type": "application/json" };
  if (accept) headers.accept = accept;
  return fetch(`${server.url}/api/sync/pull`, { method: "POST", headers, body: JSON.stringify(body) });
}

/** The same pull asked as JSON and as lines (read by the phone's own reader), both answered 200. */
async function bothForms(body: unknown): Promise<{ json: PullResponse; lines: PullResponse }> {
  const asJson = await pull(body, "application/json");
  expect(asJson.status).toBe(200);
  expect(asJson.headers.get("content-type")).toMatch(/^application\/json/);
  expect(asJson.headers.get("vary")).toMatch(/(^|,)\s*accept\s*(,|$)/i);
  const asLines = await pull(body, ACCEPT_LINES);
  expect(asLines.status).toBe(200);
  expect(asLines.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
  expect(asLines.headers.get("vary")).toMatch(/(^|,)\s*accept\s*(,|$)/i);
  return { json: (await asJson.json()) as PullResponse, lines: await readPullPage(asLines.body!) };
}

describe("a pull page as lines", () => {
  it("holds the same first page as its JSON form", async () => {
    const { json, lines } = await bothForms({ clientId, cursor: null });
    expect(json.docs.length).toBeGreaterThan(10);
    expect(json.templates).toBeDefined();
    expect(lines).toEqual(json);
    expect(lines.docs.map((d) => d.customerId)).toEqual(json.docs.map((d) => d.customerId));
  });

  it("holds the same next page as its JSON form", async () => {
    // The demo's office sees fewer debtors than a first page holds: the page token comes from a small first page
    // cut here, in this process, for the same phone; the route then answers the rest.
    const [user] = await server.services.db.select().from(users).where(eq(users.email, "bureau@demo.test"));
    const first = await pullChanges(server.services.db, {
      clientId,
      cursor: null,
      user: { ...user!, sites: [] },
      scope: { all: true },
      asOf: TEST_TODAY,
      now: server.services.clock.now(),
      firstPageSize: 10,
    });
    expect(first.nextPage).not.toBeNull();
    const { json, lines } = await bothForms({ clientId, cursor: null, page: first.nextPage });
    expect(json.docs.length).toBeGreaterThan(10);
    expect(json.docs.map((d) => d.customerId)).not.toContain(first.docs[0]!.customerId);
    expect(lines).toEqual(json);
  });

  it("is one header line, then one line a document, in order", async () => {
    const text = await (await pull({ clientId, cursor: null }, ACCEPT_LINES)).text();
    const json = (await (await pull({ clientId, cursor: null })).json()) as PullResponse;
    const rows = text.split("\n");
    expect(rows.at(-1)).toBe("");
    expect(rows).toHaveLength(json.docs.length + 2);
    const { docs, ...header } = json;
    expect(JSON.parse(rows[0]!)).toEqual(header);
    expect(rows.slice(1, -1).map((r) => JSON.parse(r))).toEqual(docs);
  });

  it("comes brotli-compressed to a client that accepts it", async () => {
    const body = JSON.stringify({ clientId, cursor: null });
    const raw = await new Promise<{ headers: Record<string, string | string[] | undefined>; bytes: Buffer }>((resolve, reject) => {
      const req = request(`${server.url}/api/sync/pull`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json", accept: ACCEPT_LINES, "accept-encoding": "gzip, deflate, br" },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ headers: res.headers, bytes: Buffer.concat(chunks) }));
      });
      req.on("error", reject);
      req.end(body);
    });
    expect(raw.headers["content-type"]).toMatch(/^application\/x-ndjson/);
    expect(raw.headers["content-encoding"]).toBe("br");
    const text = brotliDecompressSync(raw.bytes).toString();
    expect(raw.bytes.byteLength).toBeLessThan(text.length / 3);
    expect(text).toBe(await (await pull({ clientId, cursor: null }, ACCEPT_LINES)).text());
  });

  it("leaves errors as JSON with their usual shape", async () => {
    const bad = await pull({ clientId: "not-an-id", cursor: 3 }, ACCEPT_LINES);
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await bad.json()).toMatchObject({ error: { code: "VALIDATION_FAILED" } });
    const signedOut = await fetch(`${server.url}/api/sync/pull`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: ACCEPT_LINES },
      body: JSON.stringify({ clientId, cursor: null }),
    });
    expect(signedOut.status).toBe(401);
    expect(await signedOut.json()).toMatchObject({ error: { code: expect.any(String) } });
  });

  it("stores nothing of a page cut on the way, and the next pass takes it whole", async () => {
    const [user] = await server.services.db.select().from(users).where(eq(users.email, "bureau@demo.test"));
    const phone = new SimulatedPhone(server.url, cookie);
    // The connection drops once half the page's bytes have come.
    const cutting: Transport = {
      async post(path, body) {
        const res = await fetch(`${server.url}${path}`, {
          method: "POST",
          headers: { cookie, "content-type": "application/json", accept: ACCEPT_LINES },
          body: JSON.stringify(body),
        });
        if (path !== "/api/sync/pull") return answerOf(res);
        const bytes = new Uint8Array(await res.arrayBuffer());
        const half = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(bytes.slice(0, bytes.byteLength >> 1));
            controller.error(new TypeError("terminated"));
          },
        });
        return answerOf(new Response(half, { status: res.status, headers: res.headers }));
      },
    };
    expect(await new SyncEngine(phone.db, cutting).syncOnce({ userId: user!.id })).toBe("offline");
    expect(await phone.db.debtors.count()).toBe(0);
    expect(await getMeta(phone.db, "cursor")).toBeFalsy();
    expect(await phone.engine.syncOnce({ userId: user!.id })).toBe("synced");
    expect(await phone.db.debtors.count()).toBeGreaterThan(10);
    expect(await getMeta(phone.db, "cursor")).toBeTruthy();
  });

  it("is sent only to a client that prefers it", () => {
    expect(asksForLines(ACCEPT_LINES)).toBe(true);
    expect(asksForLines("application/x-ndjson")).toBe(true);
    expect(asksForLines("application/json, application/x-ndjson")).toBe(true);
    expect(asksForLines(undefined)).toBe(false);
    expect(asksForLines("*/*")).toBe(false);
    expect(asksForLines("application/json")).toBe(false);
    expect(asksForLines("application/x-ndjson;q=0")).toBe(false);
    expect(asksForLines("application/json, application/x-ndjson;q=0.5")).toBe(false);
  });

  it("is described in the OpenAPI document", async () => {
    const doc = (await (await fetch(`${server.url}/api/openapi.json`, { headers: { cookie } })).json()) as {
      paths: Record<string, { post: { responses: Record<string, { content: Record<string, unknown> }> } }>;
    };
    expect(Object.keys(doc.paths["/sync/pull"]!.post.responses["200"]!.content)).toEqual(["application/json", "application/x-ndjson"]);
  });
});

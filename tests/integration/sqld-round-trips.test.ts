import { createServer, request, type Server } from "node:http";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MUTATION_VERSION } from "../../shared/schemas/mutations";
import { startSqld, type Sqld } from "../support/sqld";
import { call, signIn, startTestServer, TEST_NOW, type TestServer } from "../support/server";

// On a libSQL server every statement is an HTTP round trip, and what a request costs is mostly those trips
// (bench/load.bench.ts, docs/scale.md): the phones' two requests are held to a count, read at a proxy in front of
// sqld that also records each statement.

let sqld: Sqld;
let proxy: Server;
let server: TestServer;
let cookie: string;
const seen: { trips: number; statements: string[] } = { trips: 0, statements: [] };

beforeAll(async () => {
  sqld = await startSqld();
  const stored = new Map<number, string>();
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      seen.trips++;
      for (const r of (JSON.parse(body.toString() || "{}") as { requests?: HranaRequest[] }).requests ?? []) {
        if (r.type === "store_sql") stored.set(r.sql_id!, r.sql!);
        const steps = r.type === "execute" ? [r.stmt!] : r.type === "batch" ? r.batch!.steps.map((s) => s.stmt) : [];
        for (const s of steps) seen.statements.push(s.sql ?? stored.get(s.sql_id!) ?? "?");
      }
      const upstream = request(`${sqld.url}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const { port } = proxy.address() as { port: number };
  server = await startTestServer({ env: { DATABASE_URL: `http://127.0.0.1:${port}` } });
  cookie = await signIn(server.url, "gestionnaire@demo.test");
}, 120_000);

afterAll(async () => {
  await server?.close();
  proxy?.close();
  await sqld?.close();
});

interface HranaRequest {
  type: string;
  sql?: string;
  sql_id?: number;
  stmt?: { sql?: string; sql_id?: number };
  batch?: { steps: { stmt: { sql?: string; sql_id?: number } }[] };
}

async function counted<T>(work: () => Promise<T>): Promise<{ result: T; trips: number; statements: string[] }> {
  seen.trips = 0;
  seen.statements = [];
  const result = await work();
  return { result, trips: seen.trips, statements: [...seen.statements] };
}

describe("the requests a phone sends every minute, on a libSQL server", () => {
  it("an incremental pull with nothing new for the phone takes 4 round trips, and reads no template, site or setting", async () => {
    const clientId = uuidv7();
    let page: string | null = null;
    let first;
    do {
      first = await call(server.url, "POST", "/api/sync/pull", { cookie, body: { clientId, cursor: null, page } });
      page = first.body.nextPage;
    } while (page);
    const { result, trips, statements } = await counted(() =>
      call(server.url, "POST", "/api/sync/pull", { cookie, body: { clientId, cursor: first.body.cursor, templates: first.body.templates?.version } }),
    );
    expect(result.status).toBe(200);
    expect(result.body.docs).toEqual([]);
    expect(trips).toBeLessThanOrEqual(4);
    expect(statements.filter((s) => /message_templates|from "settings"|"sender_name"/.test(s))).toEqual([]);
  });

  it("a push of notes takes at most 9 round trips, however many notes", async () => {
    const clientId = uuidv7();
    const pulled = await call(server.url, "POST", "/api/sync/pull", { cookie, body: { clientId, cursor: null } });
    const customerId = pulled.body.docs[0].customerId as string;
    const note = (seq: number) => ({ id: uuidv7(), seq, v: MUTATION_VERSION, kind: "note.added", payload: { customerId, text: "Passé au box." }, happenedAt: TEST_NOW.toISOString() });
    for (const batch of [[note(1)], [note(2), note(3), note(4)]]) {
      const { result, trips } = await counted(() => call(server.url, "POST", "/api/sync/push", { cookie, body: { clientId, mutations: batch } }));
      expect(result.body.results.map((r: { status: string }) => r.status)).toEqual(batch.map(() => "applied"));
      expect(trips).toBeLessThanOrEqual(9);
    }
  });
});

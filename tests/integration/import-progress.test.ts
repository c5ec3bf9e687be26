import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customers } from "../../server/customers/customers.sql";
import { STALE_IMPORT_HOURS } from "../../shared/engine/freshness";
import { ImportFreshness, ImportJobStatus, ImportRunsResponse } from "../../shared/schemas/imports";
import { call, signIn, startTestServer, TEST_NOW, type TestServer } from "../support/server";

// The office's Imports screen starts an import as a job and follows it: a large file shows where it stands
// (lines read, rows written) before its report; a refused one has a report to download for Excel.

const FIXTURES = "tests/fixtures/imports";
let server: TestServer;
let office: string;

beforeAll(async () => {
  server = await startTestServer();
  office = await signIn(server.url, "bureau@demo.test");
});
afterAll(() => server.close());

async function start(kind: string, body: string, fileName: string, cookie = office) {
  const res = await fetch(`${server.url}/api/imports/${kind}/jobs?fileName=${encodeURIComponent(fileName)}`, { method: "POST", headers: { cookie, "content-type": "text/csv" }, body });
  return { status: res.status, body: await res.json() };
}

/** Follows a job to its end, as the screen does, keeping every state it answered. */
async function follow(id: string): Promise<ImportJobStatus[]> {
  const states: ImportJobStatus[] = [];
  for (;;) {
    const res = await call(server.url, "GET", `/api/imports/runs/${id}`, { cookie: office });
    expect(res.status).toBe(200);
    states.push(ImportJobStatus.parse(res.body));
    if (res.body.state !== "running") return states;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("POST /api/imports/{kind}/jobs and GET /api/imports/runs/{id}", () => {
  it("shows a 100,000-line invoices file progressing, phase by phase, before its report", async () => {
    const refs = (await server.services.db.select({ ref: customers.ref }).from(customers).limit(500)).map((c) => c.ref);
    const lines = Array.from({ length: 100_000 }, (_, i) => `FPROG${i};${refs[i % refs.length]};;20/10/2026;01/11/2026;${49 + (i % 50)},90`);
    const csv = `\uFEFFinvoice_ref;customer_ref;contract_ref;issue_date;due_date;amount\r\n${lines.join("\r\n")}\r\n`;
    const started = await start("invoices", csv, "factures-novembre.csv");
    expect(started.status).toBe(202);
    const states = await follow(started.body.id);

    const last = states.at(-1)!;
    expect(last).toMatchObject({ state: "done", run: { ok: true, kind: "invoices", fileName: "factures-novembre.csv", source: "office", userName: "Sophie Bernard", lines: 100_000, created: 100_000 } });
    const progress = states.filter((s) => s.state === "running");
    const phases = [...new Set(progress.map((s) => s.phase))];
    expect(phases.filter((p) => p !== "waiting")).toEqual(expect.arrayContaining(["read", "write"]));
    // Within the reading and the writing, it moves forward, and it is of the whole file.
    const read = progress.filter((s) => s.phase === "read");
    expect(new Set(read.map((s) => s.done)).size).toBeGreaterThan(1);
    expect(read.every((s) => s.total === 100_000)).toBe(true);
    const written = progress.filter((s) => s.phase === "write").map((s) => s.done);
    expect(written.length).toBeGreaterThan(1);
    expect(written).toEqual([...written].sort((a, b) => a - b));
  }, 120_000);

  it("answers a refused file with every bad line, keeps it in the history with who, and gives its report as a CSV for Excel", async () => {
    const bad = readFileSync(join(FIXTURES, "invoices-bad.csv"), "utf8").replace("FBAD2;NOBODY", "FBAD2;=HYPERLINK(1)");
    const started = await start("invoices", bad, "factures-à-revoir.csv");
    const last = (await follow(started.body.id)).at(-1)!;
    expect(last.state).toBe("done");
    const run = (last as Extract<ImportJobStatus, { state: "done" }>).run;
    expect(run).toMatchObject({ ok: false, created: 0, updated: 0, userName: "Sophie Bernard" });
    // The fixture's customer and contract are not in the demo data: lines 2 and 3 name them too.
    expect(run.errors.map((e) => [e.line, e.column])).toEqual([
      [2, "customer_ref"],
      [2, "contract_ref"],
      [3, "customer_ref"],
      [4, "due_date"],
      [5, "amount"],
    ]);

    const history = ImportRunsResponse.parse((await call(server.url, "GET", "/api/imports", { cookie: office })).body);
    expect(history.runs[0]).toMatchObject({ id: started.body.id, fileName: "factures-à-revoir.csv", ok: false, source: "office", userName: "Sophie Bernard" });

    const res = await fetch(`${server.url}/api/imports/runs/${started.body.id}/report.csv`, { headers: { cookie: office } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toMatch(/attachment; .*filename\*=UTF-8''rapport-factures-%C3%A0-revoir\.csv/);
    const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(await res.arrayBuffer());
    expect(text.startsWith("\uFEFFligne;colonne;message\r\n")).toBe(true);
    const rows = text.slice(1).trimEnd().split("\r\n");
    expect(rows).toHaveLength(6);
    expect(rows[3]).toBe("3;customer_ref;Ligne 3, colonne customer_ref : client « =HYPERLINK(1) » inconnu");
    expect(rows[4]).toMatch(/^4;due_date;Ligne 4, colonne due_date : « 31\/02\/2026 »/);
  });

  it("keeps the floor out, and says how fresh the data is with the engine's own rule", async () => {
    const floor = await signIn(server.url, "gestionnaire@demo.test");
    expect((await start("customers", "customer_ref;kind;name;payment_method\nX;person;X;card\n", "c.csv", floor)).status).toBe(403);
    expect((await call(server.url, "GET", "/api/imports/freshness", { cookie: floor })).status).toBe(403);
    const res = await call(server.url, "GET", "/api/imports/freshness", { cookie: office });
    const fresh = ImportFreshness.parse(res.body);
    // The 100,000 invoices went in just now, on the server's clock.
    expect(fresh).toMatchObject({ stale: false, staleAfterHours: STALE_IMPORT_HOURS });
    expect(fresh.byKind.invoices).toBe(fresh.last);
    expect(Date.parse(fresh.last!)).toBeGreaterThanOrEqual(TEST_NOW.getTime());
    expect((await call(server.url, "GET", "/api/imports/runs/nope", { cookie: office })).status).toBe(404);
  });
});

import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { count, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invoices, paymentIncidents, payments } from "../../server/billing/billing.sql";
import { contracts, customers } from "../../server/customers/customers.sql";
import { lastSuccessfulImport } from "../../server/imports/apply";
import { sites, units } from "../../server/sites/sites.sql";
import { call, signIn, startTestServer, type TestServer } from "../support/server";

// The billing software's four files through the office route and the command line, as French Excel writes them.

const FIXTURES = "tests/fixtures/imports";
let server: TestServer;
let office: string;

beforeAll(async () => {
  server = await startTestServer();
  office = await signIn(server.url, "bureau@demo.test");
});
afterAll(() => server.close());

async function upload(kind: string, file: string, cookie = office) {
  const res = await fetch(`${server.url}/api/imports/${kind}`, {
    method: "POST",
    headers: { cookie, "content-type": "text/csv", "x-file-name": file },
    body: readFileSync(join(FIXTURES, file)),
  });
  return { status: res.status, body: await res.json() };
}

const rows = async (table: typeof invoices | typeof customers | typeof contracts | typeof payments) => (await server.services.db.select({ n: count() }).from(table))[0]!.n;

describe("POST /api/imports/{kind}", () => {
  it("imports the four kinds in order, creating unknown sites and boxes", async () => {
    const started = new Date(server.services.clock.now().getTime() - 1000);
    const c = await upload("customers", "customers.csv");
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    expect(c.body).toMatchObject({ ok: true, kind: "customers", lines: 3, created: 3, updated: 0, errors: [] });
    const [martin] = await server.services.db.select().from(customers).where(eq(customers.ref, "IMP002"));
    expect(martin).toMatchObject({ kind: "company", name: "Transports Martin; fils", paymentMethod: "sepa", segment: "grand-compte", address: "12, quai Perrache" });
    const [morel] = await server.services.db.select().from(customers).where(eq(customers.ref, "IMP003"));
    expect(morel).toMatchObject({ kind: "person", paymentMethod: "card", stop: true, segment: "mauvais-payeur" });

    expect((await upload("contracts", "contracts.csv")).body).toMatchObject({ ok: true, created: 3 });
    const [site] = await server.services.db.select().from(sites).where(eq(sites.code, "NEW"));
    expect(site).toBeDefined();
    expect(await server.services.db.select().from(units).where(eq(units.siteId, site!.id))).toHaveLength(1);
    const [k2] = await server.services.db.select().from(contracts).where(eq(contracts.ref, "CTIMP2"));
    expect(k2).toMatchObject({ monthlyRentCents: 123_450, startDate: "2026-10-15", endDate: null });

    expect((await upload("invoices", "invoices.csv")).body).toMatchObject({ ok: true, created: 4 });
    const [credit] = await server.services.db.select().from(invoices).where(eq(invoices.ref, "AVIMP1"));
    expect(credit).toMatchObject({ kind: "credit_note", amountCents: -1_000, dueDate: "2026-11-05" });

    expect((await upload("payments", "payments.csv")).body).toMatchObject({ ok: true, created: 2 });
    const incidents = await server.services.db.select().from(paymentIncidents).where(eq(paymentIncidents.customerId, martin!.id));
    expect(incidents.map((i) => [i.kind, i.occurredOn])).toEqual([["sepa_rejected", "2026-11-04"]]);

    expect((await lastSuccessfulImport(server.services.db))!.getTime()).toBeGreaterThan(started.getTime());
  });

  it("is idempotent: the same files again update, create nothing, and record the incident once", async () => {
    const before = await Promise.all([rows(customers), rows(contracts), rows(invoices), rows(payments)]);
    for (const [kind, file] of [["customers", "customers.csv"], ["contracts", "contracts.csv"], ["invoices", "invoices.csv"], ["payments", "payments.csv"]] as const) {
      const again = await upload(kind, file);
      expect(again.body).toMatchObject({ ok: true, created: 0 });
      expect(again.body.updated).toBe(again.body.lines);
    }
    expect(await Promise.all([rows(customers), rows(contracts), rows(invoices), rows(payments)])).toEqual(before);
    const ids = (await server.services.db.select({ id: payments.id }).from(payments).where(eq(payments.ref, "PIMP2"))).map((p) => p.id);
    expect(await server.services.db.select().from(paymentIncidents).where(inArray(paymentIncidents.paymentId, ids))).toHaveLength(1);
  });

  it("refuses a file with bad lines, listing every one with its column, and writes nothing", async () => {
    const before = await rows(invoices);
    const res = await upload("invoices", "invoices-bad.csv");
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("IMPORT_REJECTED");
    const issues = res.body.error.details.errors as { line: number; column: string; message: string }[];
    expect(issues.map((i) => [i.line, i.column])).toEqual([
      [3, "customer_ref"],
      [4, "due_date"],
      [5, "amount"],
    ]);
    expect(issues[1]!.message).toBe("Ligne 4, colonne due_date : « 31/02/2026 » n'est pas une date valide (JJ/MM/AAAA ou AAAA-MM-JJ)");
    expect(await rows(invoices)).toBe(before);
    expect(await server.services.db.select().from(invoices).where(eq(invoices.ref, "FBAD1"))).toEqual([]);
    // The refused attempt is listed with its report.
    const list = await call(server.url, "GET", "/api/imports", { cookie: office });
    expect(list.body.runs[0]).toMatchObject({ fileName: "invoices-bad.csv", ok: false, lines: 4 });
    expect(list.body.lastSuccessful.invoices).toBeDefined();
  });

  it("refuses control characters in a cell, naming the line, the column and the character, and keeps spacing as spaces", async () => {
    const post = (text: string) => fetch(`${server.url}/api/imports/customers`, { method: "POST", headers: { cookie: office, "content-type": "text/csv" }, body: text });
    const head = "customer_ref;kind;name;payment_method;address\n";
    const before = await rows(customers);
    const refused = await post(`${head}\u0000\u0000;person;\u0000;card;\nCTRL2;person;Jean\u001b[31m Rouge;card;\nCTRL3;person;Ali\u202Ece;card;\n`);
    const body = await refused.json();
    expect(refused.status).toBe(422);
    const issues = body.error.details.errors as { line: number; column: string; message: string }[];
    expect(issues.map((i) => [i.line, i.column])).toEqual([
      [2, "customer_ref"],
      [2, "name"],
      [3, "name"],
      [4, "name"],
    ]);
    expect(issues[0]!.message).toContain("caractère de contrôle U+0000 refusé");
    expect(issues[2]!.message).toContain("U+001B");
    expect(issues[3]!.message).toContain("U+202E");
    expect(await rows(customers)).toBe(before);
    // A line break or a tab inside a quoted address is spacing, not a refusal; decomposed accents are stored composed.
    const ok = await post(`${head}CTRL4;person;"Rene\u0301e\tMartin";card;"12 rue des Lilas\r\nBâtiment B"\n`);
    expect(ok.status, await ok.clone().text()).toBe(200);
    const [stored] = await server.services.db.select().from(customers).where(eq(customers.ref, "CTRL4"));
    expect(stored).toMatchObject({ name: "Renée Martin", address: "12 rue des Lilas Bâtiment B" });
  });

  it("is for the office and a Manager of every site: a Manager of one site may neither import nor read the runs", async () => {
    const users = (await call(server.url, "GET", "/api/users", { cookie: office })).body.users as { id: string; email: string; sites: { id: string }[] }[];
    const manager = users.find((u) => u.email === "manager@demo.test")!;
    // The files imported above created sites: a Manager of every site is one of them all.
    const allSites = ((await call(server.url, "GET", "/api/sites", { cookie: office })).body.sites as { id: string }[]).map((s) => s.id);
    expect(allSites.length).toBeGreaterThan(2);
    expect((await call(server.url, "PATCH", `/api/users/${manager.id}`, { cookie: office, body: { siteIds: allSites } })).status).toBe(200);
    const cookie = await signIn(server.url, "manager@demo.test");
    expect((await call(server.url, "GET", "/api/imports", { cookie })).status).toBe(200);
    const narrowed = await call(server.url, "PATCH", `/api/users/${manager.id}`, { cookie: office, body: { siteIds: [manager.sites[0]!.id] } });
    expect(narrowed.status, JSON.stringify(narrowed.body)).toBe(200);
    const oneSite = await signIn(server.url, "manager@demo.test");
    const refused = await upload("customers", "customers.csv", oneSite);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain("Manager de tous les sites");
    expect((await call(server.url, "GET", "/api/imports", { cookie: oneSite })).status).toBe(403);
    expect((await call(server.url, "PATCH", `/api/users/${manager.id}`, { cookie: office, body: { siteIds: manager.sites.map((s) => s.id) } })).status).toBe(200);
  });

  it("names a missing column, and keeps the floor out", async () => {
    const res = await fetch(`${server.url}/api/imports/payments`, { method: "POST", headers: { cookie: office, "content-type": "text/csv" }, body: "payment_ref;customer_ref\nX;Y\n" });
    const body = await res.json();
    expect(res.status).toBe(422);
    expect(body.error.details.errors[0].message).toMatch(/colonne\(s\) manquante\(s\) : date, amount, method, status/);
    const floor = await signIn(server.url, "gestionnaire@demo.test");
    expect((await upload("customers", "customers.csv", floor)).status).toBe(403);
    expect((await call(server.url, "GET", "/api/imports", { cookie: floor })).status).toBe(403);
  });
});

describe("npm run import", () => {
  const run = (args: string[], env: Record<string, string>) =>
    promisify(execFile)(process.execPath, ["--import", "tsx", "server/cli/import-csv.ts", ...args], { env: { ...process.env, ...env } }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  it("imports into an empty database, refuses a bad file with exit code 2, and explains its usage", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cadenas-import-"));
    const env = { DATABASE_URL: `file:${join(dir, "i.db")}`, DATA_DIR: dir };
    try {
      const ok = await run(["--kind", "customers", join(FIXTURES, "customers-cp1252.csv")], env);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/customers-cp1252\.csv \(customers, windows-1252\): 1 lines imported .* 1 created, 0 updated/);
      const bad = await run(["--kind", "invoices", join(FIXTURES, "invoices-bad.csv")], env);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/refused: 5 problem/); // on an empty database, IMP001 and CTIMP1 are unknown too
      expect(bad.stderr).toMatch(/Ligne 2, colonne customer_ref : client « IMP001 » inconnu/);
      const usage = await run(["--kind", "boxes", "x.csv"], env);
      expect(usage.code).toBe(64);
      expect(usage.stderr).toMatch(/usage: npm run import/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, signIn, startTestServer, type TestServer } from "../support/server";

describe("the audit log", () => {
  let server: TestServer;
  let office: string;

  beforeAll(async () => {
    server = await startTestServer();
    office = await signIn(server.url, "bureau@demo.test");
  });
  afterAll(() => server.close());

  it("records a change of settings with who, from which address, and only the fields that changed, before and after", async () => {
    const before = (await call(server.url, "GET", "/api/settings", { cookie: office })).body;
    const put = await call(server.url, "PUT", "/api/settings", { cookie: office, body: { minBalanceCents: before.minBalanceCents + 500 } });
    expect(put.status).toBe(200);

    const log = await call(server.url, "GET", "/api/audit?event=settings.updated", { cookie: office });
    expect(log.status).toBe(200);
    const [entry] = log.body.entries;
    expect(entry.user.initials).toBeTruthy();
    expect(entry.address).toMatch(/127\.0\.0\.1/);
    expect(entry.details).toEqual({ before: { minBalanceCents: before.minBalanceCents }, after: { minBalanceCents: before.minBalanceCents + 500 } });
  });

  it("records an edited template with its text before and after", async () => {
    const templates = (await call(server.url, "GET", "/api/templates", { cookie: office })).body;
    const t = templates.templates.find((x: { email?: unknown }) => x.email);
    const { code, ...body } = t;
    const edited = { ...body, email: { ...body.email, subject: `${body.email.subject} (modifié)` } };
    const put = await call(server.url, "PUT", `/api/templates/${code}`, { cookie: office, body: pick(edited, Object.keys(body)) });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const log = await call(server.url, "GET", "/api/audit?event=template", { cookie: office });
    const entry = log.body.entries.find((e: { entityId: string }) => e.entityId === code);
    expect(entry.details.after.email.subject).toBe(`${body.email.subject} (modifié)`);
  });

  it("filters by event family and by day, and pages with `before`", async () => {
    for (let i = 0; i < 3; i++) await call(server.url, "PUT", "/api/settings", { cookie: office, body: { sepaRejectFeeCents: 1_000 + i } });
    const page1 = await call(server.url, "GET", "/api/audit?event=settings&limit=2", { cookie: office });
    expect(page1.body.entries).toHaveLength(2);
    expect(page1.body.next).not.toBeNull();
    const page2 = await call(server.url, "GET", `/api/audit?event=settings&limit=2&before=${page1.body.next}`, { cookie: office });
    const ids = [...page1.body.entries, ...page2.body.entries].map((e: { id: number }) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(page2.body.entries.every((e: { event: string }) => e.event.startsWith("settings."))).toBe(true);
    // Sign-ins are there too, with their own family.
    const logins = await call(server.url, "GET", "/api/audit?event=auth.login", { cookie: office });
    expect(logins.body.entries.length).toBeGreaterThan(0);
    expect(logins.body.events).toEqual(expect.arrayContaining(["auth.login", "settings.updated"]));
    // A day with nothing in it gives nothing; an inverted filter is not an error, just empty.
    const none = await call(server.url, "GET", "/api/audit?from=2000-01-01&to=2000-01-02", { cookie: office });
    expect(none.body.entries).toEqual([]);
  });

  it("refuses a bad filter with the field named, and is the office's alone", async () => {
    const bad = await call(server.url, "GET", "/api/audit?from=hier", { cookie: office });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("from");
    for (const email of ["manager@demo.test", "gestionnaire@demo.test"]) {
      const cookie = await signIn(server.url, email);
      expect((await call(server.url, "GET", "/api/audit", { cookie })).status).toBe(403);
    }
    expect((await call(server.url, "GET", "/api/audit")).status).toBe(401);
  });

  it("records every refused access (a role that may not, a cross-site request) with who, what and the refusal's code", async () => {
    const floor = await signIn(server.url, "gestionnaire@demo.test");
    expect((await call(server.url, "PUT", "/api/settings", { cookie: floor, body: { minBalanceCents: 0 } })).status).toBe(403);
    const crossSite = await fetch(`${server.url}/api/settings`, { method: "PUT", headers: { cookie: office, origin: "https://evil.example", "content-type": "application/json" }, body: "{}" });
    expect(crossSite.status).toBe(403);
    const log = await call(server.url, "GET", "/api/audit?event=access.refused", { cookie: office });
    const [cross, role] = log.body.entries;
    expect(role).toMatchObject({ event: "access.refused", user: { initials: "VT" }, entity: "settings", details: { method: "PUT", path: "/api/settings", code: "FORBIDDEN" } });
    expect(cross).toMatchObject({ event: "access.refused", details: { method: "PUT", path: "/api/settings", code: "CROSS_SITE_REQUEST" } });
  });

  it("records every file downloaded (billing CSV, import report) — a line in the log, no change of the data", async () => {
    const csv = await fetch(`${server.url}/api/billing/to-enter.csv`, { headers: { cookie: office } });
    expect(csv.status).toBe(200);
    const log = await call(server.url, "GET", "/api/audit?event=export.downloaded", { cookie: office });
    expect(log.body.entries[0]).toMatchObject({ user: { initials: "SB" }, entity: "billing", details: { path: "/api/billing/to-enter.csv", file: "cadenas-a-saisir.csv" } });
    // An answer that is not a file, and a refused download, add no download line.
    await call(server.url, "GET", "/api/billing/to-enter", { cookie: office });
    expect((await call(server.url, "GET", "/api/audit?event=export.downloaded", { cookie: office })).body.entries).toHaveLength(1);
  });

  it("cannot be changed or emptied, even by a statement sent to the database", async () => {
    const { db } = server.services;
    const refusal = (statement: Promise<unknown>) => statement.then(() => "carried out", (e: Error) => String(e.cause ?? e));
    expect(await refusal(db.run(sql`update audit_log set event = 'nothing'`))).toMatch(/append-only/);
    expect(await refusal(db.run(sql`delete from audit_log`))).toMatch(/append-only/);
  });
});

function pick(o: Record<string, unknown>, keys: string[]) {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}

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
});

function pick(o: Record<string, unknown>, keys: string[]) {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}

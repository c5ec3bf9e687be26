import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessions, users } from "../../server/auth/auth.sql";
import { ApiErrorBody } from "../../shared/errors";
import { SessionResponse } from "../../shared/schemas/auth";
import { DebtorDetail, TodayResponse } from "../../shared/schemas/debtors";
import { TEST_TODAY, call, signIn, startTestServer, type Answer, type TestServer } from "../support/server";

let server: TestServer;
let url: string;

beforeAll(async () => {
  server = await startTestServer();
  url = server.url;
});
afterAll(() => server.close());

describe("health and errors", () => {
  it("answers health without a session", async () => {
    const res = await call(url, "GET", "/api/health");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, database: "ok" });
  });

  it("keeps the API's answers out of every cache: personal data, refusals and errors alike", async () => {
    const cookie = await signIn(url, "gestionnaire@demo.test");
    for (const [path, cookieFor] of [["/api/today", cookie], ["/api/auth/me", cookie], ["/api/today", undefined], ["/api/nothing-here", cookie]] as const) {
      const res = await call(url, "GET", path, { cookie: cookieFor });
      expect(res.headers.get("cache-control"), `${path} ${res.status}`).toBe("no-store");
    }
  });

  it("answers an unknown API route with a JSON 404", async () => {
    for (const [method, path] of [
      ["GET", "/api"],
      ["GET", "/api/nope"],
      ["POST", "/api/debtors"],
      ["DELETE", "/api/today"],
    ] as const) {
      const res = await call(url, method, path);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(ApiErrorBody.parse(res.body).error.code).toBe("NOT_FOUND");
    }
  });

  it("says the client is not built instead of failing when dist is missing", async () => {
    const res = await call(url, "GET", "/");
    expect(res.status).toBe(503);
    expect(String(res.body)).toContain("npm run build");
  });
});

describe("sign-in", () => {
  it("signs in with the demo account and sets an HttpOnly, SameSite=Lax session cookie", async () => {
    const res = await call(url, "POST", "/api/auth/login", { body: { email: "gestionnaire@demo.test", password: "demo" } });
    expect(res.status).toBe(200);
    const { user } = SessionResponse.parse(res.body);
    expect(user).toMatchObject({ initials: "VT", role: "site_manager" });
    expect(user.sites.map((s) => s.code)).toEqual(["LYO"]);
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^cadenas_session=[\w-]{40,};/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
  });

  it("accepts the e-mail with capitals and spaces as phones type it", async () => {
    const res = await call(url, "POST", "/api/auth/login", { body: { email: "  Bureau@Demo.test ", password: "demo" } });
    expect(res.status).toBe(200);
    expect(res.body.user.role).toBe("office");
  });

  it("refuses a wrong password and an unknown e-mail alike", async () => {
    for (const body of [
      { email: "gestionnaire@demo.test", password: "wrong" },
      { email: "nobody@demo.test", password: "demo" },
    ]) {
      const res = await call(url, "POST", "/api/auth/login", { body });
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: "INVALID_CREDENTIALS", message: "Wrong e-mail or password" });
      expect(res.headers.get("set-cookie")).toBeNull();
    }
  });

  it("answers a malformed body with a 400 naming the fields", async () => {
    const missing = await call(url, "POST", "/api/auth/login", { body: { email: "not-an-email" } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe("VALIDATION_FAILED");
    expect(missing.body.error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(["email", "password"]);

    const broken = await call(url, "POST", "/api/auth/login", { rawBody: '{"email": "x', contentType: "application/json" });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe("MALFORMED_JSON");

    const form = await call(url, "POST", "/api/auth/login", { rawBody: "email=a&password=b", contentType: "application/x-www-form-urlencoded" });
    expect(form.status).toBe(415);
    expect(form.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("never answers 5xx to garbage", async () => {
    const bodies = [null, [], 42, "text", { email: ["a"], password: {} }, { email: "a@b.c".repeat(100), password: "x".repeat(10_000) }, { email: null, password: null }];
    for (const body of bodies) {
      const res = await call(url, "POST", "/api/auth/login", { rawBody: JSON.stringify(body) });
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      ApiErrorBody.parse(res.body);
    }
  });

  it("slows an e-mail down after 5 failures from one place and says when to retry", async () => {
    // The waits and who they hold back are in sign-in-throttle.test.ts, on a clock the test moves; this server's
    // clock runs, so only the first wait is looked for here.
    const email = "gestionnaire2@demo.test";
    const answers: Answer[] = [];
    for (let i = 0; i < 20 && answers.at(-1)?.status !== 429; i++) answers.push(await call(url, "POST", "/api/auth/login", { body: { email, password: `wrong-${i}` } }));
    expect(answers.slice(0, 5).map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
    const locked = answers.at(-1)!;
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe("RATE_LIMITED");
    expect(locked.body.error.message).toMatch(/^Trop d'essais : réessayez dans \d+ s\.$/);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    // Others are not locked out by it.
    expect((await call(url, "POST", "/api/auth/login", { body: { email: "bureau@demo.test", password: "demo" } })).status).toBe(200);
  });
});

describe("sessions", () => {
  it("asks for a session on every route but health and sign-in, the API description included", async () => {
    const refused = await call(url, "GET", "/api/openapi.json");
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("UNAUTHENTICATED");
    const doc = (await call(url, "GET", "/api/openapi.json", { cookie: await signIn(url, "bureau@demo.test") })).body;
    const operations = Object.entries(doc.paths as Record<string, Record<string, { security?: unknown[] }>>).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path: `/api${path.replace(/\{[^}]+\}/g, "0190f1c2-0000-7000-8000-000000000000")}`, secured: (op.security ?? []).length > 0 })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(5);
    const open = operations.filter((o) => !o.secured).map((o) => `${o.method} ${o.path}`);
    // Besides health (liveness and readiness) and sign-in (with its second step, which needs the challenge the right password gave), only
    // what a person without a session needs: "mot de passe oublié", the links, the first run (which asks for the
    // code the server printed), and the app's start asking whether anyone is signed in; and Brevo's delivery webhook, which proves itself with its secret token instead.
    expect(open.sort()).toEqual([
      "GET /api/auth/session",
      "GET /api/auth/tokens/0190f1c2-0000-7000-8000-000000000000",
      "GET /api/health",
      "GET /api/health/ready",
      "GET /api/setup",
      "POST /api/auth/forgot",
      "POST /api/auth/login",
      "POST /api/auth/login/code",
      "POST /api/auth/login/enrol",
      "POST /api/auth/login/enrol/start",
      "POST /api/auth/password/choose",
      "POST /api/setup/account",
      "POST /api/webhooks/brevo",
    ]);
    for (const op of operations.filter((o) => o.secured)) {
      const res = await call(url, op.method, op.path);
      expect(res.status, `${op.method} ${op.path}`).toBe(401);
      expect(res.body.error.code).toBe("UNAUTHENTICATED");
    }
  });

  it("returns the user of the session and forgets it at sign-out", async () => {
    const cookie = await signIn(url, "gestionnaire@demo.test");
    const me = await call(url, "GET", "/api/auth/me", { cookie });
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe("gestionnaire@demo.test");

    const out = await call(url, "POST", "/api/auth/logout", { cookie });
    expect(out.status).toBe(200);
    expect(out.headers.get("set-cookie")).toMatch(/cadenas_session=;/);
    expect((await call(url, "GET", "/api/auth/me", { cookie })).status).toBe(401);
  });

  it("tells the app's start who is signed in, where nobody is an answer and not a 401 in the browser's console", async () => {
    const nobody = await call(url, "GET", "/api/auth/session");
    expect(nobody.status).toBe(200);
    expect(nobody.body).toEqual({ user: null });
    expect(nobody.headers.get("cache-control")).toBe("no-store");

    const cookie = await signIn(url, "gestionnaire@demo.test");
    const signedIn = await call(url, "GET", "/api/auth/session", { cookie });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.email).toBe("gestionnaire@demo.test");
    expect(signedIn.body.settings.timeZone).toBe("Europe/Paris");

    await call(url, "POST", "/api/auth/logout", { cookie });
    expect((await call(url, "GET", "/api/auth/session", { cookie })).body).toEqual({ user: null });
    expect((await call(url, "GET", "/api/auth/session", { cookie: "cadenas_session=forged" })).body).toEqual({ user: null });
  });

  it("refuses an expired session and the session of a disabled user", async () => {
    const { db } = server.services;
    const expired = await signIn(url, "gestionnaire@demo.test");
    await db.update(sessions).set({ expiresAt: "2000-01-01T00:00:00.000Z" });
    expect((await call(url, "GET", "/api/today", { cookie: expired })).status).toBe(401);

    const cookie = await signIn(url, "gestionnaire@demo.test");
    await db.update(users).set({ active: false }).where(eq(users.email, "gestionnaire@demo.test"));
    try {
      expect((await call(url, "GET", "/api/today", { cookie })).status).toBe(401);
      expect((await call(url, "POST", "/api/auth/login", { body: { email: "gestionnaire@demo.test", password: "demo" } })).status).toBe(401);
    } finally {
      await db.update(users).set({ active: true }).where(eq(users.email, "gestionnaire@demo.test"));
    }
  });

  it("stores only a hash of the session token", async () => {
    const cookie = await signIn(url, "bureau@demo.test");
    const token = cookie.split("=")[1]!;
    const rows = await server.services.db.select({ id: sessions.id }).from(sessions);
    expect(rows.some((r) => r.id === token)).toBe(false);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.id))).toBe(true);
  });
});

describe("site scope", () => {
  it("shows a site manager the debtors of their own site only", async () => {
    const cookie = await signIn(url, "gestionnaire@demo.test");
    const res = await call(url, "GET", "/api/today", { cookie });
    expect(res.status).toBe(200);
    const today = TodayResponse.parse(res.body);
    expect(today.asOf).toBe(TEST_TODAY);
    expect(today.debtors.length).toBeGreaterThan(10);
    for (const d of today.debtors) {
      expect(d.units.length).toBeGreaterThan(0);
      for (const u of d.units) expect(u.siteCode).toBe("LYO");
    }
    expect(today.totals.balanceCents).toBe(today.debtors.reduce((s, d) => s + d.balanceCents, 0));
  });

  it("lets the office and the manager see both sites", async () => {
    for (const email of ["bureau@demo.test", "manager@demo.test"]) {
      const today = TodayResponse.parse((await call(url, "GET", "/api/today", { cookie: await signIn(url, email) })).body);
      const codes = new Set(today.debtors.flatMap((d) => d.units.map((u) => u.siteCode)));
      expect([...codes].sort(), email).toEqual(["LYO", "VIL"]);
    }
  });

  it("answers 404 to a site manager asking for a debtor of another site", async () => {
    const office = await signIn(url, "bureau@demo.test");
    const all = TodayResponse.parse((await call(url, "GET", "/api/today", { cookie: office })).body);
    const elsewhere = all.debtors.find((d) => d.units.every((u) => u.siteCode === "VIL"))!;
    const mine = all.debtors.find((d) => d.units.every((u) => u.siteCode === "LYO"))!;

    const vt = await signIn(url, "gestionnaire@demo.test");
    const refused = await call(url, "GET", `/api/debtors/${elsewhere.customerId}`, { cookie: vt });
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe("NOT_FOUND");
    expect(JSON.stringify(refused.body)).not.toContain(elsewhere.name);

    const allowed = await call(url, "GET", `/api/debtors/${mine.customerId}`, { cookie: vt });
    expect(allowed.status).toBe(200);
    const detail = DebtorDetail.parse(allowed.body);
    expect(detail.customer.name).toBe(mine.name);
    expect(detail.balanceCents).toBe(mine.balanceCents);
    expect(detail.invoices.length).toBeGreaterThan(0);
    // Every demo payment names its invoice, so what is left on the invoices is the balance.
    const owed = detail.invoices.filter((i) => i.dueDate <= detail.asOf).reduce((s, i) => s + i.amountCents - i.paidCents, 0);
    expect(owed).toBe(detail.balanceCents);
    expect(detail.history.length).toBeGreaterThan(0);
    // Payments show on the invoices they paid (some debtor of the site paid part of what they owe).
    const details = await Promise.all(
      all.debtors.filter((d) => d.units.every((u) => u.siteCode === "LYO")).map(async (d) => DebtorDetail.parse((await call(url, "GET", `/api/debtors/${d.customerId}`, { cookie: vt })).body)),
    );
    expect(details.some((d) => d.invoices.some((i) => i.paidCents > 0))).toBe(true);
  });

  it("answers 400 naming the parameter for a malformed id, 404 for an unknown one", async () => {
    const cookie = await signIn(url, "bureau@demo.test");
    const bad = await call(url, "GET", "/api/debtors/12345", { cookie });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toBe("customerId");
    const unknown = await call(url, "GET", "/api/debtors/0190f1c2-0000-7000-8000-000000000000", { cookie });
    expect(unknown.status).toBe(404);
  });
});

describe("OpenAPI", () => {
  it("documents every route with its schemas", async () => {
    const res = await call(url, "GET", "/api/openapi.json", { cookie: await signIn(url, "bureau@demo.test") });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    expect(res.body.servers).toEqual([{ url: "/api" }]);
    // Which routes exist is said once, by the authorization matrix (a route without its line fails there); here,
    // each operation must say what it answers, success and refusals alike.
    const operations = Object.entries(res.body.paths as Record<string, Record<string, { responses?: Record<string, unknown> }>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, statuses: Object.keys(op.responses ?? {}) })),
    );
    expect(operations.length).toBeGreaterThan(70);
    for (const { route, statuses } of operations) {
      expect(statuses.some((s) => s.startsWith("2")), `${route} documents its success`).toBe(true);
      // Only these answer anybody, whatever is asked: nothing to refuse.
      if (!["GET /health", "GET /health/ready", "GET /setup", "GET /auth/session"].includes(route)) expect(statuses.some((s) => s.startsWith("4")), `${route} documents its refusals`).toBe(true);
    }
    expect(Object.keys(res.body.components.schemas)).toEqual(
      expect.arrayContaining(["LoginBody", "SessionUser", "TodayResponse", "DebtorDetail", "DebtorDoc", "Mutation", "PushBody", "PullBody", "ApprovalsResponse", "DecisionBody", "Error"]),
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startTestServer, type TestServer } from "../support/server";

const ACCOUNT = { name: "Claire Martin", email: "claire.martin@exemple.fr", initials: "cm", password: "ficelle-tonnerre-abricot" };

describe("the first run on an empty database", () => {
  let server: TestServer;
  let code: string;

  beforeAll(async () => {
    server = await startTestServer({ demo: false });
    code = server.services.setupCode!.code;
  });
  afterAll(() => server.close());

  it("says it waits for its first account, and no one can sign in before", async () => {
    expect((await call(server.url, "GET", "/api/setup")).body).toEqual({ needsAccount: true });
    expect((await call(server.url, "POST", "/api/auth/login", { body: { email: ACCOUNT.email, password: ACCOUNT.password } })).status).toBe(401);
  });

  it("refuses whoever does not have the code printed in the server's log", async () => {
    const res = await call(server.url, "POST", "/api/setup/account", { body: { ...ACCOUNT, code: "AAAAA-AAAAA" } });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain("journal");
  });

  it("refuses a common password with the reason, even with the right code", async () => {
    const res = await call(server.url, "POST", "/api/setup/account", { body: { ...ACCOUNT, password: "motdepasse123", code } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues[0].path).toBe("password");
  });

  it("creates the first office account with the code (typed in lower case, without its dash), signed in at once", async () => {
    const res = await call(server.url, "POST", "/api/setup/account", { body: { ...ACCOUNT, code: code.toLowerCase().replace("-", "") } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.user).toMatchObject({ email: ACCOUNT.email, role: "office", initials: "CM" });
    const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
    expect((await call(server.url, "GET", "/api/auth/me", { cookie })).body.user.email).toBe(ACCOUNT.email);
    // The same password signs in later.
    expect((await call(server.url, "POST", "/api/auth/login", { body: { email: ACCOUNT.email, password: ACCOUNT.password } })).status).toBe(200);
    const audit = await call(server.url, "GET", "/api/audit?event=user.created", { cookie });
    expect(audit.body.entries[0].details.firstRun).toBe(true);
  });

  it("never creates a second one: the code is spent", async () => {
    const res = await call(server.url, "POST", "/api/setup/account", { body: { ...ACCOUNT, email: "autre@exemple.fr", initials: "AU", code } });
    expect(res.status).toBe(409);
    expect((await call(server.url, "GET", "/api/setup")).body).toEqual({ needsAccount: false });
  });
});

describe("a server with demo data", () => {
  it("has no setup code and no first-run page to claim", async () => {
    const server = await startTestServer();
    try {
      expect(server.services.setupCode).toBeNull();
      expect((await call(server.url, "GET", "/api/setup")).body).toEqual({ needsAccount: false });
      const res = await call(server.url, "POST", "/api/setup/account", { body: { ...ACCOUNT, code: "AAAAA-AAAAA" } });
      expect(res.status).toBe(409);
    } finally {
      await server.close();
    }
  });
});

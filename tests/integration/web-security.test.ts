import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/env";
import { call, signIn, startTestServer, type TestServer } from "../support/server";

/** A request with extra headers, as a browser (or an attacker's page in one) would send it. */
async function send(server: TestServer, method: string, path: string, headers: Record<string, string>, body?: string) {
  const res = await fetch(`${server.url}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // kept as text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

describe("a browser's cross-site request that would change data", () => {
  let server: TestServer;
  let office: string;
  beforeAll(async () => {
    server = await startTestServer({ env: { PUBLIC_URL: "https://cadenas.example.fr" } });
    office = await signIn(server.url, "bureau@demo.test");
  });
  afterAll(() => server.close());

  const settingsOf = async () => (await call(server.url, "GET", "/api/settings", { cookie: office })).body;

  it("is refused with the victim's cookie when it comes from another site's page, whatever the content type", async () => {
    const before = await settingsOf();
    const patch = JSON.stringify({ minBalanceCents: before.minBalanceCents + 100 });
    const attempts: Array<[string, Record<string, string>]> = [
      ["JSON with Origin", { origin: "https://evil.example", "content-type": "application/json" }],
      ["text/plain with Origin", { origin: "https://evil.example", "content-type": "text/plain" }],
      ["Sec-Fetch-Site cross-site", { "sec-fetch-site": "cross-site", "content-type": "application/json" }],
      ["Sec-Fetch-Site same-site (a neighbouring sub-domain)", { "sec-fetch-site": "same-site", origin: "https://other.example.fr", "content-type": "application/json" }],
      ["Origin null (a sandboxed page)", { origin: "null", "content-type": "application/json" }],
    ];
    for (const [what, headers] of attempts) {
      const res = await send(server, "PUT", "/api/settings", { cookie: office, ...headers }, patch);
      expect(res.status, what).toBe(403);
      expect(res.body.error.code, what).toBe("CROSS_SITE_REQUEST");
      expect(res.body.error.message, what).toContain("autre site");
    }
    expect(await settingsOf()).toEqual(before);
  });

  it("cannot push a phone's actions, post an import as a plain form, or sign out the victim", async () => {
    const evil = { cookie: office, origin: "https://evil.example" };
    const push = await send(server, "POST", "/api/sync/push", { ...evil, "content-type": "text/plain" }, JSON.stringify({ clientId: "0190f1c2-0000-7000-8000-00000000aaaa", mutations: [] }));
    expect(push.status).toBe(403);
    const runsBefore = (await call(server.url, "GET", "/api/imports/freshness", { cookie: office })).body;
    const form = new FormData();
    form.set("file", new Blob(["ref;nom\nX1;Pirate\n"], { type: "text/csv" }), "clients.csv");
    const imported = await fetch(`${server.url}/api/imports/customers`, { method: "POST", headers: evil, body: form });
    expect(imported.status).toBe(403);
    const plain = await send(server, "POST", "/api/imports/customers", { ...evil, "content-type": "text/plain" }, "ref;nom\nX1;Pirate\n");
    expect(plain.status).toBe(403);
    expect((await call(server.url, "GET", "/api/imports/freshness", { cookie: office })).body).toEqual(runsBefore);
    const logout = await send(server, "POST", "/api/auth/logout", evil);
    expect(logout.status).toBe(403);
    expect((await call(server.url, "GET", "/api/auth/me", { cookie: office })).status).toBe(200);
  });

  it("goes through from Cadenas's own pages: same-origin, its own Origin, or PUBLIC_URL's behind a proxy", async () => {
    const before = await settingsOf();
    const bodies: Record<string, string>[] = [
      { "sec-fetch-site": "same-origin", origin: "https://cadenas.example.fr" },
      { origin: server.url },
      { origin: "https://cadenas.example.fr" },
    ];
    for (const [i, headers] of bodies.entries()) {
      const res = await send(server, "PUT", "/api/settings", { cookie: office, "content-type": "application/json", ...headers }, JSON.stringify({ minBalanceCents: before.minBalanceCents + i + 1 }));
      expect(res.status, JSON.stringify(headers)).toBe(200);
    }
    expect((await settingsOf()).minBalanceCents).toBe(before.minBalanceCents + 3);
  });

  it("goes through without either header: a script or the operator's integration is not a browser's cross-site request", async () => {
    const res = await call(server.url, "PUT", "/api/settings", { cookie: office, body: { minBalanceCents: 0 } });
    expect(res.status).toBe(200);
    // …but it still needs its session.
    expect((await call(server.url, "PUT", "/api/settings", { body: { minBalanceCents: 0 } })).status).toBe(401);
  });

  it("does not stop a cross-site read: reading is what SameSite and the session already decide", async () => {
    const res = await send(server, "GET", "/api/auth/me", { cookie: office, "sec-fetch-site": "cross-site" });
    expect(res.status).toBe(200);
  });
});

describe("cookies and addresses behind a reverse proxy that ends TLS", () => {
  let proxied: TestServer;
  let direct: TestServer;
  beforeAll(async () => {
    [proxied, direct] = await Promise.all([startTestServer({ env: { TRUST_PROXY: "loopback" } }), startTestServer()]);
  });
  afterAll(() => Promise.all([proxied.close(), direct.close()]));

  const login = (server: TestServer, headers: Record<string, string>) =>
    send(server, "POST", "/api/auth/login", { "content-type": "application/json", ...headers }, JSON.stringify({ email: "bureau@demo.test", password: "demo" }));

  it("sets a Secure __Host- cookie when the trusted proxy says the browser came over https", async () => {
    const res = await login(proxied, { "x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.7" });
    expect(res.status).toBe(200);
    const cookie = res.headers.getSetCookie().find((c) => c.includes("cadenas_session="))!;
    expect(cookie).toMatch(/^__Host-cadenas_session=[\w-]{40,};/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Domain=/i);
    const pair = cookie.split(";")[0]!;
    // Read back under that name over https; the same token under the plain name, or over plain http, is no session.
    expect((await send(proxied, "GET", "/api/auth/me", { cookie: pair, "x-forwarded-proto": "https" })).status).toBe(200);
    expect((await send(proxied, "GET", "/api/auth/me", { cookie: pair.replace("__Host-", ""), "x-forwarded-proto": "https" })).status).toBe(401);
  });

  it("keeps a plain cookie over plain http, and believes X-Forwarded-Proto only from a trusted proxy", async () => {
    const plain = await login(proxied, { "x-forwarded-proto": "http" });
    expect(plain.headers.getSetCookie().find((c) => c.includes("cadenas_session="))).toMatch(/^cadenas_session=/);
    const untrusted = await login(direct, { "x-forwarded-proto": "https" });
    const cookie = untrusted.headers.getSetCookie().find((c) => c.includes("cadenas_session="))!;
    expect(cookie).toMatch(/^cadenas_session=/);
    expect(cookie).not.toMatch(/Secure/);
  });

  it("records the browser's address from X-Forwarded-For only when the proxy is trusted", async () => {
    const spoofed = "198.51.100.23";
    await login(proxied, { "x-forwarded-for": `${spoofed}, 203.0.113.9` });
    await login(direct, { "x-forwarded-for": spoofed });
    const office = async (server: TestServer) => signIn(server.url, "bureau@demo.test");
    const viaProxy = await call(proxied.url, "GET", "/api/audit?event=auth.login", { cookie: await office(proxied) });
    // The right-most address not a proxy is the one the proxy saw; what the client wrote to its left is not believed.
    expect(viaProxy.body.entries.map((e: any) => e.address)).toContain("203.0.113.9");
    expect(viaProxy.body.entries.map((e: any) => e.address)).not.toContain(spoofed);
    const straight = await call(direct.url, "GET", "/api/audit?event=auth.login", { cookie: await office(direct) });
    expect(straight.body.entries.map((e: any) => e.address)).not.toContain(spoofed);
  });

  it("refuses a TRUST_PROXY that is not addresses, ranges or loopback, naming it", () => {
    expect(() => loadConfig({ TRUST_PROXY: "10.0.0.0/8, caddy" })).toThrow(/TRUST_PROXY.*caddy/s);
    expect(loadConfig({ TRUST_PROXY: "10.0.0.0/8, ::1, loopback" }).trustProxy).toEqual(["10.0.0.0/8", "::1", "loopback"]);
  });
});

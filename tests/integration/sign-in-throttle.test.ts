import { and, eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "../../server/audit/audit.sql";
import { signInThrottle } from "../../server/auth/security.sql";
import type { Clock } from "../../server/context";
import { tooManyAttempts } from "../../shared/throttle";
import { TEST_NOW, TEST_TODAY, startTestServer, type TestServer } from "../support/server";

// Sign-in slows down instead of locking: a stranger hammering the office's e-mail waits longer and longer, while the
// office's own browser (its device cookie) signs in at once. Counters live in the database: two servers on one file
// share them. Time is the servers' clock, moved by the test; client addresses come through X-Forwarded-For from
// loopback, which TRUST_PROXY=loopback believes.

let at = TEST_NOW.getTime();
const clock: Clock = { now: () => new Date(at), today: () => TEST_TODAY, todayIn: () => TEST_TODAY };
const later = (ms: number) => (at += ms);

let server: TestServer;
let second: TestServer;

beforeAll(async () => {
  server = await startTestServer({ env: { TRUST_PROXY: "loopback" }, start: { clock } });
  // Another API process on the same database file (no demo of its own: the file already has it).
  second = await startTestServer({ env: { TRUST_PROXY: "loopback", DATABASE_URL: server.services.config.databaseUrl }, start: { clock } });
});
afterAll(async () => {
  await second?.close();
  await server?.close();
});

interface Attempt {
  status: number;
  retryAfter: number | null;
  code: string | undefined;
  message: string | undefined;
  cookies: string[];
}

/** A sign-in from `from` (the browser's address), with the browser's cookies when it has some. */
async function attempt(base: string, email: string, password: string, from: string, cookie?: string): Promise<Attempt> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": from, ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ email, password }),
  });
  const body = (await res.json()) as { error?: { code: string; message: string } };
  const retry = res.headers.get("retry-after");
  return { status: res.status, retryAfter: retry === null ? null : Number(retry), code: body.error?.code, message: body.error?.message, cookies: res.headers.getSetCookie() };
}

/** The `name=value` pairs a browser would send back. */
function jar(cookies: string[]): string {
  return cookies.map((c) => c.split(";")[0]).join("; ");
}

async function row(key: string) {
  const [found] = await server.services.db.select().from(signInThrottle).where(eq(signInThrottle.key, key));
  return found;
}

async function slowedLines(email: string) {
  const lines = await server.services.db.select().from(auditLog).where(eq(auditLog.event, "auth.login_slowed"));
  return lines.filter((l) => (l.details as { email?: string } | null)?.email === email);
}

describe("sign-in slow-down", () => {
  it("slows a stranger hammering the office's e-mail more and more, while the office's browser signs in normally", async () => {
    const email = "bureau@demo.test";
    const office = "198.51.100.10";
    const attacker = "203.0.113.66";

    // The office signed in at its desk before: the session cookie first, then the device cookie.
    const first = await attempt(server.url, email, "demo", office);
    expect(first.status).toBe(200);
    expect(first.cookies[0]).toMatch(/^cadenas_session=/);
    expect(first.cookies[1]).toMatch(/^cadenas_device=[\w-]{43};.*HttpOnly/i);
    const officeBrowser = jar(first.cookies);

    // 15 wrong passwords from the attacker, who waits out each delay: refused while waiting, slower each time.
    const waits: number[] = [];
    let failures = 0;
    while (failures < 15) {
      const a = await attempt(server.url, email, `devine-${failures}`, attacker);
      if (a.status === 401) {
        failures++;
        continue;
      }
      expect(a.status).toBe(429);
      expect(a.code).toBe("RATE_LIMITED");
      expect(a.message).toBe(tooManyAttempts(a.retryAfter!));
      // While it waits the password is not even looked at: the right one is refused the same way.
      const right = await attempt(server.url, email, "demo", attacker);
      expect(right.status).toBe(429);
      waits.push(a.retryAfter!);
      later(a.retryAfter! * 1000);
    }
    // The first five failures are free, then 1 s, 2 s, 4 s … (the pair key), up to the cap of 15 min.
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
    const refused = await attempt(server.url, email, "demo", attacker);
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe(900);
    expect(refused.message).toBe("Trop d'essais : réessayez dans 15 min.");

    // The account-wide key now holds back any browser the account never signed in from, even at the office's address…
    const newBrowser = await attempt(server.url, email, "demo", office);
    expect(newBrowser.status).toBe(429);
    // … or one presenting a made-up device cookie, or another account's.
    expect((await attempt(server.url, email, "demo", office, `cadenas_device=${"A".repeat(43)}`)).status).toBe(429);
    // The office's own browser signs in at once, from its desk or from a phone's 4G address.
    const desk = await attempt(server.url, email, "demo", office, officeBrowser);
    expect(desk.status).toBe(200);
    expect(desk.cookies[0]).toMatch(/^cadenas_session=/);
    // The device keeps its token: the browser stays recognised.
    expect(jar(desk.cookies).split("; ")[1]).toBe(officeBrowser.split("; ")[1]);
    expect((await attempt(server.url, email, "demo", "192.0.2.45", officeBrowser)).status).toBe(200);
    // The attacker is still waiting.
    expect((await attempt(server.url, email, "demo", attacker)).status).toBe(429);
  });

  it("writes one audit line per wait, however many attempts it refuses", async () => {
    const email = "manager@demo.test";
    const from = "203.0.113.80";
    for (let i = 0; i < 5; i++) expect((await attempt(server.url, email, "faux", from)).status).toBe(401);
    expect(await slowedLines(email)).toHaveLength(0);
    for (let i = 0; i < 6; i++) expect((await attempt(server.url, email, "faux", from)).status).toBe(429);
    const lines = await slowedLines(email);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ address: from, details: { email, key: "pair", failures: 5 } });
    // The next wait gets its own line.
    later(1_000);
    expect((await attempt(server.url, email, "faux", from)).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await attempt(second.url, email, "faux", from)).status).toBe(429);
    expect(await slowedLines(email)).toHaveLength(2);
    expect((await server.services.db.select().from(auditLog).where(eq(auditLog.event, "auth.login_failed"))).filter((l) => l.address === from)).toHaveLength(6);
  });

  it("slows the account from one address only: the same account from elsewhere is not held back", async () => {
    const email = "gestionnaire@demo.test";
    for (let i = 0; i < 5; i++) expect((await attempt(server.url, email, "mauvais", "203.0.113.1")).status).toBe(401);
    const held = await attempt(server.url, email, "demo", "203.0.113.1");
    expect(held.status).toBe(429);
    expect(held.retryAfter).toBe(1);
    expect((await attempt(server.url, email, "demo", "203.0.113.2")).status).toBe(200);
    // Another account from the slowed address is not held back either.
    expect((await attempt(server.url, "gestionnaire2@demo.test", "demo", "203.0.113.1")).status).toBe(200);
  });

  it("slows one address trying many accounts, more steeply, whatever the account", async () => {
    const from = "198.51.100.200";
    for (let i = 0; i < 25; i++) expect((await attempt(server.url, `inconnu${i}@exemple.fr`, "motdepasse", from)).status).toBe(401);
    const held = await attempt(server.url, "gestionnaire2@demo.test", "demo", from);
    expect(held.status).toBe(429);
    expect(held.retryAfter).toBe(5);
    expect((await attempt(server.url, "gestionnaire2@demo.test", "demo", "198.51.100.201")).status).toBe(200);
    later(5_000);
    expect((await attempt(server.url, "inconnu99@exemple.fr", "motdepasse", from)).status).toBe(401);
    expect((await attempt(server.url, "gestionnaire2@demo.test", "demo", from)).retryAfter).toBe(10);
    expect(await row(`address:${from}`)).toMatchObject({ failures: 26 });
  });

  it("shares the counts between two servers on one database, without losing failures counted at once", async () => {
    const email = "partage@exemple.fr";
    const from = "203.0.113.150";
    // Alternately on each server: the sixth attempt is slowed, whichever server gets it.
    for (let i = 0; i < 5; i++) expect((await attempt(i % 2 ? second.url : server.url, email, "x", from)).status).toBe(401);
    expect((await attempt(second.url, email, "x", from)).status).toBe(429);
    expect((await attempt(server.url, email, "x", from)).status).toBe(429);

    // Ten failures at once (the account's free ones), half on each server, from ten addresses: every one is counted.
    const burst = "rafale@exemple.fr";
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => attempt(i % 2 ? second.url : server.url, burst, "x", `198.18.0.${i + 1}`)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(401));
    expect(await row(`account:${burst}`)).toMatchObject({ failures: 10 });
    expect((await attempt(second.url, burst, "x", "198.18.0.99")).status).toBe(429);
  });

  it("forgives a key after a quiet hour and prunes what is a day old", async () => {
    const email = "oubli@exemple.fr";
    const from = "203.0.113.200";
    for (let i = 0; i < 5; i++) await attempt(server.url, email, "x", from);
    expect((await attempt(server.url, email, "x", from)).status).toBe(429);
    // Failures written an hour and more ago (as if the attempts had been then) are forgiven: counting starts again.
    later(61 * 60_000);
    expect((await attempt(server.url, email, "x", from)).status).toBe(401);
    expect(await row(`pair:${email}|${from}`)).toMatchObject({ failures: 1, blockedUntil: null });
    expect((await attempt(server.url, email, "x", from)).status).toBe(401);

    // A day later, the next failure anywhere prunes the old rows.
    later(25 * 60 * 60_000);
    expect((await attempt(server.url, "autre@exemple.fr", "x", "203.0.113.201")).status).toBe(401);
    expect(await row(`pair:${email}|${from}`)).toBeUndefined();
    expect(await server.services.db.select().from(signInThrottle).where(like(signInThrottle.key, "%oubli@exemple.fr%"))).toEqual([]);
  });
});

describe("mot de passe oublié", () => {
  async function forgot(base: string, email: string, from: string) {
    const res = await fetch(`${base}/api/auth/forgot`, { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": from }, body: JSON.stringify({ email }) });
    const body = (await res.json()) as { error?: { message: string } };
    return { status: res.status, retryAfter: res.headers.get("retry-after"), message: body.error?.message };
  }

  it("counts requests in the database, across servers, and answers a known and an unknown address alike", async () => {
    for (const email of ["gestionnaire@demo.test", "personne@exemple.fr"]) {
      const from = email.startsWith("g") ? "203.0.113.30" : "203.0.113.31";
      const statuses = [(await forgot(server.url, email, from)).status, (await forgot(second.url, email, from)).status, (await forgot(server.url, email, from)).status];
      expect(statuses).toEqual([202, 202, 202]);
      // The fourth, on the other server, from another address: the e-mail's count is shared.
      const held = await forgot(second.url, email, "203.0.113.32");
      expect(held.status).toBe(429);
      expect(held.retryAfter).toBe("300");
      expect(held.message).toBe("Trop de demandes de lien : réessayez dans 5 min (le dernier lien envoyé reste valable 1 h).");
      expect(await row(`forgot:account:${email}`)).toMatchObject({ failures: 3 });
    }
    const lines = await server.services.db.select().from(auditLog).where(and(eq(auditLog.event, "auth.forgot_slowed")));
    expect(lines.map((l) => (l.details as { email: string }).email).sort()).toEqual(["gestionnaire@demo.test", "personne@exemple.fr"]);
  });

  it("holds back one address asking for links for many e-mails", async () => {
    const from = "198.51.100.77";
    for (let i = 0; i < 20; i++) expect((await forgot(i % 2 ? second.url : server.url, `boite${i}@exemple.fr`, from)).status).toBe(202);
    const held = await forgot(server.url, "boite99@exemple.fr", from);
    expect(held.status).toBe(429);
    expect(held.retryAfter).toBe("60");
    expect((await forgot(server.url, "boite99@exemple.fr", "198.51.100.78")).status).toBe(202);
  });
});

import { and, eq, like } from "drizzle-orm";
import { generate } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "../../server/audit/audit.sql";
import { users } from "../../server/auth/auth.sql";
import { recoveryCodes, signInThrottle } from "../../server/auth/security.sql";
import type { Clock } from "../../server/context";
import { SessionResponse } from "../../shared/schemas/auth";
import { EnrolledResponse, EnrolmentSecret, RecoveryCodesResponse, TwoFactorStatus, TwoFactorStep } from "../../shared/schemas/two-factor";
import { UserItem, UsersResponse } from "../../shared/schemas/users";
import { call, signIn, startTestServer, type TestServer } from "../support/server";

// Two-factor sign-in against the real server: a user with TOTP needs the code after the password, wrong codes are
// refused and capped (and slow the account down), a recovery code works once, the operator's setting forces office
// and Manager accounts to set it up at sign-in (never site managers), turning it off is refused while required, and
// the office resets a lost one. The server's clock is the tests' pinned one, moved forward here by whole TOTP steps
// so that each code is a new one (a code is accepted once).

const OFFICE = "bureau@demo.test";
const MANAGER = "manager@demo.test";
const SITE_MANAGER = "gestionnaire@demo.test";

let server: TestServer;
let url: string;
let shiftMs = 0;

beforeAll(async () => {
  server = await startTestServer();
  url = server.url;
  // The server's clock (pinned at TEST_NOW, running from there), moved forward by the tests when they need it.
  const pinned: Clock = server.services.clock;
  server.services.clock = { ...pinned, now: () => new Date(pinned.now().getTime() + shiftMs) };
});
afterAll(() => server.close());

/** Moves the server's clock one TOTP step (30 s) on, so that the next code is a new one. */
function nextStep(): void {
  shiftMs += 30_000;
}

/** The authenticator app's code now, on the server's clock. */
function codeNow(secret: string): Promise<string> {
  return generate({ secret: secret.replaceAll(" ", ""), epoch: Math.floor(server.services.clock.now().getTime() / 1000) });
}

function cookieOf(res: { headers: Headers }): string | null {
  const set = res.headers.get("set-cookie");
  return set ? set.split(";")[0]! : null;
}

async function password(email: string, pass = "demo") {
  return call(url, "POST", "/api/auth/login", { body: { email, password: pass } });
}

async function setRequired(officeCookie: string, on: boolean): Promise<void> {
  const res = await call(url, "PUT", "/api/settings", { cookie: officeCookie, body: { twoFactorRequired: on } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.twoFactorRequired).toBe(on);
}

/** Turns two factors on from "Mon compte"; returns the secret and the recovery codes. */
async function enableFromAccount(cookie: string): Promise<{ secret: string; codes: string[] }> {
  const start = await call(url, "POST", "/api/auth/two-factor/start", { cookie });
  expect(start.status, JSON.stringify(start.body)).toBe(200);
  const { secret } = EnrolmentSecret.parse(start.body);
  nextStep();
  const on = await call(url, "POST", "/api/auth/two-factor/enable", { cookie, body: { code: await codeNow(secret) } });
  expect(on.status, JSON.stringify(on.body)).toBe(200);
  return { secret, codes: RecoveryCodesResponse.parse(on.body).recoveryCodes };
}

async function events(userId: string, event: string) {
  return server.services.db.select().from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, event)));
}

describe("signing in with a second factor", () => {
  let officeCookie: string;
  let officeId: string;
  let secret: string;
  let codes: string[];

  beforeAll(async () => {
    officeCookie = await signIn(url, OFFICE);
    officeId = (await call(url, "GET", "/api/auth/me", { cookie: officeCookie })).body.user.id;
    ({ secret, codes } = await enableFromAccount(officeCookie));
  });

  it("turns it on from Mon compte with ten recovery codes, audited without the secret", async () => {
    expect(codes).toHaveLength(10);
    const status = TwoFactorStatus.parse((await call(url, "GET", "/api/auth/two-factor", { cookie: officeCookie })).body);
    expect(status).toMatchObject({ enabled: true, recoveryCodesLeft: 10, available: true, required: false });
    expect(await events(officeId, "auth.totp_enabled")).toHaveLength(1);
    const audit = JSON.stringify(await server.services.db.select().from(auditLog));
    const plain = secret.replaceAll(" ", "");
    expect(audit).not.toContain(plain);
    for (const code of codes) expect(audit).not.toContain(code);
    // Stored: the secret (needed to check codes), the recovery codes only hashed.
    const stored = await server.services.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, officeId));
    expect(stored).toHaveLength(10);
    expect(JSON.stringify(stored)).not.toContain(codes[0]!.replace("-", ""));
  });

  it("asks for the code after the right password, with no session until it is given", async () => {
    const first = await password(OFFICE);
    expect(first.status).toBe(200);
    const step = TwoFactorStep.parse(first.body);
    expect(step.twoFactor).toBe("code");
    expect(first.headers.get("set-cookie") ?? "").not.toContain("cadenas_session");
    nextStep();
    const second = await call(url, "POST", "/api/auth/login/code", { body: { challenge: step.challenge, code: await codeNow(secret) } });
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    SessionResponse.parse(second.body);
    const cookie = cookieOf(second)!;
    expect(cookie).toMatch(/^cadenas_session=/);
    expect((await call(url, "GET", "/api/auth/me", { cookie })).status).toBe(200);
    const logins = await events(officeId, "auth.login");
    expect(logins.at(-1)?.details).toMatchObject({ secondFactor: "totp" });
  });

  it("refuses a code already used, and the challenge once spent", async () => {
    const step = TwoFactorStep.parse((await password(OFFICE)).body);
    nextStep();
    const code = await codeNow(secret);
    expect((await call(url, "POST", "/api/auth/login/code", { body: { challenge: step.challenge, code } })).status).toBe(200);
    const again = TwoFactorStep.parse((await password(OFFICE)).body);
    const replay = await call(url, "POST", "/api/auth/login/code", { body: { challenge: again.challenge, code } });
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe("INVALID_CREDENTIALS");
    nextStep();
    const spent = await call(url, "POST", "/api/auth/login/code", { body: { challenge: step.challenge, code: await codeNow(secret) } });
    expect(spent.status).toBe(410);
  });

  it("refuses wrong codes, audits them, counts them against the account, and kills the challenge after five", async () => {
    const step = TwoFactorStep.parse((await password(OFFICE)).body);
    const before = (await events(officeId, "auth.login_failed")).length;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call(url, "POST", "/api/auth/login/code", { body: { challenge: step.challenge, code: "000000" } })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 410]);
    const failed = (await events(officeId, "auth.login_failed")).slice(before);
    expect(failed).toHaveLength(5);
    expect(failed[0]!.details).toMatchObject({ email: OFFICE, reason: "wrong_second_factor" });
    // The right code no longer opens this challenge: back to the password.
    nextStep();
    const late = await call(url, "POST", "/api/auth/login/code", { body: { challenge: step.challenge, code: await codeNow(secret) } });
    expect(late.status).toBe(410);
    // The wrong codes count as failed sign-ins of the account, which the right password does not forgive.
    const [account] = await server.services.db.select().from(signInThrottle).where(eq(signInThrottle.key, `account:${OFFICE}`));
    expect(account?.failures).toBeGreaterThanOrEqual(5);
    // The account-from-this-address key now makes the next try wait a little: let it pass.
    shiftMs += 60_000;
  });

  it("accepts a recovery code once, and says it was one", async () => {
    const step = TwoFactorStep.parse((await password(OFFICE)).body);
    const used = await call(url, "POST", "/api/auth/login/code", { body: { challenge: step.challenge, code: codes[0]!.toLowerCase() } });
    expect(used.status, JSON.stringify(used.body)).toBe(200);
    expect((await events(officeId, "auth.login")).at(-1)?.details).toMatchObject({ secondFactor: "recovery_code" });
    expect((await events(officeId, "auth.recovery_code_used")).at(-1)?.details).toMatchObject({ left: 9 });
    const again = TwoFactorStep.parse((await password(OFFICE)).body);
    const twice = await call(url, "POST", "/api/auth/login/code", { body: { challenge: again.challenge, code: codes[0]! } });
    expect(twice.status).toBe(401);
    const status = TwoFactorStatus.parse((await call(url, "GET", "/api/auth/two-factor", { cookie: officeCookie })).body);
    expect(status.recoveryCodesLeft).toBe(9);
  });

  it("gives new recovery codes against a current code; the former ones stop working", async () => {
    const wrong = await call(url, "POST", "/api/auth/two-factor/recovery-codes", { cookie: officeCookie, body: { code: "123456" } });
    expect(wrong.status).toBe(401);
    nextStep();
    const res = await call(url, "POST", "/api/auth/two-factor/recovery-codes", { cookie: officeCookie, body: { code: await codeNow(secret) } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const fresh = RecoveryCodesResponse.parse(res.body).recoveryCodes;
    expect(fresh).toHaveLength(10);
    expect(await events(officeId, "auth.recovery_codes_regenerated")).toHaveLength(1);
    shiftMs += 60_000;
    const step = TwoFactorStep.parse((await password(OFFICE)).body);
    expect((await call(url, "POST", "/api/auth/login/code", { body: { challenge: step.challenge, code: codes[1]! } })).status).toBe(401);
    expect((await call(url, "POST", "/api/auth/login/code", { body: { challenge: step.challenge, code: fresh[0]! } })).status).toBe(200);
    codes = fresh.slice(1);
  });

  it("never shows the secret in /auth/me nor the list of users: only twoFactor: true", async () => {
    const me = await call(url, "GET", "/api/auth/me", { cookie: officeCookie });
    const list = UsersResponse.parse((await call(url, "GET", "/api/users", { cookie: officeCookie })).body);
    const plain = secret.replaceAll(" ", "");
    expect(JSON.stringify(me.body)).not.toContain(plain);
    expect(JSON.stringify(list)).not.toContain(plain);
    expect(JSON.stringify(list)).not.toMatch(/totp/i);
    expect(list.users.find((u) => u.email === OFFICE)?.twoFactor).toBe(true);
    expect(list.users.find((u) => u.email === SITE_MANAGER)?.twoFactor).toBe(false);
  });

  it("refuses turning it off while the operator requires it, then turns it off with the password and a code", async () => {
    await setRequired(officeCookie, true);
    nextStep();
    const refused = await call(url, "POST", "/api/auth/two-factor/disable", { cookie: officeCookie, body: { password: "demo", code: await codeNow(secret) } });
    expect(refused.status).toBe(409);
    await setRequired(officeCookie, false);
    nextStep();
    const badPassword = await call(url, "POST", "/api/auth/two-factor/disable", { cookie: officeCookie, body: { password: "not-it", code: await codeNow(secret) } });
    expect(badPassword.status).toBe(401);
    nextStep();
    const off = await call(url, "POST", "/api/auth/two-factor/disable", { cookie: officeCookie, body: { password: "demo", code: await codeNow(secret) } });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(TwoFactorStatus.parse(off.body)).toMatchObject({ enabled: false, recoveryCodesLeft: 0 });
    expect(await events(officeId, "auth.totp_disabled")).toHaveLength(1);
    shiftMs += 60_000;
    // A password alone signs in again.
    expect(cookieOf(await password(OFFICE))).toMatch(/^cadenas_session=/);
  });
});

describe("when the operator requires two factors", () => {
  let officeCookie: string;

  beforeAll(async () => {
    shiftMs += 61 * 60_000; // every earlier failure forgiven
    officeCookie = await signIn(url, OFFICE);
    await setRequired(officeCookie, true);
  });
  afterAll(() => setRequired(officeCookie, false));

  it("makes a Manager without it set it up at sign-in, then signs them in with recovery codes shown once", async () => {
    const first = await password(MANAGER);
    const step = TwoFactorStep.parse(first.body);
    expect(step.twoFactor).toBe("enrol");
    expect(first.headers.get("set-cookie") ?? "").not.toContain("cadenas_session");
    // The code step is not a way around it.
    expect((await call(url, "POST", "/api/auth/login/code", { body: { challenge: step.challenge, code: "000000" } })).status).toBe(410);
    const shown = EnrolmentSecret.parse((await call(url, "POST", "/api/auth/login/enrol/start", { body: { challenge: step.challenge } })).body);
    expect(shown.otpauthUrl).toContain("otpauth://totp/Cadenas:manager%40demo.test?");
    // Asked again (a reload), the same secret.
    const again = EnrolmentSecret.parse((await call(url, "POST", "/api/auth/login/enrol/start", { body: { challenge: step.challenge } })).body);
    expect(again.secret).toBe(shown.secret);
    expect((await call(url, "POST", "/api/auth/login/enrol", { body: { challenge: step.challenge, code: "000000" } })).status).toBe(401);
    nextStep();
    const done = await call(url, "POST", "/api/auth/login/enrol", { body: { challenge: step.challenge, code: await codeNow(shown.secret) } });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const enrolled = EnrolledResponse.parse(done.body);
    expect(enrolled.recoveryCodes).toHaveLength(10);
    expect(cookieOf(done)).toMatch(/^cadenas_session=/);
    const [row] = await server.services.db.select().from(users).where(eq(users.email, MANAGER));
    expect(row?.totpSecret).toBe(shown.secret.replaceAll(" ", ""));
    expect(await events(row!.id, "auth.totp_enabled")).toHaveLength(1);
    // From now on the code is asked.
    expect(TwoFactorStep.parse((await password(MANAGER)).body).twoFactor).toBe("code");
  });

  it("never asks a site manager: the floor's phones sign in with the password", async () => {
    const res = await password(SITE_MANAGER);
    expect(res.status).toBe(200);
    SessionResponse.parse(res.body);
    expect(cookieOf(res)).toMatch(/^cadenas_session=/);
    const status = TwoFactorStatus.parse((await call(url, "GET", "/api/auth/two-factor", { cookie: cookieOf(res)! })).body);
    expect(status).toMatchObject({ enabled: false, available: false, required: false });
    expect((await call(url, "POST", "/api/auth/two-factor/start", { cookie: cookieOf(res)! })).status).toBe(403);
  });

  it("lets the office reset another user's lost second factor, who then sets it up again at sign-in", async () => {
    const [manager] = await server.services.db.select().from(users).where(eq(users.email, MANAGER));
    const siteManagerCookie = cookieOf(await password(SITE_MANAGER))!;
    expect((await call(url, "POST", `/api/users/${manager!.id}/two-factor/reset`, { cookie: siteManagerCookie })).status).toBe(403);
    const officeId = (await call(url, "GET", "/api/auth/me", { cookie: officeCookie })).body.user.id;
    expect((await call(url, "POST", `/api/users/${officeId}/two-factor/reset`, { cookie: officeCookie })).status).toBe(409);

    const res = await call(url, "POST", `/api/users/${manager!.id}/two-factor/reset`, { cookie: officeCookie });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(UserItem.parse(res.body).twoFactor).toBe(false);
    const [after] = await server.services.db.select().from(users).where(eq(users.id, manager!.id));
    expect(after).toMatchObject({ totpSecret: null, totpEnabledAt: null, totpLastStep: null });
    expect(await server.services.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, manager!.id))).toHaveLength(0);
    const audited = await server.services.db.select().from(auditLog).where(and(eq(auditLog.entityId, manager!.id), like(auditLog.event, "auth.totp_disabled")));
    expect(audited.at(-1)).toMatchObject({ userId: officeId, details: { by: "office" } });
    expect(TwoFactorStep.parse((await password(MANAGER)).body).twoFactor).toBe("enrol");
  });
});

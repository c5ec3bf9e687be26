import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "../../server/audit/audit.sql";
import { sessions, users } from "../../server/auth/auth.sql";
import { actions } from "../../server/cases/cases.sql";
import { messages } from "../../server/messaging/messaging.sql";
import { sites } from "../../server/sites/sites.sql";
import { sendDueMessages, transportsFor } from "../../server/messaging/worker";
import { recordAction } from "../../client/store/record";
import { SyncEngine } from "../../client/store/sync";
import { InvitationResponse, SessionsResponse, TokenInfo, UserItem, UsersResponse } from "../../shared/schemas/users";
import { SimulatedPhone } from "../support/phone";
import { TEST_NOW, call, signIn, startTestServer, type TestServer } from "../support/server";

// Accounts against the real server: invitations and reset links (single use, expiry, a wrong token), the password
// rules, deactivation ending sessions, what a Manager may do, unique initials, one's own sessions, and the phone's
// count of unsent actions as the office sees it.

const STRONG = "Velo-Bleu-Marteau-97";
const STRONG_2 = "cheval correct agrafe pile";

let server: TestServer;
let url: string;
let office: string;
let siteIds: { LYO: string; VIL: string };

beforeAll(async () => {
  server = await startTestServer();
  url = server.url;
  office = await signIn(url, "bureau@demo.test");
  const me = await call(url, "GET", "/api/auth/me", { cookie: office });
  const byCode = Object.fromEntries(me.body.user.sites.map((s: { code: string; id: string }) => [s.code, s.id]));
  siteIds = { LYO: byCode.LYO, VIL: byCode.VIL };
});
afterAll(() => server.close());

const tokenOf = (link: string) => link.split("#t=")[1]!;

function userBody(over: Partial<{ name: string; email: string; initials: string; role: string; siteIds: string[] }> = {}) {
  return { name: "Lucie Martin", email: "lucie.martin@exemple.fr", initials: "LM", role: "site_manager", siteIds: [siteIds.LYO], ...over };
}

async function invite(cookie: string, body: ReturnType<typeof userBody>): Promise<InvitationResponse> {
  const res = await call(url, "POST", "/api/users", { cookie, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return InvitationResponse.parse(res.body);
}

/** Chooses the password through the link and returns the session cookie it signs in with. */
async function choose(base: string, link: string, password = STRONG, userAgent?: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/password/choose`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(userAgent ? { "user-agent": userAgent } : {}) },
    body: JSON.stringify({ token: tokenOf(link), password }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (res.headers.get("set-cookie") ?? "").split(";")[0]!;
}

/** A new account, invited by the office and activated through its link. */
async function activeUser(over: Parameters<typeof userBody>[0]) {
  const made = await invite(office, userBody(over));
  const cookie = await choose(url, made.link!);
  return { id: made.user.id, email: made.user.email, cookie };
}

async function signInWith(base: string, email: string, password: string, userAgent?: string) {
  const res = await fetch(`${base}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(userAgent ? { "user-agent": userAgent } : {}) },
    body: JSON.stringify({ email, password }),
  });
  return { status: res.status, cookie: (res.headers.get("set-cookie") ?? "").split(";")[0]! };
}

async function runOutbox(s: TestServer) {
  return sendDueMessages(s.services.db, transportsFor(s.services.config), { id: "test-worker", timeZone: "Europe/Paris", now: () => s.services.clock.now() });
}

/** The text of an e-mail written to the local folder, quoted-printable or base64 parts decoded. */
function emlText(s: TestServer, messageId: string): string {
  const raw = readFileSync(join(s.dir, "outbox", `${messageId}.eml`), "utf8");
  const parts = raw.split(/\n--/);
  return parts
    .map((part) => {
      const [head, ...rest] = part.split("\n\n");
      const body = rest.join("\n\n");
      if (/Content-Transfer-Encoding: base64/i.test(head ?? "")) return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
      if (/Content-Transfer-Encoding: quoted-printable/i.test(head ?? ""))
        return Buffer.from(body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8");
      return body;
    })
    .join("\n");
}

async function accountMails(s: TestServer, userId: string) {
  return s.services.db.select().from(messages).where(and(eq(messages.userId, userId), eq(messages.purpose, "account"))).orderBy(messages.createdAt);
}

/** The reset link of the latest "mot de passe oublié" e-mail to this user, read from the local folder. */
async function resetLinkFromMail(s: TestServer, userId: string): Promise<string> {
  await runOutbox(s);
  const mail = (await accountMails(s, userId)).filter((m) => m.templateCode === "reset").at(-1)!;
  const link = emlText(s, mail.id).match(/https?:\/\/\S+\/mot-de-passe#t=[\w-]+/)?.[0];
  expect(link).toBeTruthy();
  return link!;
}

describe("an invitation", () => {
  it("creates an account without a password, e-mails an absolute link through the outbox and shows it to hand over", async () => {
    const made = await invite(office, userBody());
    expect(made.user).toMatchObject({ state: "invited", initials: "LM", role: "site_manager", editable: true, pendingOnPhone: null });
    expect(made.user.sites.map((s) => s.code)).toEqual(["LYO"]);
    // No SMTP in tests: the office is given the link to hand over.
    expect(made.delivery).toBe("handover");
    expect(made.link).toMatch(new RegExp(`^${url}/bienvenue#t=[\\w-]{40,}$`));
    expect(Date.parse(made.expiresAt) - TEST_NOW.getTime()).toBeGreaterThanOrEqual(72 * 3_600_000);
    expect(Date.parse(made.expiresAt) - TEST_NOW.getTime()).toBeLessThan(72 * 3_600_000 + 600_000);

    // Nothing signs in with the placeholder.
    expect((await signInWith(url, "lucie.martin@exemple.fr", "!")).status).toBe(401);

    const [mail] = await accountMails(server, made.user.id);
    const [lyon] = await server.services.db.select().from(sites).where(eq(sites.code, "LYO"));
    // The operator's name: the user's first site's sender name.
    expect(mail).toMatchObject({ channel: "email", customerId: null, recipient: "lucie.martin@exemple.fr", status: "queued", senderName: lyon!.senderName ?? lyon!.name });
    const result = await runOutbox(server);
    expect(result.written).toBeGreaterThanOrEqual(1);
    const [written] = await accountMails(server, made.user.id);
    expect(written!.status).toBe("written");
    // The e-mail itself carries the absolute link; the outbox no longer keeps a live token once it left.
    const text = emlText(server, written!.id);
    expect(text).toContain(made.link!);
    expect(text).toContain("Lucie Martin");
    expect(written!.body).not.toContain(tokenOf(made.link!));
    // Not a customer's message: no history line, not in the office's outbox list.
    expect(await server.services.db.select().from(actions).where(eq(actions.text, written!.subject ?? "-"))).toEqual([]);
    const listed = await call(url, "GET", "/api/messages?limit=500", { cookie: office });
    expect(listed.status).toBe(200);
    expect(listed.body.items.some((i: { id: string }) => i.id === written!.id)).toBe(false);
  });

  it("lets its holder choose a password once; the link then goes stale", async () => {
    const made = await invite(office, userBody({ name: "Paul Girard", email: "paul.girard@exemple.fr", initials: "PG" }));
    const info = await call(url, "GET", `/api/auth/tokens/${tokenOf(made.link!)}`);
    expect(info.status).toBe(200);
    expect(TokenInfo.parse(info.body)).toMatchObject({ purpose: "invitation", name: "Paul Girard", email: "paul.girard@exemple.fr" });

    const cookie = await choose(url, made.link!, STRONG, "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36");
    const me = await call(url, "GET", "/api/auth/me", { cookie });
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe("paul.girard@exemple.fr");

    for (const res of [
      await call(url, "GET", `/api/auth/tokens/${tokenOf(made.link!)}`),
      await call(url, "POST", "/api/auth/password/choose", { body: { token: tokenOf(made.link!), password: STRONG_2 } }),
    ]) {
      expect(res.status).toBe(410);
      expect(res.body.error.code).toBe("LINK_STALE");
      expect(res.body.error.message).toMatch(/^Ce lien n'est plus valable/);
    }
    expect((await signInWith(url, "paul.girard@exemple.fr", STRONG)).status).toBe(200);
    const listed = UsersResponse.parse((await call(url, "GET", "/api/users", { cookie: office })).body).users.find((u) => u.id === made.user.id)!;
    expect(listed.state).toBe("active");
  });

  it("answers a wrong token 410, as a stale one", async () => {
    const wrong = "A".repeat(43);
    expect((await call(url, "GET", `/api/auth/tokens/${wrong}`)).status).toBe(410);
    const res = await call(url, "POST", "/api/auth/password/choose", { body: { token: wrong, password: STRONG } });
    expect(res.status).toBe(410);
    expect(res.body.error.code).toBe("LINK_STALE");
  });

  it("refuses a weak password with the reason, and the link still works for a better one", async () => {
    const made = await invite(office, userBody({ name: "Nadia Brun", email: "nadia.brun@exemple.fr", initials: "NB" }));
    const token = tokenOf(made.link!);
    const common = await call(url, "POST", "/api/auth/password/choose", { body: { token, password: "motdepasse123" } });
    expect(common.status).toBe(400);
    expect(common.body.error.code).toBe("VALIDATION_FAILED");
    expect(common.body.error.details.issues[0].path).toBe("password");
    expect(common.body.error.message).toContain("trop courant");
    const keyboard = await call(url, "POST", "/api/auth/password/choose", { body: { token, password: "azertyuiopqs" } });
    expect(keyboard.status).toBe(400);
    expect(keyboard.body.error.details.issues[0]).toMatchObject({ path: "password" });
    expect(keyboard.body.error.message).toContain("suite de touches du clavier");
    const personal = await call(url, "POST", "/api/auth/password/choose", { body: { token, password: "NadiaBrun2026" } });
    expect(personal.status).toBe(400);
    expect(personal.body.error.message).toContain("votre nom");
    const short = await call(url, "POST", "/api/auth/password/choose", { body: { token, password: "Kx7!mQ2z" } });
    expect(short.status).toBe(400);
    expect(short.body.error.details.issues[0].path).toBe("password");

    expect((await call(url, "GET", `/api/auth/tokens/${token}`)).status).toBe(200);
    await choose(url, made.link!, STRONG_2);
    // Passwords never reach the audit log.
    const audit = JSON.stringify(await server.services.db.select().from(auditLog));
    for (const secret of ["motdepasse123", "azertyuiopqs", STRONG_2, token, "scrypt$"]) expect(audit).not.toContain(secret);
  });

  it("a new invitation ends the earlier link; an account with a password gets none", async () => {
    const first = await invite(office, userBody({ name: "Yves Roche", email: "yves.roche@exemple.fr", initials: "YR" }));
    const again = await call(url, "POST", `/api/users/${first.user.id}/invitation`, { cookie: office });
    expect(again.status).toBe(200);
    const second = InvitationResponse.parse(again.body);
    expect(second.link).not.toBe(first.link);
    expect((await call(url, "GET", `/api/auth/tokens/${tokenOf(first.link!)}`)).status).toBe(410);
    expect((await call(url, "GET", `/api/auth/tokens/${tokenOf(second.link!)}`)).status).toBe(200);
    // The first e-mail, if still waiting, is not sent with a dead link.
    await runOutbox(server);
    const mails = await accountMails(server, first.user.id);
    expect(mails.map((m) => m.status)).toEqual(["cancelled", "written"]);

    const [vt] = await server.services.db.select().from(users).where(eq(users.email, "gestionnaire@demo.test"));
    const refused = await call(url, "POST", `/api/users/${vt!.id}/invitation`, { cookie: office });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain("Mot de passe oublié");
  });

  it("records who created the account, from which address, and what it holds", async () => {
    const made = await invite(office, userBody({ name: "Inès Faure", email: "ines.faure@exemple.fr", initials: "IF" }));
    const rows = await server.services.db.select().from(auditLog).where(eq(auditLog.entityId, made.user.id));
    const created = rows.find((r) => r.event === "user.created")!;
    expect(created.address).toBe("127.0.0.1");
    expect(created.details).toMatchObject({ before: null, after: { name: "Inès Faure", initials: "IF", role: "site_manager", siteIds: [siteIds.LYO] } });
    expect(rows.map((r) => r.event)).toContain("user.invitation_sent");
  });
});

describe("links expire", () => {
  it("an invitation after 72 h, a reset link after 1 h (servers started later on the same database)", async () => {
    const first = await startTestServer({ env: { PUBLIC_URL: "https://cadenas.example.fr/" } });
    const dbUrl = `file:${join(first.dir, "cadenas.db")}`;
    const later = (minutes: number) => startTestServer({ env: { DATABASE_URL: dbUrl, NOW: new Date(TEST_NOW.getTime() + minutes * 60_000).toISOString() } });
    try {
      const bureau = await signIn(first.url, "bureau@demo.test");
      const made = await call(first.url, "POST", "/api/users", { cookie: bureau, body: userBody({ email: "tard@exemple.fr", initials: "TA" }) });
      expect(made.status).toBe(201);
      const invitation = made.body.link as string;
      expect(invitation).toMatch(/^https:\/\/cadenas\.example\.fr\/bienvenue#t=/);

      const [bo] = await first.services.db.select().from(users).where(eq(users.email, "gestionnaire2@demo.test"));
      expect((await call(first.url, "POST", "/api/auth/forgot", { body: { email: "gestionnaire2@demo.test" } })).status).toBe(202);
      const reset = await resetLinkFromMail(first, bo!.id);
      expect(reset).toMatch(/^https:\/\/cadenas\.example\.fr\/mot-de-passe#t=/);
      const info = await call(first.url, "GET", `/api/auth/tokens/${tokenOf(reset)}`);
      expect(info.body).toMatchObject({ purpose: "reset", email: "gestionnaire2@demo.test" });
      await first.stop();

      const at50min = await later(50);
      expect((await call(at50min.url, "GET", `/api/auth/tokens/${tokenOf(reset)}`)).status).toBe(200);
      await at50min.close();

      const at61min = await later(61);
      expect((await call(at61min.url, "GET", `/api/auth/tokens/${tokenOf(reset)}`)).status).toBe(410);
      expect((await call(at61min.url, "POST", "/api/auth/password/choose", { body: { token: tokenOf(reset), password: STRONG } })).status).toBe(410);
      expect((await call(at61min.url, "GET", `/api/auth/tokens/${tokenOf(invitation)}`)).status).toBe(200);
      await at61min.close();

      const after72h = await later(72 * 60 + 5);
      const stale = await call(after72h.url, "POST", "/api/auth/password/choose", { body: { token: tokenOf(invitation), password: STRONG } });
      expect(stale.status).toBe(410);
      expect(stale.body.error.code).toBe("LINK_STALE");
      await after72h.close();
    } finally {
      rmSync(first.dir, { recursive: true, force: true });
    }
  });
});

describe("mot de passe oublié", () => {
  it("answers the same for an unknown address and e-mails a link only to a known, active one", async () => {
    const known = await activeUser({ name: "Rémi Blanc", email: "remi.blanc@exemple.fr", initials: "RB" });
    const before = (await server.services.db.select().from(messages).where(eq(messages.purpose, "account"))).length;
    const unknown = await call(url, "POST", "/api/auth/forgot", { body: { email: "personne@exemple.fr" } });
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual({ ok: true });
    expect((await server.services.db.select().from(messages).where(eq(messages.purpose, "account"))).length).toBe(before);

    const other = await signIn(url, "remi.blanc@exemple.fr", STRONG);
    const res = await call(url, "POST", "/api/auth/forgot", { body: { email: " Remi.Blanc@exemple.fr " } });
    expect(res.status).toBe(202);
    expect(res.body).toEqual(unknown.body);
    const link = await resetLinkFromMail(server, known.id);
    expect(link.startsWith(`${url}/mot-de-passe#t=`)).toBe(true);

    // A reset ends every other session of the user, and signs in with the new password.
    const cookie = await choose(url, link, STRONG_2);
    expect((await call(url, "GET", "/api/auth/me", { cookie: other })).status).toBe(401);
    expect((await call(url, "GET", "/api/auth/me", { cookie: known.cookie })).status).toBe(401);
    expect((await call(url, "GET", "/api/auth/me", { cookie })).status).toBe(200);
    expect((await signInWith(url, "remi.blanc@exemple.fr", STRONG)).status).toBe(401);
    expect((await signInWith(url, "remi.blanc@exemple.fr", STRONG_2)).status).toBe(200);
  });

  it("cannot be used to flood a mailbox", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call(url, "POST", "/api/auth/forgot", { body: { email: "flood@exemple.fr" } })).status);
    expect(statuses.slice(0, 3)).toEqual([202, 202, 202]);
    expect(statuses.slice(3)).toEqual([429, 429]);
  });
});

describe("deactivation", () => {
  it("ends every session at once (401 on the next request), keeps the phone's last count, and reactivation lets them back", async () => {
    const u = await activeUser({ name: "Hugo Petit", email: "hugo.petit@exemple.fr", initials: "HP" });
    const phone = await signIn(url, "hugo.petit@exemple.fr", STRONG);
    const clientId = "0190f1c2-0000-7000-8000-0000000000aa";
    expect((await call(url, "POST", "/api/sync/pull", { cookie: phone, body: { clientId, cursor: null, pending: 4 } })).status).toBe(200);

    const off = await call(url, "POST", `/api/users/${u.id}/deactivate`, { cookie: office });
    expect(off.status).toBe(200);
    expect(UserItem.parse(off.body)).toMatchObject({ state: "deactivated", pendingOnPhone: 4 });
    expect(off.body.deactivatedAt).toBeTruthy();
    expect(await server.services.db.select().from(sessions).where(eq(sessions.userId, u.id))).toEqual([]);
    expect((await call(url, "GET", "/api/auth/me", { cookie: phone })).status).toBe(401);
    expect((await call(url, "POST", "/api/sync/pull", { cookie: u.cookie, body: { clientId, cursor: null } })).status).toBe(401);
    expect((await signInWith(url, "hugo.petit@exemple.fr", STRONG)).status).toBe(401);

    const on = await call(url, "POST", `/api/users/${u.id}/reactivate`, { cookie: office });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ state: "active", deactivatedAt: null });
    expect((await signInWith(url, "hugo.petit@exemple.fr", STRONG)).status).toBe(200);
    const events = (await server.services.db.select().from(auditLog).where(eq(auditLog.entityId, u.id))).map((r) => r.event);
    expect(events).toEqual(expect.arrayContaining(["user.deactivated", "user.reactivated"]));
  });

  it("refuses to deactivate oneself or to leave no office account", async () => {
    const me = (await call(url, "GET", "/api/auth/me", { cookie: office })).body.user;
    const self = await call(url, "POST", `/api/users/${me.id}/deactivate`, { cookie: office });
    expect(self.status).toBe(409);
    expect(self.body.error.message).toContain("propre compte");
    const demote = await call(url, "PATCH", `/api/users/${me.id}`, { cookie: office, body: { role: "manager", siteIds: [siteIds.LYO] } });
    expect(demote.status).toBe(409);
    expect(demote.body.error.message).toContain("dernier compte du bureau");
  });
});

describe("initials", () => {
  it("stay unique among every user, a deactivated one included; so do e-mails", async () => {
    const made = await invite(office, userBody({ name: "Quentin Xavier", email: "quentin.xavier@exemple.fr", initials: "QX" }));
    expect((await call(url, "POST", `/api/users/${made.user.id}/deactivate`, { cookie: office })).status).toBe(200);
    const again = await call(url, "POST", "/api/users", { cookie: office, body: userBody({ name: "Quitterie Xu", email: "q.xu@exemple.fr", initials: "qx" }) });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("CONFLICT");
    expect(again.body.error.message).toContain("QX");
    expect(again.body.error.message).toContain("désactivé");
    expect(again.body.error.details.issues[0].path).toBe("initials");

    const sameMail = await call(url, "POST", "/api/users", { cookie: office, body: userBody({ email: "gestionnaire@demo.test", initials: "ZZZ" }) });
    expect(sameMail.status).toBe(409);
    expect(sameMail.body.error.details.issues[0].path).toBe("email");

    const patch = await call(url, "PATCH", `/api/users/${made.user.id}`, { cookie: office, body: { initials: "VT" } });
    expect(patch.status).toBe(409);
  });
});

describe("a Manager", () => {
  let manager: string;
  let managerId: string;

  beforeAll(async () => {
    const made = await invite(office, userBody({ name: "Marc Vidal", email: "marc.vidal@exemple.fr", initials: "MV", role: "manager", siteIds: [siteIds.VIL] }));
    managerId = made.user.id;
    manager = await choose(url, made.link!);
  });

  it("creates site managers of the Manager's own sites only", async () => {
    const asManager = await call(url, "POST", "/api/users", { cookie: manager, body: userBody({ email: "m1@exemple.fr", initials: "MAA", role: "manager", siteIds: [siteIds.VIL] }) });
    expect(asManager.status).toBe(403);
    expect(asManager.body.error.message).toContain("Un Manager ne gère que les gestionnaires de site de ses propres sites");
    const otherSite = await call(url, "POST", "/api/users", { cookie: manager, body: userBody({ email: "m2@exemple.fr", initials: "MAB", siteIds: [siteIds.LYO] }) });
    expect(otherSite.status).toBe(403);
    const office2 = await call(url, "POST", "/api/users", { cookie: manager, body: userBody({ email: "m3@exemple.fr", initials: "MAC", role: "office", siteIds: [] }) });
    expect(office2.status).toBe(403);
    const own = await call(url, "POST", "/api/users", { cookie: manager, body: userBody({ name: "Sofia Léger", email: "sofia.leger@exemple.fr", initials: "SL", siteIds: [siteIds.VIL] }) });
    expect(own.status).toBe(201);
    expect(own.body.user).toMatchObject({ editable: true, state: "invited" });
  });

  it("edits only the site managers of the Manager's sites, and cannot promote them nor move them elsewhere", async () => {
    const list = UsersResponse.parse((await call(url, "GET", "/api/users", { cookie: manager })).body).users;
    const byEmail = new Map(list.map((u) => [u.email, u]));
    // People of Villeurbanne only: not the office, not Lyon's site manager.
    expect(byEmail.has("gestionnaire2@demo.test")).toBe(true);
    expect(byEmail.has("manager@demo.test")).toBe(true);
    expect(byEmail.has("marc.vidal@exemple.fr")).toBe(true);
    expect(byEmail.has("bureau@demo.test")).toBe(false);
    expect(byEmail.has("gestionnaire@demo.test")).toBe(false);
    expect(byEmail.get("gestionnaire2@demo.test")!.editable).toBe(true);
    expect(byEmail.get("manager@demo.test")!.editable).toBe(false);
    expect(byEmail.get("marc.vidal@exemple.fr")!.editable).toBe(false);

    const [bureau] = await server.services.db.select().from(users).where(eq(users.email, "bureau@demo.test"));
    const [vt] = await server.services.db.select().from(users).where(eq(users.email, "gestionnaire@demo.test"));
    const sofia = byEmail.get("sofia.leger@exemple.fr")!;
    for (const [id, body] of [
      [bureau!.id, { name: "Bureau" }],
      [vt!.id, { name: "Valérie" }],
      [sofia.id, { role: "manager" }],
      [sofia.id, { siteIds: [siteIds.LYO] }],
      [sofia.id, { siteIds: [siteIds.VIL, siteIds.LYO] }],
      [managerId, { name: "Marc" }],
    ] as const) {
      const res = await call(url, "PATCH", `/api/users/${id}`, { cookie: manager, body });
      expect(res.status, JSON.stringify(body)).toBe(403);
    }
    expect((await call(url, "POST", `/api/users/${bureau!.id}/deactivate`, { cookie: manager })).status).toBe(403);
    const renamed = await call(url, "PATCH", `/api/users/${sofia.id}`, { cookie: manager, body: { name: "Sofia Léger-Roux" } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe("Sofia Léger-Roux");
    const audit = await server.services.db.select().from(auditLog).where(and(eq(auditLog.entityId, sofia.id), eq(auditLog.event, "user.updated")));
    expect(audit[0]!.details).toEqual({ before: { name: "Sofia Léger" }, after: { name: "Sofia Léger-Roux" } });
  });

  it("is the office's and the Managers' screen: a site manager is refused", async () => {
    const vt = await signIn(url, "gestionnaire@demo.test");
    expect((await call(url, "GET", "/api/users", { cookie: vt })).status).toBe(403);
  });
});

describe("one's own password and sessions", () => {
  it("changing the password asks the current one and ends the other sessions", async () => {
    const u = await activeUser({ name: "Claire Morel", email: "claire.morel@exemple.fr", initials: "CM" });
    const other = await signIn(url, "claire.morel@exemple.fr", STRONG);
    const wrong = await call(url, "POST", "/api/auth/password", { cookie: u.cookie, body: { currentPassword: "pas-le-bon", newPassword: STRONG_2 } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatchObject({ code: "INVALID_CREDENTIALS", message: "Mot de passe actuel incorrect." });
    expect(wrong.body.error.details.issues[0].path).toBe("currentPassword");
    const weak = await call(url, "POST", "/api/auth/password", { cookie: u.cookie, body: { currentPassword: STRONG, newPassword: "azertyuiopqs" } });
    expect(weak.status).toBe(400);
    expect(weak.body.error.details.issues[0].path).toBe("newPassword");
    // Still signed in after the refusals.
    expect((await call(url, "GET", "/api/auth/me", { cookie: u.cookie })).status).toBe(200);

    const ok = await call(url, "POST", "/api/auth/password", { cookie: u.cookie, body: { currentPassword: STRONG, newPassword: STRONG_2 } });
    expect(ok.status).toBe(200);
    expect((await call(url, "GET", "/api/auth/me", { cookie: u.cookie })).status).toBe(200);
    expect((await call(url, "GET", "/api/auth/me", { cookie: other })).status).toBe(401);
    expect((await signInWith(url, "claire.morel@exemple.fr", STRONG_2)).status).toBe(200);
  });

  it("lists the user's sessions with device and place, and ends one", async () => {
    await activeUser({ name: "Théo Garnier", email: "theo.garnier@exemple.fr", initials: "TG" });
    const phone = await signInWith(url, "theo.garnier@exemple.fr", STRONG, "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36");
    const desk = await signInWith(url, "theo.garnier@exemple.fr", STRONG, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0");
    const list = SessionsResponse.parse((await call(url, "GET", "/api/auth/sessions", { cookie: desk.cookie })).body).sessions;
    expect(list[0]).toMatchObject({ device: "Firefox sur Windows", place: "desk", current: true });
    const onPhone = list.find((s) => s.device === "Chrome sur Android")!;
    expect(onPhone).toMatchObject({ place: "phone", current: false });
    const [stored] = await server.services.db.select().from(sessions).where(eq(sessions.id, onPhone.id));
    expect(stored).toMatchObject({ place: "phone", lastAddress: "127.0.0.1" });

    // Another user's session is not found.
    const officeSession = SessionsResponse.parse((await call(url, "GET", "/api/auth/sessions", { cookie: office })).body).sessions.find((s) => s.current)!;
    expect((await call(url, "DELETE", `/api/auth/sessions/${officeSession.id}`, { cookie: desk.cookie })).status).toBe(404);
    expect((await call(url, "GET", "/api/auth/me", { cookie: office })).status).toBe(200);

    const ended = await call(url, "DELETE", `/api/auth/sessions/${onPhone.id}`, { cookie: desk.cookie });
    expect(ended.status).toBe(200);
    expect((await call(url, "GET", "/api/auth/me", { cookie: phone.cookie })).status).toBe(401);
    expect((await call(url, "GET", "/api/auth/me", { cookie: desk.cookie })).status).toBe(200);
    // Left: this desk and the session its password was chosen in.
    const left = SessionsResponse.parse((await call(url, "GET", "/api/auth/sessions", { cookie: desk.cookie })).body).sessions;
    expect(left.map((s) => s.id)).not.toContain(onPhone.id);
    expect(left).toHaveLength(2);
  });
});

describe("the phone's unsent actions", () => {
  it("every push and pull reports them; the office sees the latest count", async () => {
    const u = await activeUser({ name: "Lina Carré", email: "lina.carre@exemple.fr", initials: "LC", siteIds: [siteIds.LYO] });
    const pendingOf = async () => UsersResponse.parse((await call(url, "GET", "/api/users", { cookie: office })).body).users.find((x) => x.id === u.id)!;
    expect(await pendingOf()).toMatchObject({ pendingOnPhone: null, pendingReportedAt: null });

    // The phone's real sync engine: a push goes, its pull does not (signal lost in between).
    const phone = new SimulatedPhone(url, u.cookie);
    const who = { userId: u.id, initials: "LC", timeZone: "Europe/Paris" };
    expect(await phone.engine.syncOnce(who)).toBe("synced");
    const customerId = (await phone.db.debtors.toArray())[0]!.customerId;
    for (const text of ["Passé au bureau", "Rappeler lundi", "Boîte aux lettres pleine"]) await recordAction(phone.db, who, "note.added", { customerId, text }, server.services.clock.now());
    const real = phone.transport();
    const reported: number[] = [];
    // One push gets through carrying one of the three actions; then the signal is lost.
    let through = 1;
    const flaky = new SyncEngine(phone.db, {
      post: async (path, body) => {
        if (path !== "/api/sync/push" || through-- <= 0) return { ok: false, error: "offline" };
        const b = body as { mutations: unknown[]; pending: number };
        reported.push(b.pending);
        return real.post(path, { ...b, mutations: b.mutations.slice(0, 1) });
      },
    });
    expect(await flaky.syncOnce(who)).toBe("offline");
    expect(reported).toEqual([3]);
    const afterPush = await pendingOf();
    expect(afterPush.pendingOnPhone).toBe(2);
    expect(afterPush.pendingReportedAt).toBeTruthy();

    // The next full pass sends the rest and its pull says none is left.
    expect(await phone.engine.syncOnce(who)).toBe("synced");
    expect((await pendingOf()).pendingOnPhone).toBe(0);
  });
});

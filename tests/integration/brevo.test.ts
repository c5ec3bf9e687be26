import { addDays } from "../../shared/dates";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tasks } from "../../server/cases/cases.sql";
import { contracts, customers } from "../../server/customers/customers.sql";
import { units } from "../../server/sites/sites.sql";
import { messageAttempts, messages, providerAlerts } from "../../server/messaging/messaging.sql";
import { queueMessages } from "../../server/messaging/outbox";
import { brevoWebhookUrl, createEmailSender, createSmsSender, type SmsSender } from "../../server/messaging/transports";
import { recordSmsDeliveries, sendDueMessages, type Transports } from "../../server/messaging/worker";
import { BREVO_TEST_KEY, startFakeBrevo, type Fate, type FakeBrevo } from "../support/brevo";
import { importThroughRoute, signIn, startTestServer, TEST_TODAY, type TestServer } from "../support/server";

// The outbox's SMS against a Brevo that behaves as Brevo documents it (tests/support/brevo.ts): plural event names
// that come late, its webhook, the tag filter as its SDKs serialize it, its rate limit and its refusals.

const TOKEN = "brevo-webhook-secret-0123456789abcdef";
/** Monday 23 November 2026, 10:00 in Paris: SMS may go. */
const MONDAY_10H = new Date(`${addDays(TEST_TODAY, 1)}T09:00:00Z`);
const minutes = (n: number) => new Date(MONDAY_10H.getTime() + n * 60_000);

const FATES: Record<string, Fate> = {
  "33612000002": { event: "hardBounces", reason: "Numéro inexistant" },
  "33612000003": { event: "blocked", reason: "Numéro en liste noire" },
  "33612000004": { event: "rejected", reason: "Refusé par l'opérateur" },
};

let server: TestServer;
let brevo: FakeBrevo;
let office: string;
let webhookUrl: string;

beforeAll(async () => {
  [server, brevo] = await Promise.all([
    startTestServer({ env: { BREVO_WEBHOOK_SECRET: TOKEN } }),
    startFakeBrevo({ fate: (n) => FATES[n] ?? { event: "delivered" }, refuseRecipients: ["33612000012"] }),
  ]);
  brevo.setNow(MONDAY_10H);
  webhookUrl = brevoWebhookUrl(server.url, TOKEN);
  office = await signIn(server.url, "bureau@demo.test");
  const people = Array.from({ length: 12 }, (_, i) => i + 1);
  await csv(
    "customers",
    "customer_ref;kind;name;email;phone;address;postal_code;city;payment_method;segment;stop\n" +
      people.map((n) => `BRV${n};person;Client Brevo ${n};;06 12 00 00 ${String(n).padStart(2, "0")};${n} rue B;69007;Lyon;transfer;;0`).join("\n") +
      "\n",
  );
  // BRV10's only box was given back in May: long enough that no contract of the last three months names a site.
  await csv(
    "contracts",
    "contract_ref;customer_ref;site_code;unit_number;monthly_rent;start_date;end_date\n" +
      people.map((n) => `CBRV${n};BRV${n};LYO;Z9${String(n).padStart(2, "0")};80,00;06/01/2025;${n === 10 ? "22/05/2026" : ""}`).join("\n") +
      "\n",
  );
  await csv(
    "invoices",
    "invoice_ref;customer_ref;contract_ref;issue_date;due_date;amount\n" + people.map((n) => `FBRV${n};BRV${n};CBRV${n};30/10/2026;06/11/2026;80,00`).join("\n") + "\n",
  );
});
afterAll(async () => {
  await Promise.all([server.close(), brevo.close()]);
});

const csv = (kind: string, text: string) => importThroughRoute(server.url, office, kind, text);
const db = () => server.services.db;
const idOf = async (ref: string) => (await db().select({ id: customers.id }).from(customers).where(eq(customers.ref, ref)))[0]!.id;
const message = async (id: string) => (await db().select().from(messages).where(eq(messages.id, id)))[0]!;
const fixTasks = async (ref: string) => db().select().from(tasks).where(and(eq(tasks.customerId, await idOf(ref)), eq(tasks.kind, "fix_contact")));

/** Queues reminder SMS for a customer (`count` of them), as the engine would; their ids. */
async function queueSms(ref: string, key: string, count = 1): Promise<string[]> {
  const customerId = await idOf(ref);
  const keys = Array.from({ length: count }, (_, i) => `brevo|${key}|${i}`);
  await queueMessages(
    db(),
    keys.map((k) => ({ customerId, caseId: null, plannedActionId: "x", key: k, step: "reminder", template: "box-reminder-sms", channel: "sms" as const, purpose: "floor" as const })),
    TEST_TODAY,
  );
  const rows = await db().select({ id: messages.id }).from(messages).where(inArray(messages.idempotencyKey, keys.map((k) => `engine:${customerId}|${k}`)));
  return rows.map((r) => r.id);
}

function transports(sms: SmsSender): Transports {
  return { email: createEmailSender({ dataDir: server.dir }), sms };
}
const withWebhook = () => createSmsSender({ dataDir: server.dir, smsProvider: "brevo", smsUrl: brevo.url, smsToken: BREVO_TEST_KEY, smsSender: "Cadenas", smsWebhookUrl: webhookUrl });
const send = (t: Transports, now: Date) => sendDueMessages(db(), t, { id: "w-brevo", timeZone: "Europe/Paris", now: () => now });

describe("delivery reports", () => {
  it("a hard bounce, a blocked and a rejected number each reach the floor once, by Brevo's webhook; read again, nothing more", async () => {
    const t = transports(withWebhook());
    const ids = Object.fromEntries(await Promise.all(["BRV1", "BRV2", "BRV3", "BRV4"].map(async (ref) => [ref, (await queueSms(ref, "fate"))[0]!] as const)));
    expect((await send(t, MONDAY_10H)).sent).toBe(4);
    // Each tagged with its message, and asking Brevo to post its events to our webhook.
    expect(brevo.sent.map((s) => s.tag).sort()).toEqual(Object.values(ids).map((id) => `cadenas-${id}`).sort());
    expect(brevo.sent.every((s) => s.webUrl === webhookUrl)).toBe(true);

    // Brevo's events come seconds to minutes later; its webhook posts each one.
    brevo.advance(2 * 60);
    const calls = await brevo.deliverWebhooks();
    // Delivered and bounced: sent, accepted, then the outcome; blocked and rejected by Brevo itself: that alone.
    expect(calls.length).toBe(8);
    expect(calls.every((c) => c.status === 200)).toBe(true);
    expect(calls.find((c) => c.body.msg_status === "hard_bounce")).toBeDefined();
    expect((await message(ids.BRV1!)).deliveryStatus).toBe("delivered");
    expect(await message(ids.BRV2!)).toMatchObject({ status: "sent", deliveryStatus: "hardBounces", lastError: "Non remis : numéro invalide ou inexistant (Numéro inexistant)" });
    expect((await message(ids.BRV3!)).deliveryStatus).toBe("blocked");
    expect((await message(ids.BRV4!)).deliveryStatus).toBe("rejected");
    for (const ref of ["BRV2", "BRV3", "BRV4"]) expect((await fixTasks(ref)).map((x) => [x.status, x.siteId !== null])).toEqual([["open", true]]);
    expect(await fixTasks("BRV1")).toEqual([]);

    // The floor fixes the numbers; the same reports, read back by the slow fallback, open nothing again.
    await db().update(tasks).set({ status: "done" }).where(eq(tasks.kind, "fix_contact"));
    expect((await recordSmsDeliveries(db(), t.sms, "Europe/Paris", brevo.now())).recorded).toBe(0);
    await brevo.deliverWebhooks();
    for (const ref of ["BRV2", "BRV3", "BRV4"]) expect((await fixTasks(ref)).map((x) => x.status)).toEqual(["done"]);
  });

  it("the webhook refuses a missing or wrong token (401) and changes nothing; the right one, in the query or as basic or bearer authentication, is heard", async () => {
    const [id] = await queueSms("BRV5", "webhook", 1);
    const polling = transports(createSmsSender({ dataDir: server.dir, smsProvider: "brevo", smsUrl: brevo.url, smsToken: BREVO_TEST_KEY }));
    await send(polling, minutes(5));
    const sms = await message(id!);
    expect(brevo.sent.find((s) => s.tag === `cadenas-${id}`)!.webUrl).toBeUndefined();
    const bounce = { id: 26570, to: "33612000005", sms_count: 1, credits_used: 1, messageId: Number(sms.providerId), remaining_credit: 100, msg_status: "hard_bounce", date: `${addDays(TEST_TODAY, 1)} 10:06:00`, type: "transactional", tag: `cadenas-${id}` };
    const post = (query: string, headers: Record<string, string> = {}, body: unknown = bounce) =>
      fetch(`${server.url}/api/webhooks/brevo${query}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

    for (const refused of [post(""), post("?token=wrong"), post(`?token=${TOKEN}x`), post("", { authorization: "Bearer wrong" }), post("", { authorization: `Basic ${btoa("brevo:nope")}` })]) {
      const res = await refused;
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNAUTHENTICATED");
    }
    // Refused before the body is read: a malformed one is refused the same.
    expect((await post("?token=wrong", {}, "pas du JSON")).status).toBe(401);
    expect(await message(id!)).toMatchObject({ deliveryStatus: null });
    expect(await fixTasks("BRV5")).toEqual([]);

    const accepted = await post("", { authorization: `Basic ${btoa(`brevo:${TOKEN}`)}` }, { ...bounce, msg_status: "accepted" });
    expect(accepted.status).toBe(200);
    expect((await message(id!)).deliveryStatus).toBe("accepted");
    const bounced = await post("", { authorization: `Bearer ${TOKEN}` });
    expect(await bounced.json()).toEqual({ recorded: 1 });
    expect((await message(id!)).deliveryStatus).toBe("hardBounces");
    expect(await post(`?token=${encodeURIComponent(TOKEN)}`, {}, { ...bounce, msg_status: "sent" }).then((r) => r.json())).toEqual({ recorded: 0 });
    expect((await message(id!)).deliveryStatus).toBe("hardBounces");
    expect((await fixTasks("BRV5")).length).toBe(1);
  });

  it("a message stored without its site (before every message knew it): its bounce still reaches its site's floor", async () => {
    const [id] = await queueSms("BRV6", "nosite", 1);
    await db().update(messages).set({ siteId: null }).where(eq(messages.id, id!));
    await send(transports(withWebhook()), minutes(10));
    const sms = await message(id!);
    const res = await fetch(`${server.url}/api/webhooks/brevo?token=${TOKEN}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: 26570, to: "33612000006", messageId: Number(sms.providerId), msg_status: "hard_bounce", date: `${addDays(TEST_TODAY, 1)} 10:12:00`, type: "transactional" }),
    });
    expect(res.status).toBe(200);
    const [lyo] = await db().select({ siteId: units.siteId }).from(units).where(eq(units.number, "Z906"));
    expect((await fixTasks("BRV6")).map((x) => x.siteId)).toEqual([lyo!.siteId]);
  });

  it("a customer whose last box ended months ago: the engine's message still knows its site", async () => {
    const [id] = await queueSms("BRV10", "old-box", 1);
    const [box] = await db().select({ siteId: units.siteId }).from(contracts).innerJoin(units, eq(units.id, contracts.unitId)).where(eq(contracts.ref, "CBRV10"));
    expect((await message(id!)).siteId).toBe(box!.siteId);
    await db().update(messages).set({ status: "cancelled" }).where(eq(messages.id, id!));
  });
});

describe("an SMS interrupted by a crash", () => {
  it("is matched to its own events only (tag and number), looked up again while they come late, else left to check — never sent twice", async () => {
    // A Brevo whose events come minutes late.
    const late = await startFakeBrevo({ delays: { sent: 400, accepted: 420, final: 900 } });
    late.setNow(minutes(20));
    const sms = createSmsSender({ dataDir: server.dir, smsProvider: "brevo", smsUrl: late.url, smsToken: BREVO_TEST_KEY });
    const t = transports(sms);
    try {
      // Three SMS to the same customer. The first went normally; the second was handed to Brevo and the worker died
      // before recording Brevo's answer; the third was marked handed and the worker died before Brevo had it.
      const [first, second, third] = await queueSms("BRV7", "crash", 3).then((ids) => ids.sort());
      const handed = minutes(20).toISOString();
      await db().update(messages).set({ status: "cancelled" }).where(inArray(messages.id, [second!, third!]));
      await send(t, minutes(20));
      expect((await message(first!)).status).toBe("sent");
      const took = await sms.send({ id: second!, recipient: "06 12 00 00 07", senderName: null, subject: null, body: "Rappel", letter: null });
      expect(took.ok).toBe(true);
      const lapsed = { status: "sending" as const, leaseOwner: "dead", leaseUntil: "2000-01-01T00:00:00.000Z", handedAt: handed, providerId: null };
      const lapse = () => db().update(messages).set({ leaseUntil: "2000-01-01T00:00:00.000Z" }).where(inArray(messages.id, [second!, third!]));
      await db().update(messages).set(lapsed).where(inArray(messages.id, [second!, third!]));
      expect(late.sent).toHaveLength(2);

      // Three minutes on: no event yet for either (they come ~7 min late); the first SMS's events are another's.
      late.setNow(minutes(23));
      let r = await send(t, minutes(23));
      expect(r).toMatchObject({ reconciled: 0, unknown: 0 });
      expect((await message(second!)).status).toBe("sending");
      expect((await message(third!)).status).toBe("sending");
      // Looked up with the tag filter as Brevo's SDKs send it: a serialized array.
      const asked = late.requests.filter((q) => q.path.endsWith("/statistics/events")).map((q) => new URLSearchParams(q.query).get("tags"));
      expect(asked).toContain(JSON.stringify([`cadenas-${second}`]));

      // Eight minutes on: the second's own events are there; the third still has none (only the others' on its number).
      late.setNow(minutes(28));
      await lapse();
      r = await send(t, minutes(28));
      expect(r.reconciled).toBe(1);
      expect(await message(second!)).toMatchObject({ status: "sent", providerId: String(late.sent[1]!.messageId), deliveryStatus: "accepted" });
      expect((await db().select().from(messageAttempts).where(eq(messageAttempts.messageId, second!))).map((a) => a.outcome)).toContain("reconciled");
      expect((await message(third!)).status).toBe("sending");

      // Past the window (15 min after it was handed over): nothing of its own, it is left to the office to check.
      late.setNow(minutes(36));
      await lapse();
      r = await send(t, minutes(36));
      expect(r.unknown).toBe(1);
      expect(await message(third!)).toMatchObject({ status: "unknown", providerId: null });
      expect((await message(third!)).lastError).toContain("Vérifiez dans Brevo avant de renvoyer");

      // Later rounds send nothing again: Brevo got each SMS once, the third never.
      await send(t, minutes(60));
      expect(late.sent.map((s) => s.tag)).toEqual([`cadenas-${first}`, `cadenas-${second}`]);
    } finally {
      await late.close();
    }
  });
});

describe("Brevo's rate limit", () => {
  it("the reports are read within the budget Brevo's headers give: stopped at the limit, what was read is kept, the rest read after the reset", async () => {
    // An account whose events endpoint takes two requests an hour.
    const tight = await startFakeBrevo({ eventsLimit: 2 });
    tight.setNow(minutes(70));
    const sms = createSmsSender({ dataDir: server.dir, smsProvider: "brevo", smsUrl: tight.url, smsToken: BREVO_TEST_KEY });
    try {
      const ids = await queueSms("BRV11", "many", 80);
      expect((await send(transports(sms), minutes(70))).sent).toBe(80);
      tight.advance(120);
      // 240 events (sent, accepted, delivered for each): three pages, two allowed. What was read is recorded.
      const first = await recordSmsDeliveries(db(), sms, "Europe/Paris", tight.now());
      expect(first.retryAt).not.toBeNull();
      const statuses = async () => (await db().select({ s: messages.deliveryStatus }).from(messages).where(inArray(messages.id, ids))).map((m) => m.s);
      expect((await statuses()).filter((s) => s === "delivered").length).toBe(40);
      expect(tight.eventsRequests()).toBe(2);

      // Asked again before the reset: no request at all.
      const again = await recordSmsDeliveries(db(), sms, "Europe/Paris", new Date(tight.now().getTime() + 60_000));
      expect(again.retryAt!.getTime()).toBe(first.retryAt!.getTime());
      expect(tight.eventsRequests()).toBe(2);

      // After the reset it goes on where it stopped, and ends.
      tight.setNow(first.retryAt!);
      const rest = await recordSmsDeliveries(db(), sms, "Europe/Paris", tight.now());
      expect(rest.retryAt).toBeNull();
      expect((await statuses()).every((s) => s === "delivered")).toBe(true);
      expect(tight.requests.filter((q) => q.status === 429)).toEqual([]);

      expect(tight.requests.filter((q) => q.path.endsWith("/statistics/events")).length).toBe(4);
    } finally {
      await tight.close();
    }
  });

  it("someone else spent the budget (another process, the same key): Brevo's 429 is waited out until its reset", async () => {
    const shared = await startFakeBrevo({ eventsLimit: 5 });
    shared.setNow(minutes(300));
    const sms = createSmsSender({ dataDir: server.dir, smsProvider: "brevo", smsUrl: shared.url, smsToken: BREVO_TEST_KEY });
    try {
      const [one] = await queueSms("BRV11", "one-more", 1);
      await send(transports(sms), minutes(300));
      shared.advance(120);
      shared.spendEventsBudget(5);
      const limited = await recordSmsDeliveries(db(), sms, "Europe/Paris", shared.now());
      expect(shared.requests.at(-1)!.status).toBe(429);
      expect(limited.retryAt!.getTime()).toBeGreaterThan(shared.now().getTime());
      // Before the reset: not asked again.
      const before = shared.eventsRequests();
      shared.advance(600);
      expect((await recordSmsDeliveries(db(), sms, "Europe/Paris", shared.now())).retryAt).toEqual(limited.retryAt);
      expect(shared.eventsRequests()).toBe(before);
      shared.setNow(limited.retryAt!);
      expect((await recordSmsDeliveries(db(), sms, "Europe/Paris", shared.now())).retryAt).toBeNull();
      expect((await message(one!)).deliveryStatus).toBe("delivered");
      expect(shared.requests.filter((q) => q.status === 429)).toHaveLength(1);
    } finally {
      await shared.close();
    }
  });
});

describe("Brevo refusing every SMS (key, credit, sender)", () => {
  it("raises one alert, opens no task, keeps the SMS queued; the next success clears it", async () => {
    const alerts = () => db().select().from(providerAlerts);
    const ids = [...(await queueSms("BRV8", "config", 1)), ...(await queueSms("BRV9", "config", 1))];
    const wrongKey = transports(createSmsSender({ dataDir: server.dir, smsProvider: "brevo", smsUrl: brevo.url, smsToken: "xkeysib-wrong" }));
    const r = await send(wrongKey, minutes(200));
    expect(r).toMatchObject({ sent: 0, failed: 0 });
    expect((await alerts()).map((a) => [a.channel, a.code, a.held])).toEqual([["sms", "sms.unauthorized", 2]]);
    for (const id of ids) expect(await message(id)).toMatchObject({ status: "queued", attempts: 0 });
    expect([...(await fixTasks("BRV8")), ...(await fixTasks("BRV9"))]).toEqual([]);

    // No credit left: the same, with its own words.
    brevo.setCredits(0);
    const right = transports(withWebhook());
    await send(right, minutes(211));
    expect((await alerts()).map((a) => a.code)).toEqual(["sms.no_credit"]);
    // A sender Brevo will not take is not the customers' numbers' fault either.
    brevo.setCredits(undefined);
    const picky = await startFakeBrevo({ refuseSenders: ["LyonGerland"] });
    await send(transports(createSmsSender({ dataDir: server.dir, smsProvider: "brevo", smsUrl: picky.url, smsToken: BREVO_TEST_KEY })), minutes(222));
    await picky.close();
    expect((await alerts()).map((a) => a.code)).toEqual(["sms.sender_refused"]);
    for (const id of ids) expect((await message(id)).status).toBe("queued");
    expect([...(await fixTasks("BRV8")), ...(await fixTasks("BRV9"))]).toEqual([]);

    // Put right: the next round sends them and the alert goes.
    expect((await send(right, minutes(233))).sent).toBe(2);
    expect(await alerts()).toEqual([]);
  });

  it("a number Brevo refuses (400 on the recipient) fails that SMS alone and asks the floor to fix it", async () => {
    const [id] = await queueSms("BRV12", "bad-number", 1);
    await send(transports(withWebhook()), minutes(240));
    expect(await message(id!)).toMatchObject({ status: "failed" });
    expect((await message(id!)).lastError).toContain("recipient");
    expect(await db().select().from(providerAlerts)).toEqual([]);
    expect((await fixTasks("BRV12")).length).toBe(1);
  });
});

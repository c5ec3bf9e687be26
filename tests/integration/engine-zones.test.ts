import { rmSync } from "node:fs";
import { and, eq, inArray, isNotNull } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { describe, expect, it } from "vitest";
import { actions } from "../../server/cases/cases.sql";
import { contracts, customers } from "../../server/customers/customers.sql";
import type { Database } from "../../server/db/client";
import { engineRuns, plannedActions } from "../../server/engine/engine.sql";
import { engineZones } from "../../server/engine/zones";
import { messages } from "../../server/messaging/messaging.sql";
import { queueMessages } from "../../server/messaging/outbox";
import { createEmailSender, createSmsSender } from "../../server/messaging/transports";
import { sendDueMessages } from "../../server/messaging/worker";
import { startServer, type RunningServer } from "../../server/server";
import { units } from "../../server/sites/sites.sql";
import type { SitesResponse } from "../../shared/schemas/sites";
import { addDays } from "../../shared/dates";
import { call, importThroughRoute, signIn, startTestServer, TEST_TODAY, type TestServer } from "../support/server";

// Each site's day is its own time zone's: the engine runs a zone's day at ENGINE_AT that zone's time, over that
// zone's sites' customers, once; the outbox's last checks read "today" at the message's site. Lyon (LYO) stays in
// Paris, Villeurbanne (VIL) is moved to Martinique (UTC−4 all year) for the test.

const PARIS = "Europe/Paris";
const MARTINIQUE = "America/Martinique";

async function siteIds(url: string, office: string): Promise<Record<string, string>> {
  const { body } = await call<SitesResponse>(url, "GET", "/api/sites", { cookie: office });
  return Object.fromEntries(body.sites.map((s) => [s.code, s.id]));
}

async function setZone(url: string, office: string, id: string, timeZone: string): Promise<void> {
  const res = await call(url, "PATCH", `/api/sites/${id}`, { cookie: office, body: { timeZone } });
  expect(res.status).toBe(200);
}

/** Customer → the sites of their boxes. */
async function sitesOfCustomers(db: Database): Promise<Map<string, Set<string>>> {
  const rows = await db.select({ customerId: contracts.customerId, siteId: units.siteId }).from(contracts).innerJoin(units, eq(units.id, contracts.unitId));
  const out = new Map<string, Set<string>>();
  for (const r of rows) out.set(r.customerId, new Set([...(out.get(r.customerId) ?? []), r.siteId]));
  return out;
}

describe("the daily run, one a time zone", () => {
  it("runs Paris's day at 06:00 Paris and Martinique's at 06:00 Martinique, each over its own sites' customers, once", async () => {
    // Demo data as of 22 November, written at 05:00 in Paris (nothing runs: ENGINE_AT off).
    const first = await startTestServer({ env: { NOW: `${TEST_TODAY}T04:00:00Z` } });
    const servers: RunningServer[] = [];
    try {
      const office = await signIn(first.url, "bureau@demo.test");
      const ids = await siteIds(first.url, office);
      // A customer with no box at any site follows TZ_SITE's day (Paris here).
      await importThroughRoute(first.url, office, "customers", "customer_ref;kind;name;email;phone;address;postal_code;city;payment_method;segment;stop\nZNB1;person;Nadia Sansbox;nadia@x.test;06 11 22 33 62;3 rue C;69007;Lyon;transfer;;0\n");
      await importThroughRoute(first.url, office, "invoices", "invoice_ref;customer_ref;contract_ref;issue_date;due_date;amount\nFZNB1;ZNB1;;30/10/2026;06/11/2026;80,00\n");
      const [boxless] = await first.services.db.select({ id: customers.id }).from(customers).where(eq(customers.ref, "ZNB1"));
      // One zone: one run over every customer, nothing to filter.
      expect(await engineZones(first.services.db, PARIS)).toEqual([{ timeZone: PARIS }]);
      await setZone(first.url, office, ids.LYO!, PARIS);
      await setZone(first.url, office, ids.VIL!, MARTINIQUE);
      expect(await engineZones(first.services.db, PARIS)).toEqual([
        { timeZone: MARTINIQUE, sites: { ids: [ids.VIL], boxless: false } },
        { timeZone: PARIS, sites: { ids: [ids.LYO], boxless: true } },
      ]);
      await first.stop();

      // The same database, the clock later, "today" no longer pinned: each zone's day is its own.
      const at = async (now: string) => {
        const lines: string[] = [];
        const server = await startServer({ ...first.services.config, today: undefined, now, engineAt: "06:00" }, (line) => lines.push(line));
        servers.push(server);
        // The first look logs a line for each zone, whatever it decides: wait for both.
        const said = async (zone: string) => {
          await expect.poll(() => lines.find((l) => l.startsWith(`Engine for ${TEST_TODAY} (${zone})`)), { timeout: 20_000 }).toBeDefined();
          return lines.find((l) => l.startsWith(`Engine for ${TEST_TODAY} (${zone})`))!;
        };
        return { server, paris: await said(PARIS), martinique: await said(MARTINIQUE) };
      };
      const runs = (db: Database) => db.select().from(engineRuns).where(and(eq(engineRuns.asOf, TEST_TODAY), isNotNull(engineRuns.finishedAt)));
      const customersOfRun = async (db: Database, runId: string) =>
        new Set((await db.select({ customerId: plannedActions.customerId }).from(plannedActions).where(eq(plannedActions.runId, runId))).map((r) => r.customerId));

      // 06:30 in Paris is 01:30 in Martinique: Paris's day runs, Martinique's is not due yet.
      const morning = await at(`${TEST_TODAY}T05:30:00Z`);
      expect(morning.paris).toMatch(new RegExp(`^Engine for ${TEST_TODAY} \\(Europe/Paris\\): [1-9]\\d* actions due\\.$`));
      expect(morning.martinique).toBe(`Engine for ${TEST_TODAY} (${MARTINIQUE}): due at 06:00.`);
      const db1 = morning.server.services.db;
      const afterMorning = await runs(db1);
      expect(afterMorning.map((r) => r.timeZone)).toEqual([PARIS]);
      const boxes = await sitesOfCustomers(db1);
      const parisCustomers = await customersOfRun(db1, afterMorning[0]!.id);
      expect(parisCustomers.size).toBeGreaterThan(0);
      for (const c of parisCustomers) expect([...(boxes.get(c) ?? [])]).not.toContain(ids.VIL);
      expect(parisCustomers).toContain(boxless!.id);
      await morning.server.stop();

      // 11:00 in Martinique (16:00 in Paris): Martinique's day runs, over Villeurbanne's customers only.
      const later = await at(`${TEST_TODAY}T15:00:00Z`);
      expect(later.paris).toBe(`Engine for ${TEST_TODAY} (${PARIS}): already run.`);
      expect(later.martinique).toMatch(new RegExp(`^Engine for ${TEST_TODAY} \\(America/Martinique\\): [1-9]\\d* actions due\\.$`));
      const db2 = later.server.services.db;
      const afterLater = await runs(db2);
      expect(afterLater.map((r) => r.timeZone).sort()).toEqual([MARTINIQUE, PARIS]);
      const martiniqueRun = afterLater.find((r) => r.timeZone === MARTINIQUE)!;
      const martiniqueCustomers = await customersOfRun(db2, martiniqueRun.id);
      expect(martiniqueCustomers.size).toBeGreaterThan(0);
      for (const c of martiniqueCustomers) expect([...(boxes.get(c) ?? [])]).toEqual([ids.VIL]);
      const planned = (await db2.select({ id: plannedActions.id }).from(plannedActions)).length;
      await later.server.stop();

      // A second look the same day: nothing runs again.
      const evening = await at(`${TEST_TODAY}T16:00:00Z`);
      expect(evening.paris).toBe(`Engine for ${TEST_TODAY} (${PARIS}): already run.`);
      expect(evening.martinique).toBe(`Engine for ${TEST_TODAY} (${MARTINIQUE}): already run.`);
      expect(await runs(evening.server.services.db)).toHaveLength(2);
      expect((await evening.server.services.db.select({ id: plannedActions.id }).from(plannedActions)).length).toBe(planned);
    } finally {
      for (const s of servers) await s.stop().catch(() => {});
      rmSync(first.dir, { recursive: true, force: true });
    }
  });
});

describe("the outbox's last checks", () => {
  let server: TestServer;

  it("read 'today' at the message's site: a promise for the 22nd still holds in Martinique when Paris is on the 23rd", async () => {
    server = await startTestServer();
    try {
      const office = await signIn(server.url, "bureau@demo.test");
      const ids = await siteIds(server.url, office);
      await setZone(server.url, office, ids.VIL!, MARTINIQUE);
      const csv = (kind: string, text: string) => importThroughRoute(server.url, office, kind, text);
      await csv("customers", "customer_ref;kind;name;email;phone;address;postal_code;city;payment_method;segment;stop\nZLY1;person;Luc Lyon;luc@x.test;06 11 22 33 60;1 rue A;69007;Lyon;transfer;;0\nZVI1;person;Vera Vil;vera@x.test;06 11 22 33 61;2 rue B;69100;Villeurbanne;transfer;;0\n");
      await csv("contracts", "contract_ref;customer_ref;site_code;unit_number;monthly_rent;start_date;end_date\nCZLY1;ZLY1;LYO;Z901;80,00;06/01/2026;\nCZVI1;ZVI1;VIL;Z902;80,00;06/01/2026;\n");
      await csv("invoices", "invoice_ref;customer_ref;contract_ref;issue_date;due_date;amount\nFZLY1;ZLY1;CZLY1;30/10/2026;06/11/2026;80,00\nFZVI1;ZVI1;CZVI1;30/10/2026;06/11/2026;80,00\n");
      const db = server.services.db;
      const people = await db.select({ id: customers.id, ref: customers.ref }).from(customers).where(inArray(customers.ref, ["ZLY1", "ZVI1"]));
      const idOf = (ref: string) => people.find((p) => p.ref === ref)!.id;
      // Both promised on the 20th to pay on the 22nd: reminders wait until that day has passed, at their site.
      await db.insert(actions).values(
        people.map((p) => ({ id: uuidv7(), customerId: p.id, initials: "VT", kind: "promise" as const, text: "Promesse de paiement : 80,00 € le 22/11/2026", happenedAt: `${addDays(TEST_TODAY, -2)}T10:00:00.000Z`, data: { promisedOn: TEST_TODAY, amountCents: 8000 } })),
      );
      const ask = (customerId: string) => ({ customerId, caseId: null, plannedActionId: "x", key: "test|zone-today", step: "reminder", template: "box-reminder-email", channel: "email" as const, purpose: "reminder" as const });
      await db.transaction((tx) => queueMessages(tx, [ask(idOf("ZLY1")), ask(idOf("ZVI1"))], TEST_TODAY));

      // 03:00 on the 23rd in Paris, 22:00 on the 22nd in Martinique.
      const transports = { email: createEmailSender({ dataDir: server.dir }), sms: createSmsSender({ dataDir: server.dir }) };
      await sendDueMessages(db, transports, { id: "test", timeZone: PARIS, now: () => new Date(`${addDays(TEST_TODAY, 1)}T02:00:00Z`) });
      transports.email.close();
      const mine = async (ref: string) => (await db.select().from(messages).where(eq(messages.idempotencyKey, `engine:${idOf(ref)}|test|zone-today`)))[0]!;
      expect(await mine("ZLY1")).toMatchObject({ status: "written" });
      expect(await mine("ZVI1")).toMatchObject({ status: "cancelled", lastError: "En pause : promesse de paiement ou échéancier en cours" });
    } finally {
      await server.close();
    }
  });
});

describe("the floor's day", () => {
  it("is the site's: at 02:00 UTC on the 23rd, Lyon's list is as of the 23rd and Martinique's still of the 22nd", async () => {
    // The clock not pinned to a day: 03:00 in Paris on the 23rd, 22:00 on the 22nd in Martinique.
    const server = await startTestServer({ env: { TODAY: "", NOW: `${addDays(TEST_TODAY, 1)}T02:00:00Z` } });
    try {
      const office = await signIn(server.url, "bureau@demo.test");
      const ids = await siteIds(server.url, office);
      await setZone(server.url, office, ids.VIL!, MARTINIQUE);
      const asOf = async (email: string) => (await call(server.url, "GET", "/api/today", { cookie: await signIn(server.url, email) })).body.asOf;
      expect(await asOf("gestionnaire@demo.test")).toBe(addDays(TEST_TODAY, 1));
      expect(await asOf("gestionnaire2@demo.test")).toBe(TEST_TODAY);
    } finally {
      await server.close();
    }
  });
});

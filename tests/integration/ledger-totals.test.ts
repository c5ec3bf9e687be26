import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { migrate } from "drizzle-orm/libsql/migrator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays } from "../../shared/dates";
import { balanceSql, balancesSql } from "../../server/billing/balance";
import { invoices, payments } from "../../server/billing/billing.sql";
import { contracts, customers } from "../../server/customers/customers.sql";
import { dashboardFigures } from "../../server/dashboard/figures";
import { MIGRATIONS_DIR, migrateDatabase, openDatabase, type Database } from "../../server/db/client";
import { sites, units } from "../../server/sites/sites.sql";
import { TEST_TODAY } from "../support/server";

// The sums migration 0024's triggers keep in the transaction of every write — each customer's invoices and payments
// (`customer_totals`), and per site and day the cash, the invoices falling due and what was paid on them within
// 15/30/60 days (`ledger_days`) — checked after every kind of write against the same figures worked out here in
// JavaScript from the rows themselves.

const T = TEST_TODAY;
const d = (n: number) => addDays(T, n);
const id = (n: number) => `00000000-0000-7000-8000-0000000e${String(n).padStart(4, "0")}`;
const [S1, S2] = [id(1), id(2)];
const [U1, U2, U3] = [id(11), id(12), id(13)];
const [A, B] = [id(21), id(22)];

type Day = { cash: number; due: number; p15: number; p30: number; p60: number };

/** What the sums should be, from the rows: a customer's rows count at his only site, none when he has several. */
async function expected(db: Database) {
  const homes = await db.all<{ customer_id: string; site_id: string }>(sql`select distinct ct.customer_id, u.site_id from contracts ct join units u on u.id = ct.unit_id`);
  const sitesOf = new Map<string, Set<string>>();
  for (const h of homes) sitesOf.set(h.customer_id, (sitesOf.get(h.customer_id) ?? new Set()).add(h.site_id));
  const home = (customerId: string) => {
    const s = sitesOf.get(customerId);
    return s && s.size === 1 ? [...s][0]! : null;
  };
  const invoiceRows = await db.select().from(invoices);
  const paymentRows = (await db.select().from(payments)).filter((p) => p.status === "ok");
  const totals = new Map<string, { invoiced: number; paid: number }>();
  const total = (c: string) => totals.get(c) ?? totals.set(c, { invoiced: 0, paid: 0 }).get(c)!;
  const days = new Map<string, Day>();
  const day = (site: string, on: string) => days.get(`${site} ${on}`) ?? days.set(`${site} ${on}`, { cash: 0, due: 0, p15: 0, p30: 0, p60: 0 }).get(`${site} ${on}`)!;
  for (const i of invoiceRows) {
    total(i.customerId).invoiced += i.amountCents;
    const site = home(i.customerId);
    if (!site || i.amountCents <= 0) continue;
    const paidWithin = (n: number) =>
      Math.min(i.amountCents, paymentRows.filter((p) => p.invoiceId === i.id && p.date <= addDays(i.dueDate, n)).reduce((s, p) => s + p.amountCents, 0));
    const x = day(site, i.dueDate);
    x.due += i.amountCents;
    x.p15 += paidWithin(15);
    x.p30 += paidWithin(30);
    x.p60 += paidWithin(60);
  }
  for (const p of paymentRows) {
    total(p.customerId).paid += p.amountCents;
    const site = home(p.customerId);
    if (site) day(site, p.date).cash += p.amountCents;
  }
  return { totals, days };
}

async function expectSumsRight(db: Database): Promise<void> {
  const want = await expected(db);
  const totals = await db.all<{ customer_id: string; invoiced_cents: number; paid_cents: number }>(sql`select * from customer_totals`);
  const got = new Map(totals.map((t) => [t.customer_id, { invoiced: Number(t.invoiced_cents), paid: Number(t.paid_cents) }]));
  for (const [customerId, t] of want.totals) expect(got.get(customerId), customerId).toEqual(t);
  const rows = await db.all<{ site_id: string; day: string; cash_cents: number; due_cents: number; paid15_cents: number; paid30_cents: number; paid60_cents: number }>(
    sql`select * from ledger_days`,
  );
  const days = Object.fromEntries(
    rows
      .map((r) => [`${r.site_id} ${r.day}`, { cash: Number(r.cash_cents), due: Number(r.due_cents), p15: Number(r.paid15_cents), p30: Number(r.paid30_cents), p60: Number(r.paid60_cents) }] as const)
      .filter(([, x]) => Object.values(x).some((v) => v !== 0)),
  );
  const wanted = Object.fromEntries([...want.days].filter(([, x]) => Object.values(x).some((v) => v !== 0)));
  expect(days).toEqual(wanted);
  // The follow-up table's balances, read from the totals, are `balanceSql`'s on any day.
  for (const asOf of [d(-40), T, d(40)]) {
    const fast = new Map((await db.all<{ id: string; b: number }>(balancesSql(asOf))).map((r) => [r.id, Number(r.b)]));
    const slow = await db.all<{ id: string; b: number }>(sql`select c.id, ${balanceSql(asOf, sql.raw("c.id"))} as b from customers c`);
    for (const r of slow) expect(fast.get(r.id) ?? 0, `${r.id} on ${asOf}`).toBe(Number(r.b));
  }
}

describe("the sums kept for the follow-up table and the dashboards", () => {
  let dir: string;
  let handle: Awaited<ReturnType<typeof openDatabase>>;
  let db: Database;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "cadenas-ledger-"));
    handle = await openDatabase(`file:${join(dir, "ledger.db")}`);
    db = handle.db;
    await migrateDatabase(db);
    await db.insert(sites).values([
      { id: S1, code: "L1", name: "Ledger 1" },
      { id: S2, code: "L2", name: "Ledger 2" },
    ]);
    await db.insert(units).values([
      { id: U1, siteId: S1, number: "A1" },
      { id: U2, siteId: S1, number: "A2" },
      { id: U3, siteId: S2, number: "B1" },
    ]);
    await db.insert(customers).values([
      { id: A, ref: "LA", kind: "person", name: "Client A", paymentMethod: "transfer" },
      { id: B, ref: "LB", kind: "person", name: "Client B", paymentMethod: "card" },
    ]);
  });
  afterAll(() => {
    handle?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps them equal to the rows through every kind of write", async () => {
    await db.insert(contracts).values([
      { id: id(31), ref: "K-LA", customerId: A, unitId: U1, monthlyRentCents: 10_000, startDate: d(-400) },
      { id: id(32), ref: "K-LB", customerId: B, unitId: U3, monthlyRentCents: 7_000, startDate: d(-400) },
    ]);
    // Invoices, one of them a credit note applying to another (negative: in the balance, not in the cohorts).
    await db.insert(invoices).values([
      { id: id(41), ref: "F1", customerId: A, issueDate: d(-70), dueDate: d(-60), amountCents: 10_000 },
      { id: id(42), ref: "F2", customerId: A, issueDate: d(-40), dueDate: d(-30), amountCents: 5_000 },
      { id: id(43), ref: "F3", customerId: B, issueDate: d(-70), dueDate: d(-60), amountCents: 7_000 },
      { id: id(44), ref: "F4", customerId: A, issueDate: d(20), dueDate: d(30), amountCents: 10_000 },
      { id: id(45), ref: "AV1", customerId: A, kind: "credit_note", issueDate: d(-50), dueDate: d(-50), amountCents: -2_000, appliesToId: id(41) },
    ]);
    await expectSumsRight(db);
    // Payments: within 15 days of the due date, within 60 but not 30, one rejected, one naming no invoice.
    await db.insert(payments).values([
      { id: id(51), ref: "P1", customerId: A, invoiceId: id(41), date: d(-50), amountCents: 4_000, method: "transfer", status: "ok" },
      { id: id(52), ref: "P2", customerId: A, invoiceId: id(41), date: d(-20), amountCents: 6_000, method: "transfer", status: "ok" },
      { id: id(53), ref: "P3", customerId: A, invoiceId: id(42), date: d(-28), amountCents: 5_000, method: "sepa", status: "rejected", reason: "AM04" },
      { id: id(54), ref: "P4", customerId: B, date: d(-55), amountCents: 7_000, method: "card", status: "ok" },
      // More than the invoice: each invoice counts at most its amount.
      { id: id(55), ref: "P5", customerId: B, invoiceId: id(43), date: d(-58), amountCents: 9_000, method: "card", status: "ok" },
    ]);
    await expectSumsRight(db);
    // A payment's day, amount, status and invoice change, as the next import says.
    await db.update(payments).set({ date: d(-40) }).where(eq(payments.id, id(52)));
    await expectSumsRight(db);
    await db.update(payments).set({ amountCents: 3_000 }).where(eq(payments.id, id(51)));
    await expectSumsRight(db);
    await db.update(payments).set({ status: "rejected", reason: "insufficient funds" }).where(eq(payments.id, id(55)));
    await expectSumsRight(db);
    await db.update(payments).set({ status: "ok", reason: null }).where(eq(payments.id, id(53)));
    await expectSumsRight(db);
    await db.update(payments).set({ invoiceId: id(42) }).where(eq(payments.id, id(52)));
    await expectSumsRight(db);
    await db.update(payments).set({ customerId: B, invoiceId: id(43) }).where(eq(payments.id, id(51)));
    await expectSumsRight(db);
    // An invoice's due date (its windows move), amount and customer change.
    await db.update(invoices).set({ dueDate: d(-45) }).where(eq(invoices.id, id(41)));
    await expectSumsRight(db);
    await db.update(invoices).set({ amountCents: 4_000 }).where(eq(invoices.id, id(42)));
    await expectSumsRight(db);
    await db.update(invoices).set({ customerId: A }).where(eq(invoices.id, id(43)));
    await expectSumsRight(db);
    // The same values written again (an import's upsert of unchanged lines): nothing moves.
    await db.update(invoices).set({ amountCents: 4_000, dueDate: d(-30), customerId: A }).where(eq(invoices.id, id(42)));
    await expectSumsRight(db);
    // Deleted rows.
    await db.delete(payments).where(eq(payments.id, id(54)));
    await expectSumsRight(db);
    await db.delete(invoices).where(eq(invoices.id, id(45)));
    await expectSumsRight(db);
  });

  it("moves a customer's rows out of the sums when he rents at a second site, back when he leaves it, and with a box moved", async () => {
    await db.insert(contracts).values({ id: id(33), ref: "K-LA-2", customerId: A, unitId: U3, monthlyRentCents: 5_000, startDate: d(-10) });
    await expectSumsRight(db);
    const [several] = await db.all<{ n: number }>(sql`select count(*) as n from invoices where customer_id = ${A} and site_id is not null`);
    expect(Number(several!.n)).toBe(0);
    await db.update(contracts).set({ unitId: U2 }).where(eq(contracts.id, id(33)));
    await expectSumsRight(db);
    await db.delete(contracts).where(eq(contracts.id, id(33)));
    await expectSumsRight(db);
    await db.update(units).set({ siteId: S2 }).where(eq(units.id, U1));
    await expectSumsRight(db);
    await db.update(units).set({ siteId: S1 }).where(eq(units.id, U1));
    await expectSumsRight(db);
  });

  it("counts a customer with boxes at two sites at the first of the sites asked for, in cash and cohorts", async () => {
    await db.insert(payments).values({ id: id(56), ref: "P6", customerId: A, invoiceId: id(42), date: d(-25), amountCents: 4_000, method: "transfer", status: "ok" });
    await db.insert(contracts).values({ id: id(34), ref: "K-LA-3", customerId: A, unitId: U3, monthlyRentCents: 5_000, startDate: d(-10) });
    const period = { from: d(-35), to: T };
    const cashOf = async (codes: string[]) => {
      const answer = await dashboardFigures(db, { all: true }, { sites: codes, ...period }, T);
      return Object.fromEntries(answer.bySite.map((s) => [s.site.code, s.figures.cash.reduce((sum, c) => sum + c.amountCents, 0)]));
    };
    // In the period: A's 5,000 of T-28 and 4,000 of T-25, at L1 (his first site); nothing of B's.
    expect(await cashOf(["L1", "L2"])).toEqual({ L1: 9_000, L2: 0 });
    // Asked for L2 alone, A counts there.
    expect(await cashOf(["L2"])).toEqual({ L2: 9_000 });
    const cohorts = async (codes: string[]) =>
      (await dashboardFigures(db, { all: true }, { sites: codes, ...period }, T)).all.cohorts.reduce((s, c) => s + c.dueCents, 0);
    // F2 (4,000 € due T-30) is A's: at whichever of his sites is asked for first.
    expect(await cohorts(["L2"])).toBe(4_000);
    expect(await cohorts(["L1"])).toBe(4_000);
  });

  it("fills the sums from the rows already there when a database of the previous version migrates", async () => {
    // The migrations up to 0023, rows written, then 0024.
    const old = join(dir, "migrations");
    cpSync(MIGRATIONS_DIR, old, { recursive: true });
    const journal = JSON.parse(readFileSync(join(old, "meta", "_journal.json"), "utf8")) as { entries: { tag: string }[] };
    const at = journal.entries.findIndex((e) => e.tag.startsWith("0024_"));
    writeFileSync(join(old, "meta", "_journal.json"), JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }));
    const before = await openDatabase(`file:${join(dir, "before.db")}`);
    try {
      await migrate(before.db, { migrationsFolder: old });
      // Each row's created_at and updated_at, as the previous version's code wrote them.
      const run = (text: string) => before.db.run(sql.raw(text.replace(/\) values/, ", created_at, updated_at) values").replace(/\)(,|$)/g, `, '${T}T09:00:00.000Z', '${T}T09:00:00.000Z')$1`)));
      await run(`insert into sites (id, code, name) values ('${S1}', 'L1', 'Ledger 1'), ('${S2}', 'L2', 'Ledger 2')`);
      await run(`insert into units (id, site_id, number) values ('${U1}', '${S1}', 'A1'), ('${U3}', '${S2}', 'B1')`);
      await run(`insert into customers (id, ref, kind, name, payment_method) values ('${A}', 'LA', 'person', 'A', 'transfer'), ('${B}', 'LB', 'person', 'B', 'card')`);
      await run(`insert into contracts (id, ref, customer_id, unit_id, monthly_rent_cents, start_date) values
        ('${id(31)}', 'K1', '${A}', '${U1}', 100, '${d(-400)}'), ('${id(32)}', 'K2', '${B}', '${U3}', 100, '${d(-400)}'), ('${id(33)}', 'K3', '${B}', '${U1}', 100, '${d(-400)}')`);
      await run(`insert into invoices (id, ref, customer_id, issue_date, due_date, amount_cents) values
        ('${id(41)}', 'F1', '${A}', '${d(-70)}', '${d(-60)}', 10000), ('${id(42)}', 'F2', '${B}', '${d(-70)}', '${d(-60)}', 7000), ('${id(43)}', 'F3', '${A}', '${d(-40)}', '${d(-30)}', 5000)`);
      await run(`insert into payments (id, ref, customer_id, invoice_id, date, amount_cents, method, status) values
        ('${id(51)}', 'P1', '${A}', '${id(41)}', '${d(-50)}', 4000, 'transfer', 'ok'), ('${id(52)}', 'P2', '${A}', '${id(41)}', '${d(-25)}', 9000, 'transfer', 'ok'),
        ('${id(53)}', 'P3', '${B}', null, '${d(-55)}', 7000, 'card', 'ok'), ('${id(54)}', 'P4', '${A}', '${id(43)}', '${d(-29)}', 5000, 'sepa', 'rejected')`);
      await migrateDatabase(before.db);
      await expectSumsRight(before.db);
      // And the triggers run from there on.
      await before.db.update(payments).set({ status: "ok" }).where(eq(payments.id, id(54)));
      await expectSumsRight(before.db);
    } finally {
      before.close();
    }
  });
});

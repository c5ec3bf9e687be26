import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, addMonths } from "../../shared/dates";
import type { DashboardFigures, DashboardResponse } from "../../shared/schemas/dashboard";
import { invoices, payments } from "../../server/billing/billing.sql";
import { actions, cases } from "../../server/cases/cases.sql";
import { handOverRecipients, handOvers } from "../../server/cases/hand-over.sql";
import { contracts, customers } from "../../server/customers/customers.sql";
import { sites, units } from "../../server/sites/sites.sql";
import { call, signIn, startTestServer, TEST_TODAY, type TestServer } from "../support/server";

// The dashboards (issue 17) against a small fixture at a site of its own (TDB) on top of the demo data, every figure
// worked out by hand below. Dates count from TEST_TODAY (T, a Sunday in late November when this was written; the figures hold on
// any T because every date is T plus or minus days, and the period is given as days from T).
//
// A: owes 100 € due T-20, paid 30 € (no invoice named) at T-4; open case (R1), first call T-19, R1 e-mail and padlock
//    T-6 (the same day, R1 and lockout at D+14). Balance 70 €, 20 days late → 16-30.
// B: owes 200 € due T-82; open case at R2 (registered letter R2 at T-52); promise made T-48 for T-43, unpaid: broken
//    (more than 7 days past its day). Handed over to a bailiff at T-12 for 200 €. 82 days late → 60+.
// C: owes 50 € due T-7, no case. 7 days late → 0-15.
// D: 80 € due T-120 paid in full at T-101 (naming the invoice); case opened T-119, R1, closed paid at T-101; SMS at
//    T-108, R1 e-mail at T-105; promise made T-106 for T-101: kept (paid).
// E: 60 € due T-90, written off at T-60 (case written off, R1).
describe("the dashboards", () => {
  let server: TestServer;
  let office: string;
  const T = TEST_TODAY;
  const d = (n: number) => addDays(T, n);
  const from = d(-150);

  const get = async (query: string, cookie = office) => call<DashboardResponse>(server.url, "GET", `/api/dashboard?${query}`, { cookie });

  beforeAll(async () => {
    server = await startTestServer();
    office = await signIn(server.url, "bureau@demo.test");
    const db = server.services.db;
    const id = (n: number) => `00000000-0000-7000-8000-0000000d${String(n).padStart(4, "0")}`;
    const site = id(1);
    await db.insert(sites).values({ id: site, code: "TDB", name: "Tableau de bord" });
    const people = ["A", "B", "C", "D", "E"];
    for (const [i, p] of people.entries()) {
      await db.insert(units).values({ id: id(10 + i), siteId: site, number: `TDB-${p}` });
      await db.insert(customers).values({ id: id(20 + i), ref: `TDB-${p}`, kind: "person", name: `Client ${p}`, paymentMethod: "transfer" });
      await db.insert(contracts).values({ id: id(30 + i), ref: `K-TDB-${p}`, customerId: id(20 + i), unitId: id(10 + i), monthlyRentCents: 5000, startDate: d(-400) });
    }
    const [A, B, C, D, E] = [id(20), id(21), id(22), id(23), id(24)];
    const invoice = (n: number, customerId: string, due: string, cents: number, more: Partial<typeof invoices.$inferInsert> = {}) =>
      db.insert(invoices).values({ id: id(40 + n), ref: `F-TDB-${n}`, customerId, issueDate: addDays(due, -10), dueDate: due, amountCents: cents, ...more });
    await invoice(1, A, d(-20), 10_000);
    await invoice(2, B, d(-82), 20_000);
    await invoice(3, C, d(-7), 5_000);
    await invoice(4, D, d(-120), 8_000);
    await invoice(5, E, d(-90), 6_000);
    await invoice(6, E, d(-60), -6_000, { kind: "write_off", source: "cadenas", issueDate: d(-60), appliesToId: id(45) });
    await db.insert(payments).values([
      { id: id(50), ref: "P-TDB-A", customerId: A, date: d(-4), amountCents: 3_000, method: "transfer", status: "ok" },
      { id: id(51), ref: "P-TDB-D", customerId: D, invoiceId: id(44), date: d(-101), amountCents: 8_000, method: "transfer", status: "ok" },
    ]);
    const kase = (n: number, customerId: string, anchor: number, more: Partial<typeof cases.$inferInsert>) =>
      db.insert(cases).values({ id: id(60 + n), customerId, openedOn: d(anchor + 1), anchorOn: d(anchor), ...more });
    await kase(0, A, -20, { level: "R1", stage: "lockout" });
    await kase(1, B, -82, { level: "R2", stage: "R2" });
    await kase(3, D, -120, { level: "R1", status: "paid", closedOn: d(-101) });
    await kase(4, E, -90, { level: "R1", status: "written_off", closedOn: d(-60) });
    let n = 0;
    const act = (caseN: number, customerId: string, kind: typeof actions.$inferInsert.kind, day: number, data: Record<string, unknown> | null = null) =>
      db.insert(actions).values({ id: id(70 + n++), caseId: id(60 + caseN), customerId, siteId: site, initials: "TB", kind, text: kind, happenedAt: `${d(day)}T10:00:00.000Z`, data });
    await act(0, A, "call", -19);
    await act(0, A, "email", -6, { step: "R1" });
    await act(0, A, "padlock_placed", -6);
    await act(1, B, "registered_letter", -52, { step: "R2" });
    await act(1, B, "promise", -48, { promisedOn: d(-43), amountCents: 20_000 });
    await act(3, D, "sms", -108, { step: "reminder" });
    await act(3, D, "email", -105, { step: "R1" });
    await act(3, D, "promise", -106, { promisedOn: d(-101), amountCents: 8_000 });
    await db.insert(handOverRecipients).values({ id: id(90), kind: "bailiff", name: "Maître Huissier", address: "1 rue du Palais, Lyon" });
    await db.insert(handOvers).values({ id: id(91), caseId: id(61), customerId: B, siteId: site, recipientId: id(90), handedOn: d(-12), handedAt: `${d(-12)}T10:00:00.000Z`, amountCents: 20_000, zipSha256: "0".repeat(64), zipBytes: 1 });
  });
  afterAll(() => server.close());

  const figuresOf = async (query = `site=TDB&from=${from}&to=${T}`): Promise<DashboardFigures> => {
    const answer = await get(query);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.sites.map((s) => s.code)).toEqual(["TDB"]);
    expect(answer.body.bySite[0]!.figures).toEqual(answer.body.all);
    return answer.body.all;
  };

  it("adds today's balances up per days-late bucket, as the follow-up table's rows", async () => {
    const f = await figuresOf();
    expect(f.agedBalance).toEqual([
      { bucket: "0-15", amountCents: 5_000, count: 1 }, // C
      { bucket: "16-30", amountCents: 7_000, count: 1 }, // A: 100 € − 30 €
      { bucket: "31-45", amountCents: 0, count: 0 },
      { bucket: "46-60", amountCents: 0, count: 0 },
      { bucket: "60+", amountCents: 20_000, count: 1 }, // B
    ]);
    // The bar's figures are the follow-up table's total for the same filter.
    const table = await call(server.url, "GET", "/api/followup?site=TDB&lateBucket=16-30", { cookie: office });
    expect(table.status).toBe(200);
    expect([table.body.total, table.body.totalBalanceCents]).toEqual([1, 7_000]);
  });

  it("counts the cases of the period at each stage of the procedure, a paid one at the furthest it reached", async () => {
    const f = await figuresOf();
    // Opened in the period: A, B, D, E. R1: all four (B's R2 level implies R1). Padlock: A. R2: B. D paid at R1.
    expect(f.funnel).toEqual([
      { stage: "opened", reached: 4, paid: 0 },
      { stage: "R1", reached: 4, paid: 1 },
      { stage: "padlock", reached: 1, paid: 0 },
      { stage: "R2", reached: 1, paid: 0 },
      { stage: "R3", reached: 0, paid: 0 },
      { stage: "exit", reached: 0, paid: 0 },
    ]);
  });

  it("credits each payment to every step whose 7 or 15 days hold it (R1 and the padlock on the same day both)", async () => {
    const f = await figuresOf();
    const line = (step: string) => f.payoff.find((p) => p.step === step);
    // A's first call T-19: nothing by T-12; the 30 € of T-4 is within 15 days (T-19 + 15 = T-4).
    expect(line("first_call")).toEqual({ step: "first_call", count: 1, paid7Cents: 0, paid15Cents: 3_000, casesPaid: 0 });
    // D's SMS T-108: the 80 € of T-101 is 7 days after (in both windows); case closed paid T-101, within 15 days.
    expect(line("sms")).toEqual({ step: "sms", count: 1, paid7Cents: 8_000, paid15Cents: 8_000, casesPaid: 1 });
    // R1 e-mails: A's T-6 (30 € at T-4) and D's T-105 (80 € at T-101): 110 € in both windows, D's case paid.
    expect(line("email_R1")).toEqual({ step: "email_R1", count: 2, paid7Cents: 11_000, paid15Cents: 11_000, casesPaid: 1 });
    // A's padlock the same day as his R1 e-mail: the same 30 € credited to it as well.
    expect(line("padlock")).toEqual({ step: "padlock", count: 1, paid7Cents: 3_000, paid15Cents: 3_000, casesPaid: 0 });
    // B's R2 letter: nothing paid.
    expect(line("registered_R2")).toEqual({ step: "registered_R2", count: 1, paid7Cents: 0, paid15Cents: 0, casesPaid: 0 });
    expect(line("notice_R3")).toEqual({ step: "notice_R3", count: 0, paid7Cents: 0, paid15Cents: 0, casesPaid: 0 });
  });

  it("shows the cash per month, the cohorts by due month, promises, DSO by countback, written off and handed over", async () => {
    const f = await figuresOf();
    const month = (n: number) => d(n).slice(0, 7);
    const cash = new Map(f.cash.map((c) => [c.month, c.amountCents]));
    expect(f.cash.map((c) => c.month)[0]).toBe(from.slice(0, 7));
    expect(f.cash.at(-1)!.month).toBe(T.slice(0, 7));
    // 80 € in D's month of T-101 and 30 € in A's of T-4 (the same month if they fall together).
    const expected = new Map<string, number>();
    for (const [day, cents] of [[-101, 8_000], [-4, 3_000]] as const) expected.set(month(day), (expected.get(month(day)) ?? 0) + cents);
    for (const [m, cents] of cash) expect(cents, m).toBe(expected.get(m) ?? 0);
    // D's invoice due T-120, paid 19 days after: not within 15 days, within 30 and 60. Its month's windows are over
    // (the month ends at most 30 days after T-120, 60 days on is still before T).
    const cohort = f.cohorts.find((c) => c.month === month(-120))!;
    const sameMonth = [[-82, 20_000], [-90, 6_000], [-20, 10_000], [-7, 5_000]].filter(([day]) => month(day!) === month(-120)).reduce((s, [, c]) => s + c!, 0);
    expect(cohort).toMatchObject({ dueCents: 8_000 + sameMonth, paid15Cents: 0, paid30Cents: 8_000, paid60Cents: 8_000 });
    // This month's windows have not passed.
    expect(f.cohorts.at(-1)).toMatchObject({ paid15Cents: null, paid30Cents: null, paid60Cents: null });
    // B's promise broken, D's kept.
    expect(f.promises).toEqual({ kept: 1, broken: 1, pending: 0 });
    // Receivables today: A 70 € + B 200 € + C 50 € = 320 €.
    expect(f.receivableCents).toBe(32_000);
    // On TEST_TODAY as pinned (the 22nd of November): November (22 days) billed 150 €, October nothing (31 days),
    // September 200 € of which the 170 € left cover 85 %: 22 + 31 + 0.85 × 30 = 78.5 days.
    expect(f.dsoDays).toBe(78.5);
    expect(f.dsoDays).toBe(expectedDso(T, 32_000, [[d(-20), 10_000], [d(-7), 5_000], [d(-82), 20_000], [d(-90), 6_000], [d(-120), 8_000]]));
    expect(f.writtenOffCents).toBe(6_000);
    expect(f.handedOver).toEqual({ count: 1, amountCents: 20_000 });
  });

  it("counts only what the period holds", async () => {
    // From T-50: only A's case opened (T-19); B's promise of T-48 is in, D's of T-106 out.
    const f = await figuresOf(`site=TDB&from=${d(-50)}&to=${T}`);
    expect(f.funnel[0]).toEqual({ stage: "opened", reached: 1, paid: 0 });
    expect(f.promises).toEqual({ kept: 0, broken: 1, pending: 0 });
    expect(f.writtenOffCents).toBe(0);
    expect(f.payoff.find((p) => p.step === "sms")!.count).toBe(0);
  });

  it("shows a payment at once, though the months' passes over payments and invoices are kept between views", async () => {
    const before = await figuresOf();
    const thisMonth = (f: DashboardFigures) => f.cash.find((c) => c.month === T.slice(0, 7))!.amountCents;
    await server.services.db.insert(payments).values({ id: "00000000-0000-7000-8000-0000000dffff", ref: "P-TDB-C", customerId: "00000000-0000-7000-8000-0000000d0022", date: T, amountCents: 1_234, method: "card", status: "ok" });
    const after = await figuresOf();
    expect(thisMonth(after)).toBe(thisMonth(before) + 1_234);
    expect(after.agedBalance[0]).toEqual({ bucket: "0-15", amountCents: 5_000 - 1_234, count: 1 });
    await server.services.db.delete(payments).where(eq(payments.id, "00000000-0000-7000-8000-0000000dffff"));
    expect(thisMonth(await figuresOf())).toBe(thisMonth(before));
  });

  it("keeps each Manager to his sites and refuses the site managers", async () => {
    const manager = await signIn(server.url, "manager@demo.test");
    const mine = await get("", manager);
    expect(mine.status).toBe(200);
    expect(mine.body.sites.map((s) => s.code)).toEqual(["LYO", "VIL"]);
    // A site of another's: nothing of it.
    const other = await get("site=TDB", manager);
    expect(other.body.sites).toEqual([]);
    expect(other.body.all.agedBalance.every((b) => b.count === 0)).toBe(true);
    // The default period: the twelve months up to today.
    expect([mine.body.from, mine.body.to]).toEqual([addDays(addMonths(T, -12), 1), T]);
    const floor = await get("", await signIn(server.url, "gestionnaire@demo.test"));
    expect(floor.status).toBe(403);
    expect((await get(`from=${T}&to=${d(-1)}`)).status).toBe(400);
  });
});

/** The countback worked out plainly: months back from T's (T's counted to its day), whole months while they are covered. */
function expectedDso(T: string, receivable: number, dues: [string, number][]): number {
  let left = receivable;
  let days = 0;
  let month = T.slice(0, 7);
  for (let i = 0; i < 12; i++) {
    const sales = dues.filter(([due]) => due.slice(0, 7) === month).reduce((s, [, c]) => s + c, 0);
    const [y, m] = month.split("-").map(Number) as [number, number];
    const length = i === 0 ? Number(T.slice(8, 10)) : new Date(Date.UTC(y, m, 0)).getUTCDate();
    if (sales > 0 && left <= sales) return Math.round((days + (left / sales) * length) * 10) / 10;
    if (sales > 0) left -= sales;
    days += length;
    month = new Date(Date.UTC(y, m - 2, 1)).toISOString().slice(0, 7);
  }
  return days;
}

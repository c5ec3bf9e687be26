import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FOLLOW_UP_SORTS, type FollowUpResponse, type FollowUpRow } from "../../shared/schemas/follow-up";
import { lateBucket } from "../../server/follow-up/query";
import { call, signIn, startTestServer, TEST_TODAY, type TestServer } from "../support/server";
import { addDays } from "../../shared/dates";

// The office's follow-up table (issue 17) on the demo data: every filter narrows to what a direct reading of the
// rows says, every sort orders both ways with ref as tie-break, the search ignores accents, case and spaces, pages
// add up to the total, and each user sees his sites only.

describe("the follow-up table", () => {
  let server: TestServer;
  let office: string;
  let all: FollowUpRow[];

  const get = async (query: string, cookie = office) => call<FollowUpResponse>(server.url, "GET", `/api/followup?${query}`, { cookie });
  const rowsOf = async (query: string) => {
    const answer = await get(`${query}&limit=500`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body.rows;
  };

  beforeAll(async () => {
    server = await startTestServer();
    office = await signIn(server.url, "bureau@demo.test");
    all = await rowsOf("sort=ref&dir=asc");
  });
  afterAll(() => server.close());

  it("lists the customers who owe or have an open case, with the total of their balances", async () => {
    const answer = await get("limit=500");
    expect(all.length).toBeGreaterThan(10);
    expect(answer.body.total).toBe(all.length);
    expect(answer.body.totalBalanceCents).toBe(all.reduce((s, r) => s + r.balanceCents, 0));
    for (const r of all) expect(r.balanceCents > 0 || r.caseId !== null).toBe(true);
    // The balance is the debtor screen's.
    const sample = all.find((r) => r.caseId !== null)!;
    const detail = await call(server.url, "GET", `/api/debtors/${sample.customerId}`, { cookie: office });
    expect(sample.balanceCents).toBe(detail.body.balanceCents);
  });

  it("exports the current view, every page, as a CSV for French Excel that opens back to the same rows", async () => {
    // A name a spreadsheet would read as a formula must come out as text.
    const target = all.find((r) => r.site.code === "LYO")!;
    await server.services.db.run(sql`update customers set name = '=HYPERLINK("http://evil.example","x")' where id = ${target.customerId}`);
    const res = await fetch(`${server.url}/api/followup.csv?site=LYO&sort=ref&dir=asc&limit=5`, { headers: { cookie: office } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename="suivi-impayes-\d{4}-\d{2}-\d{2}\.csv"/);
    const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(await res.arrayBuffer());
    expect(text.startsWith("\uFEFF")).toBe(true);
    const lines = text.slice(1).trimEnd().split("\r\n");
    const header = lines[0]!.split(";");
    expect(header.slice(0, 7)).toEqual(["client", "nom", "type", "scenario", "site", "box", "solde"]);
    const lyon = all.filter((r) => r.site.code === "LYO");
    // Every row of the view, not the page the limit asked for.
    expect(lines.length - 1).toBe(lyon.length);
    const cells = lines.slice(1).map((l) => l.split(";"));
    expect(cells.map((c) => c[0])).toEqual(lyon.map((r) => r.ref));
    for (const [i, r] of lyon.entries()) expect(cells[i]![6]).toBe((r.balanceCents / 100).toFixed(2).replace(".", ","));
    const formula = lines.find((l) => l.startsWith(`${target.ref};`))!;
    expect(formula).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    await server.services.db.run(sql`update customers set name = ${target.name} where id = ${target.customerId}`);
  });

  it("narrows by each filter to the rows that match it", async () => {
    const check = async (query: string, keep: (r: FollowUpRow) => boolean) => {
      const got = (await rowsOf(`${query}&sort=ref&dir=asc`)).map((r) => r.ref);
      expect(got, query).toEqual(all.filter(keep).map((r) => r.ref));
    };
    await check("site=LYO", (r) => r.site.code === "LYO");
    const someLevel = all.find((r) => r.level !== "none")?.level ?? "none";
    await check(`level=${someLevel}`, (r) => r.level === someLevel);
    const someStage = all.find((r) => r.stage)?.stage;
    if (someStage) await check(`stage=${someStage}`, (r) => r.stage === someStage);
    await check("scenario=box", (r) => r.scenario === "box");
    await check("kind=company", (r) => r.kind === "company");
    const mid = all.map((r) => r.balanceCents).sort((a, b) => a - b)[Math.floor(all.length / 2)]!;
    await check(`minBalance=${(mid / 100).toFixed(2)}`, (r) => r.balanceCents >= mid);
    await check(`maxBalance=${(mid / 100).toFixed(2)}`, (r) => r.balanceCents <= mid);
    await check("lateBucket=0-15,60%2B", (r) => ["0-15", "60+"].includes(lateBucket(r.daysLate)));
    await check("lateBucket=16-30", (r) => lateBucket(r.daysLate) === "16-30");
    await check("promise=none", (r) => r.promise === null);
    await check("promise=pending,broken", (r) => r.promise?.state === "pending" || r.promise?.state === "broken");
    await check("padlock=yes", (r) => r.padlock);
    await check("padlock=no", (r) => !r.padlock);
    await check("stop=yes", (r) => r.stop);
    await check("idleDays=10", (r) => r.lastAction === null || Date.parse(TEST_TODAY) - Date.parse(r.lastAction.at.slice(0, 10)) >= 10 * 86_400_000);
    // Filters combine.
    await check("site=VIL&padlock=no&kind=person", (r) => r.site.code === "VIL" && !r.padlock && r.kind === "person");
    expect(all.some((r) => r.padlock)).toBe(true);
  });

  it("sorts by each column both ways, ties broken by ref", async () => {
    for (const sort of FOLLOW_UP_SORTS) {
      for (const dir of ["asc", "desc"] as const) {
        const rows = await rowsOf(`sort=${sort}&dir=${dir}`);
        expect(rows.length).toBe(all.length);
        const value = (r: FollowUpRow): string | number | null =>
          ({ name: r.name.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().replace(/[\s'’.-]/g, ""), ref: r.ref, site: r.site.code, balance: r.balanceCents, oldestDue: r.oldestDueOn, daysLate: r.daysLate, level: ["none", "R1", "R2", "R3", "R4", "R5"].indexOf(r.level), nextStepOn: r.nextStep?.on ?? null, lastActionAt: r.lastAction?.at ?? null })[sort];
        for (let i = 1; i < rows.length; i++) {
          const [a, b] = [value(rows[i - 1]!), value(rows[i]!)];
          if (a === b) expect(rows[i - 1]!.ref < rows[i]!.ref, `${sort} ${dir} tie at ${i}`).toBe(true);
          else if (b === null) continue;
          else {
            expect(a, `${sort} ${dir} at ${i}`).not.toBeNull();
            expect(dir === "asc" ? a! < b : a! > b, `${sort} ${dir} at ${i}: ${a} / ${b}`).toBe(true);
          }
        }
      }
    }
  });

  it("finds by name without accents or case, by box number and by phone typed with spaces", async () => {
    const target = all[0]!;
    await server.services.db.run(sql`update customers set name = 'Hélène Müller-Dupré' where id = ${target.customerId}`);
    expect((await rowsOf("q=helene")).map((r) => r.customerId)).toContain(target.customerId);
    expect((await rowsOf("q=MULLER%20dupre")).map((r) => r.customerId)).toContain(target.customerId);
    const boxed = all.find((r) => r.units.length > 0)!;
    expect((await rowsOf(`q=${encodeURIComponent(boxed.units[0]!.toLowerCase())}`)).map((r) => r.customerId)).toContain(boxed.customerId);
    const [phoned] = await server.services.db.all<{ id: string; phone: string }>(
      sql`select id, phone from customers where id in (${sql.join(all.map((r) => sql`${r.customerId}`), sql`, `)}) and phone is not null limit 1`,
    );
    const digits = phoned!.phone.replace(/\D/g, "");
    const spaced = digits.replace(/(\d{2})(?=\d)/g, "$1 ");
    expect((await rowsOf(`q=${encodeURIComponent(spaced)}`)).map((r) => r.customerId)).toContain(phoned!.id);
    expect((await rowsOf("q=zzzzqqq")).length).toBe(0);
    expect((await rowsOf(`q=${target.ref}`)).map((r) => r.customerId)).toEqual([target.customerId]);
  });

  it("shows a payment's effect at once (the kept balances are added up again after any write to payments)", async () => {
    const target = all.find((r) => r.balanceCents > 100)!;
    await server.services.db.run(
      sql`insert into payments (id, ref, customer_id, date, amount_cents, method, status, created_at, updated_at)
          values ('00000000-0000-7000-8000-00000000f017', 'PAY-F017', ${target.customerId}, ${addDays(TEST_TODAY, -1)}, 100, 'transfer', 'ok', ${`${addDays(TEST_TODAY, -1)}T10:00:00Z`}, ${`${addDays(TEST_TODAY, -1)}T10:00:00Z`})`,
    );
    const row = (await rowsOf(`q=${target.ref}`)).find((r) => r.customerId === target.customerId)!;
    expect(row.balanceCents).toBe(target.balanceCents - 100);
    await server.services.db.run(sql`delete from payments where id = '00000000-0000-7000-8000-00000000f017'`);
    expect((await rowsOf(`q=${target.ref}`)).find((r) => r.customerId === target.customerId)!.balanceCents).toBe(target.balanceCents);
  });

  it("pages add up to the total", async () => {
    const seen: string[] = [];
    let total = -1;
    for (let offset = 0; offset < all.length + 7; offset += 7) {
      const page = await get(`sort=balance&dir=desc&limit=7&offset=${offset}`);
      total = page.body.total;
      expect(page.body.offset).toBe(offset);
      seen.push(...page.body.rows.map((r) => r.customerId));
    }
    expect(total).toBe(all.length);
    expect(seen.length).toBe(all.length);
    expect(new Set(seen).size).toBe(all.length);
  });

  it("refuses a bad value with 400 naming the field", async () => {
    for (const [query, field] of [["lateBucket=90", "late"], ["sort=colour", "sort"], ["limit=0", "limit"], ["minBalance=-3", "minBalance"], ["padlock=maybe", "padlock"]]) {
      const answer = await get(query!);
      expect(answer.status, query).toBe(400);
      expect(JSON.stringify(answer.body), query).toContain(field);
    }
  });

  it("holds a Manager to his sites and refuses the site manager", async () => {
    expect((await get("", await signIn(server.url, "gestionnaire@demo.test"))).status).toBe(403);
    const users = await call(server.url, "GET", "/api/users", { cookie: office });
    const marc = users.body.users.find((u: { email: string }) => u.email === "manager@demo.test");
    const lyo = all.find((r) => r.site.code === "LYO")!.site.id;
    const patched = await call(server.url, "PATCH", `/api/users/${marc.id}`, { cookie: office, body: { siteIds: [lyo] } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const manager = await signIn(server.url, "manager@demo.test");
    const answer = await get("limit=500&sort=ref&dir=asc", manager);
    expect(answer.status).toBe(200);
    expect(answer.body.rows.map((r) => r.ref)).toEqual(all.filter((r) => r.site.code === "LYO").map((r) => r.ref));
    expect(answer.body.rows.every((r) => r.site.code === "LYO")).toBe(true);
    expect(answer.body.total).toBeGreaterThan(0);
    expect(answer.body.total).toBeLessThan(all.length);
  });
});

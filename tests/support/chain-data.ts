// A chain's billing data made by SQL inside the database (a JavaScript generator would take minutes at scale), for
// the tests and the benchmarks, around any day: customers with one box each and a year of monthly rent, every
// tenth owing the last 1–3 months with an open case, some SEPA debits rejected.
import { sql } from "drizzle-orm";
import { addDays, addMonths, type CalendarDate } from "../../shared/dates";
import type { Database } from "../../server/db/client";

const SEGMENTS = ["box", "box", "box", "box", "box", "box", "standard", "standard-sans-email", "export", "grand-compte", "mauvais-payeur"];
const METHODS = ["card", "sepa", "transfer", "cheque", "card"];

/** Customer refs are `C0000000`, `C0000001`…; contract refs `K…`; invoice refs `F0000000-00`… */
export async function fillChain(db: Database, customers: number, asOf: CalendarDate): Promise<{ openCases: number }> {
  const now = new Date(`${asOf}T06:00:00Z`).toISOString();
  const first = addMonths(`${asOf.slice(0, 7)}-01`, -11); // month 0 of the year of rent
  const uuid = (prefix: string, expr: string) => `printf('${prefix}-0000-7000-8000-%012d', ${expr})`;
  await db.transaction(async (tx) => {
    const run = (text: string) => tx.run(sql.raw(text));
    await run(`insert into sites (id, code, name, created_at, updated_at)
      with recursive s(i) as (select 0 union all select i + 1 from s where i < 49)
      select ${uuid("00000001", "i")}, printf('S%02d', i), printf('Site %02d', i), '${now}', '${now}' from s`);
    const series = `with recursive n(i) as (select 0 union all select i + 1 from n where i < ${customers - 1})`;
    await run(`insert into units (id, site_id, number, building, aisle, padlock_state, gate_state, created_at, updated_at)
      ${series} select ${uuid("00000002", "i")}, ${uuid("00000001", "i % 50")}, printf('U%06d', i), 'A', printf('%d', (i / 50) % 20), 'none', 'active', '${now}', '${now}' from n`);
    const segment = `case i % ${SEGMENTS.length} ${SEGMENTS.map((s, k) => `when ${k} then '${s}'`).join(" ")} end`;
    const method = `case i % ${METHODS.length} ${METHODS.map((s, k) => `when ${k} then '${s}'`).join(" ")} end`;
    await run(`insert into customers (id, ref, kind, name, email, phone, payment_method, segment, stop, created_at, updated_at)
      ${series} select ${uuid("00000003", "i")}, printf('C%07d', i), case when i % 7 = 0 then 'company' else 'person' end, printf('Client %d', i),
        printf('client%d@exemple.test', i), '06 00 00 00 00', ${method}, ${segment}, case when i % 997 = 0 then 1 else 0 end, '${now}', '${now}' from n`);
    await run(`insert into contracts (id, ref, customer_id, unit_id, monthly_rent_cents, start_date, created_at, updated_at)
      ${series} select ${uuid("00000004", "i")}, printf('K%07d', i), ${uuid("00000003", "i")}, ${uuid("00000002", "i")}, 5000 + (i % 10) * 1000, '${addMonths(first, -6)}', '${now}', '${now}' from n`);
    const due = `date('${first}', printf('+%d months', m), printf('+%d days', i % 20))`;
    await run(`insert into invoices (id, ref, customer_id, contract_id, kind, issue_date, due_date, amount_cents, created_at, updated_at)
      ${series}, months(m) as (select 0 union all select m + 1 from months where m < 11)
      select printf('00000005-%04d-7000-8000-%012d', m, i), printf('F%07d-%02d', i, m), ${uuid("00000003", "i")}, ${uuid("00000004", "i")}, 'rent',
        date(${due}, '-10 days'), ${due}, 5000 + (i % 10) * 1000, '${now}', '${now}' from n, months`);
    const unpaidFrom = `(11 - (i % 3))`;
    await run(`insert into payments (id, ref, customer_id, invoice_id, date, amount_cents, method, status, created_at, updated_at)
      ${series}, months(m) as (select 0 union all select m + 1 from months where m < 11)
      select printf('00000006-%04d-7000-8000-%012d', m, i), printf('P%07d-%02d', i, m), ${uuid("00000003", "i")}, printf('00000005-%04d-7000-8000-%012d', m, i),
        date(${due}, printf('+%d days', i % 4)), 5000 + (i % 10) * 1000, ${method}, 'ok', '${now}', '${now}'
      from n, months where date(${due}, printf('+%d days', i % 4)) <= '${asOf}' and not (i % 10 = 0 and m >= ${unpaidFrom})`);
    await run(`insert into payments (id, ref, customer_id, invoice_id, date, amount_cents, method, status, reason, created_at, updated_at)
      ${series} select printf('00000007-0000-7000-8000-%012d', i), printf('R%07d', i), ${uuid("00000003", "i")}, printf('00000005-%04d-7000-8000-%012d', ${unpaidFrom}, i),
        date('${first}', printf('+%d months', ${unpaidFrom}), printf('+%d days', i % 20 + 3)), 5000 + (i % 10) * 1000, 'sepa', 'rejected', 'AM04', '${now}', '${now}'
      from n where i % 10 = 0 and i % ${METHODS.length} = 1`);
    const opened = `date('${first}', printf('+%d months', ${unpaidFrom}), printf('+%d days', i % 20))`;
    await run(`insert into cases (id, customer_id, status, opened_on, anchor_on, level, created_at, updated_at)
      ${series} select ${uuid("00000008", "i")}, ${uuid("00000003", "i")}, 'open', ${opened}, ${opened}, 'none', '${now}', '${now}'
      from n where i % 10 = 0 and ${opened} <= '${asOf}'`);
  });
  const [row] = await db.all<{ n: number }>(sql`select count(*) as n from cases where status = 'open'`);
  return { openCases: row!.n };
}

/** An invoices file of `lines` lines over the customers `fillChain` made, as the billing software writes it. */
export function invoicesCsv(lines: number, customers: number, asOf: CalendarDate, prefix = "FX"): Uint8Array {
  const fr = (d: CalendarDate) => d.split("-").reverse().join("/");
  const [issued, due] = [fr(addDays(asOf, -30)), fr(addDays(asOf, -20))];
  const rows = Array.from({ length: lines }, (_, i) => `${prefix}${i};C${String(i % customers).padStart(7, "0")};;${issued};${due};${49 + (i % 50)},90`);
  return new TextEncoder().encode(`\uFEFFinvoice_ref;customer_ref;contract_ref;issue_date;due_date;amount\r\n${rows.join("\r\n")}\r\n`);
}

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { migrateDatabase, openDatabase } from "../../server/db/client";
import { writeBulkData } from "../support/bulk";
import { buildDebtorDocs, floorCustomerIds } from "../../server/debtors/docs";
import { pullChanges } from "../../server/sync/pull";
import { v7 as uuidv7 } from "uuid";

const dir = mkdtempSync(join(tmpdir(), "cadenas-prof-"));
const h = await openDatabase(`file:${join(dir, "p.db")}`);
await migrateDatabase(h.db);
let t = performance.now();
const data = await writeBulkData(h.db, { debtors: 5000, changeRows: 100000 });
console.log("seed", performance.now() - t);
const scope = { all: false as const, siteIds: [data.siteId] };
const user = { id: data.userId } as any;
for (let k = 0; k < 3; k++) {
  t = performance.now();
  const ids = await floorCustomerIds(h.db, scope);
  console.log("floorCustomerIds", ids.length, (performance.now() - t).toFixed(1));
  const sorted = [...ids].sort().slice(0, 500);
  t = performance.now();
  const docs = await buildDebtorDocs(h.db, scope, sorted, "2026-11-22");
  console.log("buildDebtorDocs 500", docs.length, (performance.now() - t).toFixed(1));
  t = performance.now();
  const s = JSON.stringify(docs);
  console.log("stringify", s.length, (performance.now() - t).toFixed(1));
  t = performance.now();
  JSON.parse(s);
  console.log("parse", (performance.now() - t).toFixed(1));
  t = performance.now();
  const ten = await buildDebtorDocs(h.db, scope, sorted.slice(0, 10), "2026-11-22");
  console.log("buildDebtorDocs 10", ten.length, (performance.now() - t).toFixed(1));
}
// time the queries one by one on 500 and 10 ids
const ids = [...(await floorCustomerIds(h.db, scope))].sort();
for (const n of [500, 10]) {
  const list = ids.slice(0, n).map((x) => `'${x}'`).join(",");
  const qs: Record<string, string> = {
    customers: `select c.*, (coalesce((select sum(i.amount_cents) from invoices i where i.customer_id = c.id and i.due_date <= '2026-11-22'), 0) - coalesce((select sum(p.amount_cents) from payments p where p.customer_id = c.id and p.status = 'ok'), 0)) from customers c where c.id in (${list})`,
    cases: `select * from cases where customer_id in (${list}) order by status = 'open' desc, opened_on desc`,
    units: `select c.customer_id, u.* , s.code from contracts c join units u on u.id = c.unit_id join sites s on s.id = u.site_id where c.customer_id in (${list}) and u.site_id in ('${data.siteId}') and (c.end_date is null or c.end_date >= date('2026-11-22','-3 months'))`,
    tasks: `select * from tasks where customer_id in (${list}) and status = 'open' and site_id in ('${data.siteId}')`,
    invoices: `select i.customer_id, i.ref, i.due_date, i.amount_cents, coalesce((select sum(p.amount_cents) from payments p where p.invoice_id = i.id and p.status = 'ok'), 0) as paid_cents from invoices i where i.customer_id in (${list}) and i.amount_cents > coalesce((select sum(p.amount_cents) from payments p where p.invoice_id = i.id and p.status = 'ok'), 0) order by i.due_date`,
    history: `select customer_id, id, happened_at, kind, outcome, text, initials, unit_id, rejected_reason from (select a.*, row_number() over (partition by a.customer_id order by a.happened_at desc, a.id desc) as rank from actions a where a.customer_id in (${list})) where rank <= 25 order by customer_id, happened_at desc, id desc`,
    promise: `select customer_id, happened_at, data from (select a.customer_id, a.happened_at, a.data, row_number() over (partition by a.customer_id order by a.happened_at desc) as rank from actions a where a.kind = 'promise' and a.customer_id in (${list})) where rank = 1`,
  };
  for (const [name, q] of Object.entries(qs)) {
    const times = [];
    let rows = 0;
    for (let k = 0; k < 5; k++) {
      t = performance.now();
      rows = (await h.client.execute(q)).rows.length;
      times.push(performance.now() - t);
    }
    const plan = (await h.client.execute(`explain query plan ${q}`)).rows.map((r) => r.detail).join(" | ");
    console.log(n, name, rows, times.map((x) => x.toFixed(1)).join(" "), "\n    ", plan);
  }
}
// incremental pull direct
const clientId = uuidv7();
let first = await pullChanges(h.db, { clientId, cursor: null, user, scope, asOf: "2026-11-22", now: new Date() });
while (first.hasMore) first = await pullChanges(h.db, { clientId, cursor: null, page: first.nextPage, user, scope, asOf: "2026-11-22", now: new Date() });
let cursor = first.cursor;
const { markCustomersChanged } = await import("../../server/sync/changes");
const times = [];
for (let r = 0; r < 20; r++) {
  await markCustomersChanged(h.db, ids.slice(r * 10, r * 10 + 10));
  t = performance.now();
  const res = await pullChanges(h.db, { clientId, cursor, user, scope, asOf: "2026-11-22", now: new Date() });
  times.push(performance.now() - t);
  cursor = res.cursor;
}
console.log("incremental direct", times.map((x) => x.toFixed(1)).join(" "));
const q = `select distinct customer_id from sync_changes where version > 100 and version <= 200000 and site_id in ('${data.siteId}')`;
console.log((await h.client.execute(`explain query plan ${q}`)).rows.map((r) => r.detail).join(" | "));
h.close();
rmSync(dir, { recursive: true, force: true });

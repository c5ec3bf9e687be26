// Issue 19, first sync: where a debtor document's bytes go. Pulls a whole first sync as a new phone would, from the
// bulk site (500 debtors, then 5,000) and from the demo data `npm start` seeds, and splits the JSON per field:
// the keys' own bytes (repeated in every object), null values and empty lists, and each list's items by field.
// Prints the raw and brotli size of the whole first sync, and the bytes a debtor.
import { v7 as uuidv7 } from "uuid";
import { compress } from "../server/compress";
import type { PullResponse } from "../shared/schemas/debtor-doc";
import { startTestServer } from "../tests/support/server";
import { BULK_USER, startBulkServer } from "./support/bulk";
import { count, mib, ms, postJson, signIn } from "./support/measure";

/** A first sync: every page of a pull with no cursor. */
async function firstSync(url: string, cookie: string): Promise<PullResponse[]> {
  const pages: PullResponse[] = [];
  for (let page: string | null = null, clientId = uuidv7(); ; ) {
    const res: { status: number; body: PullResponse } = await postJson<PullResponse>(url, "/api/sync/pull", { clientId, cursor: null, page }, cookie);
    if (res.status !== 200) throw new Error(`pull answered ${res.status}`);
    pages.push(res.body);
    if (!res.body.hasMore) return pages;
    page = res.body.nextPage;
  }
}

/** Bytes by path (`history[].text`), each value's JSON with its key and comma, so the parts add up to the whole. */
class Tally {
  readonly byPath = new Map<string, number>();
  keys = 0;
  nulls = 0;
  empties = 0;
  nothing = 0;

  add(path: string, value: unknown): void {
    const own = Buffer.byteLength(JSON.stringify(value));
    if (value === null) this.nulls += own;
    if (Array.isArray(value) && value.length === 0) this.empties += own;
    if (Array.isArray(value) && value.length > 0) {
      // the brackets and commas between items
      this.bump(path, 2 + value.length - 1);
      for (const item of value) this.add(`${path}[]`, item);
    } else if (value && typeof value === "object" && Object.keys(value).length > 0) {
      const entries = Object.entries(value);
      this.bump(path, 2 + entries.length - 1);
      for (const [k, v] of entries) {
        const key = Buffer.byteLength(JSON.stringify(k)) + 1;
        this.keys += key;
        this.bump(`${path}.${k}`, key);
        // A field that says nothing: its key, its null or empty list, its comma.
        if (v === null || (Array.isArray(v) && v.length === 0)) this.nothing += key + Buffer.byteLength(JSON.stringify(v)) + 1;
        this.add(`${path}.${k}`, v);
      }
    } else {
      this.bump(path, own);
    }
  }

  private bump(path: string, bytes: number): void {
    this.byPath.set(path, (this.byPath.get(path) ?? 0) + bytes);
  }
}

async function report(label: string, url: string, cookie: string): Promise<void> {
  const started = performance.now();
  const pages = await firstSync(url, cookie);
  const pullMs = performance.now() - started;
  const docs = pages.flatMap((p) => p.docs);
  let raw = 0;
  let brotli = 0;
  for (const p of pages) {
    const body = Buffer.from(JSON.stringify(p));
    raw += body.byteLength;
    brotli += (await compress(body, "br")).byteLength;
  }
  const t = new Tally();
  for (const d of docs) t.add("doc", d);
  const docBytes = docs.reduce((s, d) => s + Buffer.byteLength(JSON.stringify(d)), 0);
  const per = (b: number) => `${count(b / docs.length).padStart(6)} B/debtor ${((100 * b) / docBytes).toFixed(1).padStart(5)} %`;
  const lines = (n: (d: PullResponse["docs"][number]) => number) => (docs.reduce((s, d) => s + n(d), 0) / docs.length).toFixed(1);
  console.log(`\n${label}: ${count(docs.length)} debtors, ${pages.length} pages in ${ms(pullMs)} · first sync ${count(raw)} B raw (${mib(raw)}), ${count(brotli)} B brotli (${mib(brotli)})`);
  console.log(`  ${count(docBytes / docs.length)} B a debtor raw, ${count(brotli / docs.length)} B brotli · a debtor has on average ${lines((d) => d.history.length)} listed history lines and ${lines((d) => d.earlier?.length ?? 0)} older ones in brief, ` +
    `${lines((d) => d.units.length)} units, ${lines((d) => d.invoices.length)} unpaid invoices, ${lines((d) => d.tasks.length)} open tasks`);
  // The top level (each field with its key and all inside it), then the lists' items by field.
  const subtree = new Map<string, number>();
  for (const [p, b] of t.byPath) {
    const field = /^doc\.([^.[\]]+)/.exec(p)?.[1];
    if (field) subtree.set(`doc.${field}`, (subtree.get(`doc.${field}`) ?? 0) + b);
  }
  const top = [...subtree].sort((a, b) => b[1] - a[1]);
  for (const [p, b] of top) console.log(`  ${p.slice(4).padEnd(34)} ${per(b)}`);
  console.log("  inside the lists and objects:");
  const inner = [...t.byPath].filter(([p]) => /^doc\.(history|earlier|units|invoices|tasks|case)/.test(p) && p.split(".").length > 2).sort((a, b) => b[1] - a[1]);
  for (const [p, b] of inner.slice(0, 30)) console.log(`    ${p.slice(4).padEnd(32)} ${per(b)}`);
  console.log(`  keys (repeated in every object) ${per(t.keys)} · null values (with their keys: more) ${per(t.nulls)} · empty lists/objects ${per(t.empties)}`);
  console.log(`  fields that say nothing (null or [], with key and comma) ${per(t.nothing)}`);
}

const started = performance.now();
for (const debtors of [500, 5_000]) {
  const bulk = await startBulkServer({ debtors });
  try {
    await report(`bulk site, ${count(debtors)} debtors`, bulk.url, await signIn(bulk.url, BULK_USER.email, BULK_USER.password));
  } finally {
    await bulk.close();
  }
}
const demo = await startTestServer();
try {
  for (const email of ["gestionnaire@demo.test", "manager@demo.test"]) await report(`demo data, ${email}`, demo.url, await signIn(demo.url, email, "demo"));
} finally {
  await demo.close();
}
console.log(`\ndoc-bytes bench took ${((performance.now() - started) / 1000).toFixed(1)} s`);

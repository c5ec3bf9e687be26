// Issue 4, imports: how long the office waits for the billing software's files at chain scale — 10,000 customers,
// then 100,000 invoice lines — as French Excel writes them (BOM, `;`, decimal comma, DD/MM/YYYY), and the same
// invoice file again (every line an update).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrateDatabase, openDatabase } from "../server/db/client";
import { importCsv } from "../server/imports/apply";
import { count, ms } from "./support/measure";

const CUSTOMERS = 10_000;
const INVOICES = 100_000;
const bom = "\ufeff";
const fr = (cents: number) => `${Math.floor(cents / 100)},${String(cents % 100).padStart(2, "0")}`;

const customersCsv =
  bom +
  "customer_ref;kind;name;email;phone;address;postal_code;city;payment_method;segment;stop\r\n" +
  Array.from({ length: CUSTOMERS }, (_, i) => `C${i};${i % 7 ? "particulier" : "société"};Client ${i};c${i}@exemple.test;06 00 00 00 00;${i} rue de la Paix;69007;Lyon;${["CB", "prélèvement", "virement", "chèque"][i % 4]};;0`).join("\r\n");
const invoicesCsv =
  bom +
  "invoice_ref;customer_ref;contract_ref;issue_date;due_date;amount\r\n" +
  Array.from({ length: INVOICES }, (_, i) => {
    const month = String((i % 12) + 1).padStart(2, "0");
    return `F${i};C${i % CUSTOMERS};;20/${month}/2025;01/${month}/2026;${fr(4_900 + (i % 50) * 100)}`;
  }).join("\r\n");

const dir = mkdtempSync(join(tmpdir(), "cadenas-bench-import-"));
const handle = await openDatabase(`file:${join(dir, "import.db")}`);
try {
  await migrateDatabase(handle.db);
  const enc = new TextEncoder();
  for (const [label, kind, text] of [
    [`${count(CUSTOMERS)} customers`, "customers", customersCsv],
    [`${count(INVOICES)} invoices`, "invoices", invoicesCsv],
    [`${count(INVOICES)} invoices again (updates)`, "invoices", invoicesCsv],
  ] as const) {
    const bytes = enc.encode(text);
    const started = performance.now();
    const report = await importCsv(handle.db, kind, bytes, { fileName: `${kind}.csv`, userId: null });
    const took = performance.now() - started;
    console.log(
      `${label} (${(bytes.byteLength / 1024 / 1024).toFixed(1)} MiB): ${ms(took)} · ${count(report.lines / (took / 1000))} lines/s · ` +
        `${report.ok ? `${count(report.created)} created, ${count(report.updated)} updated` : `refused: ${report.errors[0]?.message}`}`,
    );
  }
} finally {
  handle.close();
  rmSync(dir, { recursive: true, force: true });
}

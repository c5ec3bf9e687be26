// Issue 13, the office's Imports screen: 100,000 invoice lines through the route the screen uses — the file sent
// (`POST /api/imports/invoices/jobs`), then followed (`GET /api/imports/runs/{id}`) until its report — timed as the
// office lives it: until the first progress is shown, and until the report. Also how long the server takes to answer
// while it imports (it must not look frozen), and the longest wait between two answers that moved the bar.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ImportJobStatus } from "../shared/schemas/imports";
import { BENCH_TODAY } from "./support/bulk";
import { count, mib, ms, signIn, startServerProcess } from "./support/measure";

const CUSTOMERS = 10_000;
const INVOICES = 100_000;
/** The bench asks more often than the screen (every 400 ms), to see when the progress could first be shown. */
const POLL_MS = 50;
const fr = (cents: number) => `${Math.floor(cents / 100)},${String(cents % 100).padStart(2, "0")}`;

const customersCsv =
  "\ufeffcustomer_ref;kind;name;email;phone;address;postal_code;city;payment_method;segment;stop\r\n" +
  Array.from({ length: CUSTOMERS }, (_, i) => `BC${i};particulier;Client ${i};c${i}@exemple.test;;;;;CB;;0`).join("\r\n");
const invoicesCsv =
  "\ufeffinvoice_ref;customer_ref;contract_ref;issue_date;due_date;amount\r\n" +
  Array.from({ length: INVOICES }, (_, i) => {
    const month = String((i % 12) + 1).padStart(2, "0");
    return `BF${i};BC${i % CUSTOMERS};;20/${month}/2025;01/${month}/2026;${fr(4_900 + (i % 50) * 100)}`;
  }).join("\r\n");

const dir = mkdtempSync(join(tmpdir(), "cadenas-bench-import-route-"));
const server = await startServerProcess(dir, { DATABASE_URL: `file:${join(dir, "import.db")}`, DEMO_DATA: "auto", TODAY: BENCH_TODAY });
try {
  const cookie = await signIn(server.url, "bureau@demo.test", "demo");
  for (const [label, kind, text] of [
    [`${count(CUSTOMERS)} customers`, "customers", customersCsv],
    [`${count(INVOICES)} invoices`, "invoices", invoicesCsv],
    [`${count(INVOICES)} invoices again (updates)`, "invoices", invoicesCsv],
  ] as const) {
    const body = new TextEncoder().encode(text);
    const started = performance.now();
    const res = await fetch(`${server.url}/api/imports/${kind}/jobs?fileName=${kind}.csv`, { method: "POST", headers: { cookie, "content-type": "text/csv" }, body });
    const { id } = (await res.json()) as { id: string };
    const sent = performance.now() - started;
    let firstProgress: number | null = null;
    let lastMove = performance.now();
    let longestStill = 0;
    let slowestAnswer = 0;
    let previous = "";
    let final: ImportJobStatus;
    for (;;) {
      const asked = performance.now();
      const state = (await (await fetch(`${server.url}/api/imports/runs/${id}`, { headers: { cookie } })).json()) as ImportJobStatus;
      const now = performance.now();
      slowestAnswer = Math.max(slowestAnswer, now - asked);
      const shown = state.state === "running" ? `${state.phase}:${state.done}` : state.state;
      if (state.state === "running" && state.phase !== "waiting" && firstProgress === null) firstProgress = now - started;
      if (shown !== previous) {
        longestStill = Math.max(longestStill, now - lastMove);
        lastMove = now;
        previous = shown;
      }
      if (state.state !== "running") {
        final = state;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const took = performance.now() - started;
    const lines = final.state === "done" ? final.run.lines : 0;
    const outcome = final.state === "done" ? (final.run.ok ? `${count(final.run.created)} created, ${count(final.run.updated)} updated` : `refused: ${final.run.errors[0]?.message}`) : `failed: ${final.message}`;
    console.log(
      `${label} (${mib(body.byteLength)}): report after ${ms(took)} (${count(lines / (took / 1000))} lines/s) · file received ${ms(sent)} · ` +
        `first progress ${firstProgress === null ? "never" : ms(firstProgress)} · longest without the bar moving ${ms(longestStill)} · slowest progress answer ${ms(slowestAnswer)} · ${outcome}`,
    );
  }
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

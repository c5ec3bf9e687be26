// Issue 5, outbox: 10,000 queued e-mails delivered to a local SMTP server by the worker (target ≤ 60 s), none twice.
// The customers come in through the import (French CSV), the messages through the outbox's own queueing, the SMTP
// server is the `smtp-server` package on loopback counting each message by its Cadenas id.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { migrateDatabase, openDatabase } from "../server/db/client";
import { importCsv } from "../server/imports/apply";
import { queueMessages, type QueueRequest } from "../server/messaging/outbox";
import { createEmailSender, createSmsSender } from "../server/messaging/transports";
import { sendDueMessages } from "../server/messaging/worker";
import { customers } from "../server/customers/customers.sql";
import { count, ms } from "./support/measure";

const MESSAGES = Number(process.env.OUTBOX_BENCH_MESSAGES ?? 10_000);
const TODAY = "2026-11-23";
const bom = "\ufeff";

const dir = mkdtempSync(join(tmpdir(), "cadenas-bench-outbox-"));
const handle = await openDatabase(`file:${join(dir, "outbox.db")}`);
const seen = new Map<string, number>();
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS"],
  logger: false,
  onData(stream, _session, callback) {
    let head = "";
    stream.on("data", (chunk: Buffer) => {
      if (head.length < 4096) head += chunk.toString("utf8");
    });
    stream.on("end", () => {
      const id = /X-Cadenas-Message: (\S+)/i.exec(head)?.[1] ?? "?";
      seen.set(id, (seen.get(id) ?? 0) + 1);
      callback();
    });
  },
});
await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
// The worker sends no more at once than the SMTP pool has connections (4 by default, the most a crash leaves in
// doubt); a local server takes more, as an operator's relay may (`?maxConnections=` in SMTP_URL).
const smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}?maxConnections=16`;
const email = createEmailSender({ dataDir: dir, smtpUrl, mailFrom: "relances@cadenas.test" });

try {
  await migrateDatabase(handle.db);
  const db = handle.db;
  const enc = new TextEncoder();
  const lines = (header: string, row: (i: number) => string) => enc.encode(bom + header + "\r\n" + Array.from({ length: MESSAGES }, (_, i) => row(i)).join("\r\n"));
  await importCsv(db, "customers", lines("customer_ref;kind;name;email;phone;address;postal_code;city;payment_method;segment;stop", (i) => `C${i};particulier;Client ${i};c${i}@exemple.test;06 00 00 00 00;${i} rue de la Paix;69007;Lyon;virement;;0`), { fileName: "c.csv", userId: null });
  await importCsv(db, "contracts", lines("contract_ref;customer_ref;site_code;unit_number;monthly_rent;start_date;end_date", (i) => `K${i};C${i};LYO;B${i};89,00;01/01/2026;`), { fileName: "k.csv", userId: null });
  await importCsv(db, "invoices", lines("invoice_ref;customer_ref;contract_ref;issue_date;due_date;amount", (i) => `F${i};C${i};K${i};25/10/2026;02/11/2026;89,00`), { fileName: "f.csv", userId: null });
  const ids = await db.select({ id: customers.id }).from(customers);
  const requests: QueueRequest[] = ids.map((c, n) => ({ customerId: c.id, caseId: null, plannedActionId: `bench-${n}`, key: `bench|${n}`, step: "reminder", template: "box-reminder-email", channel: "email", purpose: "floor" }));
  let started = performance.now();
  for (let i = 0; i < requests.length; i += 1_000) await db.transaction((tx) => queueMessages(tx, requests.slice(i, i + 1_000), TODAY));
  console.log(`${count(MESSAGES)} e-mails queued (rendered for each customer) in ${ms(performance.now() - started)}`);

  started = performance.now();
  const result = await sendDueMessages(db, { email, sms: createSmsSender({ dataDir: dir }) }, { id: "bench", timeZone: "Europe/Paris", now: () => new Date("2026-11-23T09:00:00Z"), batch: 256 });
  const took = performance.now() - started;
  const twice = [...seen.values()].filter((n) => n > 1).length;
  console.log(
    `delivered to the local SMTP server: ${count(result.sent)} in ${ms(took)} (target ≤ 60,000 ms) · ${count(result.sent / (took / 1000))} e-mails/s · ` +
      `received ${count(seen.size)} distinct, ${twice} twice (expected 0), ${result.failed} failed, ${result.retried} to retry`,
  );
  if (result.sent !== MESSAGES || seen.size !== MESSAGES || twice > 0) process.exitCode = 1;
} finally {
  email.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  handle.close();
  rmSync(dir, { recursive: true, force: true });
}

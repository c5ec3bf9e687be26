// `npm run outbox`: sends what is due in the outbox now (e-mail, SMS), as the server's worker does, and prints what
// came of it. Several may run at once with the server: leases keep them from sending the same message.
import { migrateDatabase, openDatabase } from "../db/client";
import { loadConfig } from "../env";
import { sendDueMessages, transportsFor } from "../messaging/worker";

const config = loadConfig();
const handle = await openDatabase(config.databaseUrl, config.databaseAuthToken);
const transports = transportsFor(config);
try {
  await migrateDatabase(handle.db);
  const now = config.now ? () => new Date(config.now!) : undefined;
  const r = await sendDueMessages(handle.db, transports, { id: process.env.OUTBOX_WORKER_ID ?? `cli-${process.pid}`, timeZone: config.siteTimeZone, now });
  console.log(`Outbox: ${r.sent} sent, ${r.written} written to the local folder (not sent: no provider set), ${r.retried} to retry, ${r.failed} failed, ${r.cancelled} cancelled, ${r.postponed} postponed, ${r.unknown} to check, ${r.reconciled} found sent after an interruption.`);
} finally {
  transports.email.close();
  handle.close();
}

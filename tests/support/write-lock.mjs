// Another process holding the database's write lock, as another program (a backup, a second server, an admin's
// shell) would: "lock" asks for it (waiting while someone else writes), "release" gives it back. Its own process,
// so its wait for the lock never blocks the server under test.
import { createClient } from "@libsql/client";
import { createInterface } from "node:readline";

const client = createClient({ url: process.argv[2], timeout: 60_000 });
let tx = null;
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "lock") {
    tx = await client.transaction("write");
    await tx.execute("select count(*) from sync_clients");
    process.stdout.write("locked\n");
  } else if (line === "release") {
    await tx?.rollback();
    tx = null;
    process.stdout.write("released\n");
  }
}
client.close();

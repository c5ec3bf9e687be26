// `npm start`: the product, with an embedded database and demo data when the database is empty.
import { eq } from "drizzle-orm";
import { users } from "./auth/auth.sql";
import { loadConfig } from "./env";
import { startServer } from "./server";

const config = loadConfig();
const server = await startServer(config);
console.log(`Cadenas is running on ${server.url}  (database: ${config.databaseUrl})`);
const [demo] = await server.services.db.select({ id: users.id }).from(users).where(eq(users.email, "gestionnaire@demo.test")).limit(1);
if (demo) console.log("Demo accounts: gestionnaire@demo.test, manager@demo.test, bureau@demo.test — password: demo");

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    server.stop().then(() => process.exit(0));
  });
}

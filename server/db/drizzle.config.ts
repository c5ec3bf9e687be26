import { defineConfig } from "drizzle-kit";

// `npm run db:generate` writes a new migration after a schema change; migrations are committed and applied at start.
export default defineConfig({
  dialect: "turso",
  schema: "./server/db/schema.ts",
  out: "./server/db/migrations",
  dbCredentials: { url: process.env.DATABASE_URL ?? "file:data/cadenas.db" },
});

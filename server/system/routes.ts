import { sql } from "drizzle-orm";
import { z } from "zod";
import { createRouter, json, publicRoute } from "../http";

export const HealthResponse = z
  .object({ ok: z.boolean(), version: z.string(), database: z.enum(["ok", "unreachable"]), time: z.string() })
  .meta({ id: "Health" });

const health = publicRoute({
  method: "get",
  path: "/health",
  tags: ["system"],
  summary: "Liveness and database reachability; no session needed",
  responses: { 200: json(HealthResponse, "Up"), 503: json(HealthResponse, "Up, but the database does not answer") },
});

export const systemRoutes = createRouter().openapi(health, async (c) => {
  const { db } = c.get("services");
  const time = new Date().toISOString();
  const version = process.env.npm_package_version ?? "dev";
  try {
    await db.run(sql`select 1`);
    return c.json({ ok: true, version, database: "ok" as const, time }, 200);
  } catch {
    return c.json({ ok: false, version, database: "unreachable" as const, time }, 503);
  }
});

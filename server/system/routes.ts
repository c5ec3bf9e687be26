import { sql } from "drizzle-orm";
import { z } from "zod";
import { createRouter, json, publicRoute } from "../http";
import { readiness } from "../monitoring/readiness";

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

export const ReadinessResponse = z
  .object({
    ok: z.boolean(),
    database: z.enum(["ok", "unreachable"]),
    migrations: z.enum(["done", "pending", "unknown"]),
    pending: z.array(z.string()).optional().describe("The migrations this version has and the database has not applied"),
  })
  .meta({ id: "Readiness" });

const ready = publicRoute({
  method: "get",
  path: "/health/ready",
  tags: ["system"],
  summary: "Readiness: the database answers and every migration of this version is applied; no session needed",
  description: "For a load balancer's health check: send requests here only while it answers 200. `GET /health` says the process is alive.",
  responses: { 200: json(ReadinessResponse, "Ready"), 503: json(ReadinessResponse, "Not ready: what is wrong") },
});

export const systemRoutes = createRouter()
  .openapi(ready, async (c) => {
    const state = await readiness(c.get("services").db);
    return state.ok ? c.json({ ...state, ok: true }, 200) : c.json(state, 503);
  })
  .openapi(health, async (c) => {
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

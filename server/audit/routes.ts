import { and, desc, eq, gte, like, lt, or, type SQL } from "drizzle-orm";
import { addDays, zonedInstant } from "../../shared/dates";
import { AuditQuery, AuditResponse } from "../../shared/schemas/audit";
import { users } from "../auth/auth.sql";
import { AppError } from "../errors";
import { createRouter, errors, json, protectedRoute } from "../http";
import { auditLog } from "./audit.sql";

const listAudit = protectedRoute({
  method: "get",
  path: "/audit",
  tags: ["office"],
  summary: "The audit log, newest first: sign-ins and every change to users, sites, scenarios, templates and settings (office only)",
  request: { query: AuditQuery },
  responses: { 200: json(AuditResponse, "A page of the log"), ...errors(400, 401, 403) },
});

export const auditRoutes = createRouter().openapi(listAudit, async (c) => {
  if (c.get("user").role !== "office") throw new AppError("FORBIDDEN", "Le journal des modifications est réservé au bureau.");
  const { db, config } = c.get("services");
  const q = c.req.valid("query");
  const where: SQL[] = [];
  if (q.event) where.push(q.event.includes(".") ? eq(auditLog.event, q.event) : or(eq(auditLog.event, q.event), like(auditLog.event, `${q.event}.%`))!);
  if (q.userId) where.push(eq(auditLog.userId, q.userId));
  if (q.entity) where.push(eq(auditLog.entity, q.entity));
  // Days are the sites' calendar days, as everywhere the office reads a date.
  if (q.from) where.push(gte(auditLog.at, zonedInstant(q.from, "00:00", config.siteTimeZone)));
  if (q.to) where.push(lt(auditLog.at, zonedInstant(addDays(q.to, 1), "00:00", config.siteTimeZone)));
  if (q.before) where.push(lt(auditLog.id, q.before));
  const rows = await db
    .select({ entry: auditLog, userName: users.name, initials: users.initials })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.userId))
    .where(and(...where))
    .orderBy(desc(auditLog.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const events = await db.selectDistinct({ event: auditLog.event }).from(auditLog).orderBy(auditLog.event);
  return c.json(
    {
      entries: page.map(({ entry, userName, initials }) => ({
        id: entry.id,
        at: entry.at,
        user: entry.userId && userName ? { id: entry.userId, name: userName, initials: initials ?? "" } : null,
        address: entry.address,
        event: entry.event,
        entity: entry.entity,
        entityId: entry.entityId,
        details: entry.details ?? null,
      })),
      next: rows.length > q.limit ? page.at(-1)!.entry.id : null,
      events: events.map((e) => e.event),
    },
    200,
  );
});

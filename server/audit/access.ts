import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";
import { requestAddress } from "../request";
import { recordAudit } from "./audit";

/**
 * Two kinds of audit lines every route gets without writing them: a refused access (any 403 — a role that may not,
 * a cross-site request), and a file downloaded (a GET answered with an attachment: billing CSV, evidence pack,
 * letters, an import's report). Neither is a change of the data; they say who looked at or was denied what.
 */
export const auditAccess = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const status = c.res.status;
  const disposition = c.res.headers.get("content-disposition");
  const downloaded = c.req.method === "GET" && status === 200 && disposition !== null;
  if (status !== 403 && !downloaded) return;
  const { db } = c.get("services");
  const userId = c.get("user")?.id ?? null;
  const address = requestAddress(c);
  const entity = c.req.path.split("/")[2] ?? null;
  if (status === 403) {
    const code = await c.res
      .clone()
      .json()
      .then((b: { error?: { code?: string } }) => b.error?.code ?? null)
      .catch(() => null);
    await recordAudit(db, { event: "access.refused", userId, address, entity: entity ?? undefined, details: { method: c.req.method, path: c.req.path, code } });
    return;
  }
  const file = /filename="([^"]*)"/.exec(disposition!)?.[1] ?? null;
  await recordAudit(db, { event: "export.downloaded", userId, address, entity: entity ?? undefined, details: { path: c.req.path, file } });
});

import { z } from "zod";
import { Id } from "../../shared/schemas/common";
import { SiteBody, SiteItem, SitePatch, SitesResponse } from "../../shared/schemas/sites";
import { requestAddress } from "../request";
import { canSeeSite } from "../auth/scope";
import type { AppEnv } from "../context";
import type { Context } from "hono";
import { AppError } from "../errors";
import { createRouter, errors, json, protectedRoute } from "../http";
import { createSite, listSites, removeLogo, setLogo, siteLogo, updateSite, type Actor } from "./sites";

// The office's screen "Sites": the office creates and edits them; a Manager reads their own; the floor has none.

const OFFICE_ONLY = "Seul le bureau crée et modifie les sites.";
const NOT_FLOOR = "Les réglages des sites sont au bureau et chez le Manager.";

const SiteIdParam = z.object({ id: Id });
const image = (description: string) => ({ content: { "image/png": { schema: z.string() }, "image/jpeg": { schema: z.string() } }, description });

const list = protectedRoute({
  method: "get",
  path: "/sites",
  tags: ["office"],
  summary: "The sites: every one for the office, their own (read-only) for a Manager",
  responses: { 200: json(SitesResponse, "Sites"), ...errors(401, 403) },
});
const create = protectedRoute({
  method: "post",
  path: "/sites",
  tags: ["office"],
  summary: "Create a site (office only); its code is unique",
  request: { body: { ...json(SiteBody, "The site"), required: true } },
  responses: { 201: json(SiteItem, "The site created"), ...errors(400, 401, 403, 409) },
});
const edit = protectedRoute({
  method: "patch",
  path: "/sites/{id}",
  tags: ["office"],
  summary: "Change a site's settings (office only); `userIds`, when given, is the whole list of who works there",
  request: { params: SiteIdParam, body: { ...json(SitePatch, "The fields to change"), required: true } },
  responses: { 200: json(SiteItem, "The site"), ...errors(400, 401, 403, 404, 409) },
});
const putLogo = protectedRoute({
  method: "put",
  path: "/sites/{id}/logo",
  tags: ["office"],
  summary: "Set the letterhead's logo: a PNG or JPEG of at most 300 KB, checked by its content",
  request: { params: SiteIdParam, body: { ...image("The image"), required: true } },
  responses: { 200: json(SiteItem, "The site"), ...errors(400, 401, 403, 404, 413, 415) },
});
const deleteLogo = protectedRoute({
  method: "delete",
  path: "/sites/{id}/logo",
  tags: ["office"],
  summary: "Remove the letterhead's logo",
  request: { params: SiteIdParam },
  responses: { 200: json(SiteItem, "The site"), ...errors(401, 403, 404) },
});
const getLogo = protectedRoute({
  method: "get",
  path: "/sites/{id}/logo",
  tags: ["office"],
  summary: "The letterhead's logo",
  request: { params: SiteIdParam },
  responses: { 200: image("The logo"), ...errors(401, 403, 404) },
});

export const siteRoutes = createRouter()
  .openapi(list, async (c) => {
    const user = c.get("user");
    if (user.role === "site_manager") throw new AppError("FORBIDDEN", NOT_FLOOR);
    const { db, config } = c.get("services");
    return c.json({ sites: await listSites(db, c.get("scope"), config.siteTimeZone), defaultTimeZone: config.siteTimeZone, editable: user.role === "office" }, 200);
  })
  .openapi(create, async (c) => {
    const { db, config } = c.get("services");
    return c.json(await createSite(db, c.req.valid("json"), officeActor(c), config.siteTimeZone), 201);
  })
  .openapi(edit, async (c) => {
    const { db, config } = c.get("services");
    const who = officeActor(c);
    return c.json(await updateSite(db, c.req.valid("param").id, c.req.valid("json"), who, config.siteTimeZone), 200);
  })
  .openapi(putLogo, async (c) => {
    const { db, config } = c.get("services");
    const who = officeActor(c);
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    return c.json(await setLogo(db, c.req.valid("param").id, bytes, c.req.header("content-type"), who, config.siteTimeZone), 200);
  })
  .openapi(deleteLogo, async (c) => {
    const { db, config } = c.get("services");
    const who = officeActor(c);
    return c.json(await removeLogo(db, c.req.valid("param").id, who, config.siteTimeZone), 200);
  })
  .openapi(getLogo, async (c) => {
    if (c.get("user").role === "site_manager") throw new AppError("FORBIDDEN", NOT_FLOOR);
    const { id } = c.req.valid("param");
    const logo = canSeeSite(c.get("scope"), id) ? await siteLogo(c.get("services").db, id) : null;
    if (!logo) throw new AppError("NOT_FOUND", "Pas de logo pour ce site.");
    return c.body(Buffer.from(logo.bytes), 200, { "content-type": logo.type, "cache-control": "private, no-cache" });
  });

/** The office, or a 403: only the office changes sites. */
function officeActor(c: Context<AppEnv>): Actor {
  const user = c.get("user");
  if (user.role !== "office") throw new AppError("FORBIDDEN", OFFICE_ONLY);
  return { userId: user.id, address: requestAddress(c) };
}

import { z } from "zod";
import { AppError } from "../errors";
import { createRouter, errors, json, protectedRoute } from "../http";
import { blobState, MAX_PHOTO_BYTES, parseContentRange, readBlob, receivePiece, SHA256 } from "./blobs";

const Sha256Param = z.object({ sha256: z.string().regex(SHA256, "SHA-256 : 64 caractères hexadécimaux en minuscules") });

const BlobStateSchema = z
  .object({ sha256: z.string(), received: z.number().int(), complete: z.boolean(), size: z.number().int().nullable(), mime: z.string().nullable() })
  .meta({ id: "BlobState" });

const put = protectedRoute({
  method: "put",
  path: "/blobs/{sha256}",
  tags: ["floor"],
  summary: "Upload a photo's bytes, whole or a piece at a time (Content-Range); verified against its SHA-256",
  description:
    "Idempotent: a photo the server holds is answered `complete` at once. After a drop, `GET /blobs/{sha256}/status` " +
    `says how many bytes arrived; send the rest from there. JPEG, PNG or WebP, at most ${MAX_PHOTO_BYTES / 1024 / 1024} MiB. ` +
    "A file that is not an image (415), too large (413), or whose bytes do not hash to the address (422 HASH_MISMATCH) is refused and nothing is kept.",
  request: { params: Sha256Param, body: { content: { "application/octet-stream": { schema: z.string() } }, required: true } },
  responses: { 200: json(BlobStateSchema, "Where the upload stands"), ...errors(400, 401, 409, 413, 415, 422) },
});

const status = protectedRoute({
  method: "get",
  path: "/blobs/{sha256}/status",
  tags: ["floor"],
  summary: "How many bytes of a photo the server holds, and whether it is complete",
  request: { params: Sha256Param },
  responses: { 200: json(BlobStateSchema, "Where the upload stands"), ...errors(400, 401) },
});

const get = protectedRoute({
  method: "get",
  path: "/blobs/{sha256}",
  tags: ["office"],
  summary: "A photo's bytes",
  request: { params: Sha256Param },
  responses: { 200: { content: { "image/jpeg": { schema: z.string() } }, description: "The photo" }, ...errors(400, 401, 404) },
});

export const blobRoutes = createRouter()
  .openapi(put, async (c) => {
    const { db, config, clock } = c.get("services");
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const { start, total } = parseContentRange(c.req.header("content-range"), bytes.length);
    const state = await receivePiece(db, config.dataDir, c.req.valid("param").sha256, { start, total, bytes }, { userId: c.get("user").id, now: clock.now() });
    return c.json(state, 200);
  })
  .openapi(status, async (c) => {
    const { db, config } = c.get("services");
    return c.json(await blobState(db, config.dataDir, c.req.valid("param").sha256), 200);
  })
  .openapi(get, async (c) => {
    const { db, config } = c.get("services");
    const { sha256 } = c.req.valid("param");
    const state = await blobState(db, config.dataDir, sha256);
    const bytes = state.complete ? readBlob(config.dataDir, sha256) : null;
    if (!bytes) throw new AppError("NOT_FOUND", "Photo introuvable (pas encore reçue en entier ?).");
    return c.body(new Uint8Array(bytes), 200, { "content-type": state.mime ?? "application/octet-stream", "cache-control": "private, max-age=31536000, immutable" });
  });

import { promisify } from "node:util";
import { gzip, gzipSync } from "node:zlib";
import type { MiddlewareHandler } from "hono";

const gzipAsync = promisify(gzip);
const COMPRESSIBLE = /^(?:application\/(?:json|javascript|manifest\+json)|text\/|image\/svg\+xml)/;
/** Under this, gzip saves less than the header costs. */
const THRESHOLD = 1024;
/** Over this, compressing takes long enough (a millisecond and more) to be worth the hop to the thread pool. */
const OFF_THREAD = 64 * 1024;

/**
 * Gzips answers for clients that accept it: phones on weak 4G pull megabytes of JSON on a first sync. Hono's own
 * `compress()` pipes every answer, however small, through a web CompressionStream, which cost about a millisecond
 * on each request here; this reads the body whole (answers are JSON or built files, never open-ended streams),
 * compresses big ones on libuv's thread pool, so the event loop goes on serving meanwhile (small ones at once:
 * the hop costs more than the work), and answers tiny bodies as they are, with their length.
 */
export function compressAnswers(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const res = c.res;
    if (!res.body || c.req.method === "HEAD" || res.status === 204 || res.status === 206 || res.headers.has("Content-Encoding")) return;
    if (!COMPRESSIBLE.test(res.headers.get("Content-Type") ?? "") || /no-transform/i.test(res.headers.get("Cache-Control") ?? "")) return;
    const body = Buffer.from(await res.arrayBuffer());
    const headers = new Headers(res.headers);
    headers.append("Vary", "Accept-Encoding");
    const accepts = /\bgzip\b/i.test(c.req.header("Accept-Encoding") ?? "");
    const out =
      !accepts || body.byteLength < THRESHOLD ? body : body.byteLength < OFF_THREAD ? gzipSync(body, { level: 6 }) : await gzipAsync(body, { level: 6 });
    if (out !== body) {
      headers.set("Content-Encoding", "gzip");
      const etag = headers.get("ETag");
      if (etag && !etag.startsWith("W/")) headers.set("ETag", `W/${etag}`);
    }
    headers.set("Content-Length", String(out.byteLength));
    // Cleared first: assigning over a response copies the old one's headers (its Content-Length among them).
    c.res = undefined;
    c.res = new Response(out, { status: res.status, statusText: res.statusText, headers });
  };
}

import { promisify } from "node:util";
import { brotliCompress, brotliCompressSync, constants, gzip, gzipSync } from "node:zlib";
import type { MiddlewareHandler } from "hono";

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);
const COMPRESSIBLE = /^(?:application\/(?:json|x-ndjson|javascript|manifest\+json)|text\/|image\/svg\+xml)/;
/** Under this, gzip saves less than the header costs. */
const THRESHOLD = 1024;
/** Over this, compressing takes long enough (a millisecond and more) to be worth the hop to the thread pool. */
const OFF_THREAD = 64 * 1024;

/**
 * Compresses answers for clients that accept it — brotli where they say so (browsers over HTTPS), else gzip:
 * phones on weak 4G pull megabytes of JSON on a first sync. Hono's own `compress()` pipes every answer, however
 * small, through a web CompressionStream, which cost about a millisecond on each request here; this reads the body
 * whole (answers are JSON, JSON lines or built files, never open-ended streams), compresses big ones on libuv's thread pool, so
 * the event loop goes on serving meanwhile (small ones at once: the hop costs more than the work), and answers tiny
 * bodies as they are, with their length.
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
    const encoding = body.byteLength < THRESHOLD ? null : encodingFor(c.req.header("Accept-Encoding") ?? "");
    const out = encoding ? await compress(body, encoding) : body;
    if (encoding) {
      headers.set("Content-Encoding", encoding);
      const etag = headers.get("ETag");
      if (etag && !etag.startsWith("W/")) headers.set("ETag", `W/${etag}`);
    }
    headers.set("Content-Length", String(out.byteLength));
    // Cleared first: assigning over a response copies the old one's headers (its Content-Length among them).
    c.res = undefined;
    c.res = new Response(out as Uint8Array<ArrayBuffer>, { status: res.status, statusText: res.statusText, headers });
  };
}

export type Encoding = "br" | "gzip";

/** brotli when the client lists it, gzip when it lists that, else none (a `;q=0` refuses it). */
export function encodingFor(acceptEncoding: string): Encoding | null {
  const accepted = new Set(
    acceptEncoding
      .split(",")
      .map((part) => part.trim().toLowerCase().split(";"))
      .filter(([, q]) => !q || !/^\s*q\s*=\s*0(\.0*)?\s*$/.test(q))
      .map(([name]) => name),
  );
  return accepted.has("br") ? "br" : accepted.has("gzip") ? "gzip" : null;
}

/**
 * Brotli at quality 5: on the sync's JSON it is about as fast as gzip at 6 and some 15 % smaller (the highest
 * qualities cost tens of milliseconds on a 500-debtor page, paid on every request).
 */
const BROTLI = { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT } };

export async function compress(body: Buffer, encoding: Encoding): Promise<Buffer> {
  if (encoding === "br") return body.byteLength < OFF_THREAD ? brotliCompressSync(body, BROTLI) : brotliAsync(body, BROTLI);
  return body.byteLength < OFF_THREAD ? gzipSync(body, { level: 6 }) : gzipAsync(body, { level: 6 });
}

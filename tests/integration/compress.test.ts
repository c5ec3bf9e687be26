import { request } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { encodingFor } from "../../server/compress";
import { afterAll, beforeAll, expect, it } from "vitest";
import { signIn, startTestServer, type TestServer } from "../support/server";

// Answers go gzip-compressed to clients that accept it (phones on 4G pull megabytes), with the right headers;
// tiny ones and clients that do not accept gzip get the body as it is, with its length. Read with node:http, which,
// unlike fetch, shows the bytes as they came.

let server: TestServer;
let cookie: string;
beforeAll(async () => {
  server = await startTestServer();
  cookie = await signIn(server.url, "bureau@demo.test");
});
afterAll(() => server.close());

function get(path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

it("sends a large answer in brotli to a client that lists it, smaller than gzip, and the same JSON", async () => {
  const br = await get("/api/today", { cookie, "accept-encoding": "gzip, deflate, br, zstd" });
  expect(br.headers["content-encoding"]).toBe("br");
  expect(br.headers.vary).toMatch(/accept-encoding/i);
  expect(Number(br.headers["content-length"])).toBe(br.body.byteLength);
  const gz = await get("/api/today", { cookie, "accept-encoding": "gzip, deflate" });
  expect(gz.headers["content-encoding"]).toBe("gzip");
  expect(brotliDecompressSync(br.body).toString()).toBe(gunzipSync(gz.body).toString());
  expect(br.body.byteLength).toBeLessThan(gz.body.byteLength);
});

it("reads Accept-Encoding as browsers and proxies write it, a q of 0 refusing", () => {
  expect(encodingFor("gzip, deflate, br, zstd")).toBe("br");
  expect(encodingFor("gzip;q=1.0, br;q=0")).toBe("gzip");
  expect(encodingFor("BR")).toBe("br");
  expect(encodingFor("gzip; q=0.5")).toBe("gzip");
  expect(encodingFor("identity")).toBeNull();
  expect(encodingFor("")).toBeNull();
});

it("gzips a large answer for a client that accepts gzip, and sends it plain to one that accepts nothing", async () => {
  const zipped = await get("/api/today", { cookie, "accept-encoding": "gzip, deflate" });
  expect(zipped.status).toBe(200);
  expect(zipped.headers["content-encoding"]).toBe("gzip");
  expect(zipped.headers.vary).toMatch(/accept-encoding/i);
  expect(Number(zipped.headers["content-length"])).toBe(zipped.body.byteLength);
  const plain = await get("/api/today", { cookie, "accept-encoding": "identity" });
  expect(plain.headers["content-encoding"]).toBeUndefined();
  expect(Number(plain.headers["content-length"])).toBe(plain.body.byteLength);
  expect(gunzipSync(zipped.body).toString()).toBe(plain.body.toString());
  expect(zipped.body.byteLength).toBeLessThan(plain.body.byteLength / 3);
  expect(JSON.parse(plain.body.toString()).debtors.length).toBeGreaterThan(10);
});

it("leaves a tiny answer as it is, and keeps an error's body and status", async () => {
  const health = await get("/api/health", { "accept-encoding": "gzip" });
  expect(health.headers["content-encoding"]).toBeUndefined();
  expect(JSON.parse(health.body.toString())).toMatchObject({ ok: true });
  const missing = await get("/api/nope", { "accept-encoding": "gzip" });
  expect(missing.status).toBe(404);
  expect(JSON.parse(missing.body.toString())).toMatchObject({ error: { code: "NOT_FOUND" } });
});

import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AwsClient } from "aws4fetch";
import S3rver from "s3rver";
import { freePort } from "./net";

/**
 * A local S3-compatible store for the tests: s3rver (its credentials are `S3RVER`/`S3RVER`) over a temp folder, with
 * one bucket, behind a small proxy that the test can turn into a failing store — answering 503 to everything, or
 * cutting every connection — and back. The server under test is given the proxy's address (`env`); the test reads
 * the bucket directly (`keys`, `get`) with the same client the server uses.
 */
export interface LocalS3 {
  /** What to give `startTestServer({ env })`. */
  env: Record<string, string>;
  bucket: string;
  /** `pass`: the store answers; `503`: it answers 503 to every request; `refuse`: it cuts every connection. */
  fail(mode: "pass" | "503" | "refuse"): void;
  /** Requests that reached the proxy since the start. */
  requests(): number;
  /** The keys under a prefix, read from the store itself. */
  keys(prefix?: string): Promise<string[]>;
  get(key: string): Promise<{ bytes: Buffer; type: string | null } | null>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

export async function startLocalS3(options: { bucket?: string; prefix?: string } = {}): Promise<LocalS3> {
  const bucket = options.bucket ?? "cadenas";
  const dir = mkdtempSync(join(tmpdir(), "cadenas-s3-"));
  const s3Port = await freePort();
  const s3 = new S3rver({ port: s3Port, address: "127.0.0.1", silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  await s3.run();
  const direct = `http://127.0.0.1:${s3Port}`;

  let mode: "pass" | "503" | "refuse" = "pass";
  let seen = 0;
  const proxy: Server = createServer((req, res) => {
    seen++;
    if (mode === "refuse") {
      req.socket.destroy();
      return;
    }
    if (mode === "503") {
      req.resume();
      res.writeHead(503, { "content-type": "application/xml" }).end("<Error><Code>SlowDown</Code></Error>");
      return;
    }
    // Headers as they came (the Host the client signed included): s3rver checks the signature against them.
    const upstream = request({ host: "127.0.0.1", port: s3Port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  const proxyPort = await freePort();
  await new Promise<void>((resolve) => proxy.listen(proxyPort, "127.0.0.1", resolve));

  const client = new AwsClient({ accessKeyId: "S3RVER", secretAccessKey: "S3RVER", region: "us-east-1", service: "s3", retries: 0 });
  const url = (key: string) => `${direct}/${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
  return {
    env: {
      STORAGE_URL: `s3://${bucket}${options.prefix ? `/${options.prefix}` : ""}`,
      S3_ENDPOINT: `http://127.0.0.1:${proxyPort}`,
      S3_ACCESS_KEY_ID: "S3RVER",
      S3_SECRET_ACCESS_KEY: "S3RVER",
    },
    bucket,
    fail(m) {
      mode = m;
    },
    requests: () => seen,
    async keys(prefix = "") {
      const res = await client.fetch(`${direct}/${bucket}?list-type=2&prefix=${encodeURIComponent(prefix)}`);
      if (!res.ok) throw new Error(`listing ${bucket}: HTTP ${res.status}`);
      return [...(await res.text()).matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]!).sort();
    },
    async get(key) {
      const res = await client.fetch(url(key));
      if (res.status === 404) return null;
      if (!res.ok) throw new Error(`reading ${key}: HTTP ${res.status}`);
      return { bytes: Buffer.from(await res.arrayBuffer()), type: res.headers.get("content-type") };
    },
    async delete(key) {
      const res = await client.fetch(url(key), { method: "DELETE" });
      if (!res.ok) throw new Error(`deleting ${key}: HTTP ${res.status}`);
    },
    async close() {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await s3.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { photos } from "../../server/evidence/evidence.sql";
import { sniffImage } from "../../server/evidence/blobs";
import { signIn, startTestServer, type TestServer } from "../support/server";

// Photo bytes: sent whole or in pieces after a drop, verified against their SHA-256, refused with a clear 4xx when
// they are not a photo, too large or not what the address says — and then nothing of them is kept.

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "photos");
const door = readFileSync(join(FIXTURES, "door.jpg"));
const padlock = readFileSync(join(FIXTURES, "padlock.png"));
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

let server: TestServer;
let floor: string;
beforeAll(async () => {
  server = await startTestServer();
  floor = await signIn(server.url, "gestionnaire@demo.test");
});
afterAll(() => server.close());

const put = (hash: string, body: Uint8Array, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/api/blobs/${hash}`, { method: "PUT", headers: { cookie: floor, "content-type": "application/octet-stream", ...headers }, body: body as unknown as BodyInit });
const status = async (hash: string) => (await fetch(`${server.url}/api/blobs/${hash}/status`, { headers: { cookie: floor } })).json();
/** Pieces of unfinished uploads still on disk (each user's are in a folder of their own). */
const leftovers = () => {
  const dir = join(server.dir, "blobs", "partial");
  return existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name) : [];
};

describe("a photo sent whole", () => {
  it("is kept under its hash, with its type and size; sending it again is answered at once", async () => {
    const hash = sha(door);
    const res = await put(hash, door);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sha256: hash, received: door.length, complete: true, size: door.length, mime: "image/jpeg" });
    const [row] = await server.services.db.select().from(photos).where(eq(photos.sha256, hash));
    expect(row).toMatchObject({ sizeBytes: door.length, mime: "image/jpeg", width: 497, height: 702 });
    expect((await put(hash, door)).status).toBe(200);
    const back = await fetch(`${server.url}/api/blobs/${hash}`, { headers: { cookie: floor } });
    expect(back.headers.get("content-type")).toBe("image/jpeg");
    expect(sha(new Uint8Array(await back.arrayBuffer()))).toBe(hash);
    expect((await put(sha(padlock), padlock)).status).toBe(200);
  });

  it("needs a session", async () => {
    const res = await fetch(`${server.url}/api/blobs/${sha(door)}`, { method: "PUT", body: door });
    expect(res.status).toBe(401);
  });
});

describe("a 3 MB photo cut by a network drop", () => {
  it("resumes from where the server got to and completes; a piece at the wrong place is told where to resume", async () => {
    // A real JPEG header followed by 3 MB of data (a JPEG may carry trailing bytes).
    const big = new Uint8Array(Buffer.concat([door, randomBytes(3 * 1024 * 1024)]));
    const hash = sha(big);
    const total = big.length;
    const first = 1024 * 1024;
    const a = await put(hash, big.subarray(0, first), { "content-range": `bytes 0-${first - 1}/${total}` });
    expect(await a.json()).toMatchObject({ received: first, complete: false });
    // The drop: the phone asks where to resume.
    expect(await status(hash)).toMatchObject({ received: first, complete: false });
    const wrong = await put(hash, big.subarray(first + 10, first + 20), { "content-range": `bytes ${first + 10}-${first + 19}/${total}` });
    expect(wrong.status).toBe(409);
    expect((await wrong.json()).error.details).toEqual({ received: first });
    const rest = await put(hash, big.subarray(first), { "content-range": `bytes ${first}-${total - 1}/${total}` });
    expect(await rest.json()).toMatchObject({ received: total, complete: true, mime: "image/jpeg" });
    expect(leftovers()).toEqual([]);
  });
});

describe("bad input, each refused with a clear 4xx, nothing stored", () => {
  it("a file that is not a photo: 415", async () => {
    const pdf = new TextEncoder().encode("%PDF-1.7\nnot a photo at all, really not\n");
    const res = await put(sha(pdf), pdf);
    expect(res.status).toBe(415);
    expect((await res.json()).error.message).toBe("Ce fichier n'est pas une photo (JPEG, PNG ou WebP attendu).");
    expect(await status(sha(pdf))).toMatchObject({ received: 0, complete: false });
  });

  it("a 50 MB file: 413 before it is read", async () => {
    const huge = new Uint8Array(50 * 1024 * 1024);
    huge.set(door.subarray(0, 16));
    const res = await put("a".repeat(64), huge);
    expect(res.status).toBe(413);
    expect((await res.json()).error.message).toContain("Photo de plus de 20 Mo");
    const declared = await put("b".repeat(64), door.subarray(0, 1024), { "content-range": `bytes 0-1023/${50 * 1024 * 1024}` });
    expect(declared.status).toBe(413);
    expect(await status("b".repeat(64))).toMatchObject({ received: 0 });
  });

  it("bytes that do not hash to the address: 422, the partial upload dropped", async () => {
    const claimed = sha(padlock).replace(/^./, (c) => (c === "0" ? "1" : "0"));
    const res = await put(claimed, padlock);
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error.code).toBe("HASH_MISMATCH");
    expect(body.error.details.actual).toBe(sha(padlock));
    expect(await status(claimed)).toMatchObject({ received: 0, complete: false });
    expect(await server.services.db.select().from(photos).where(eq(photos.sha256, claimed))).toEqual([]);
    expect(leftovers()).toEqual([]);
  });

  it("an address that is not a SHA-256, a garbled range: 400", async () => {
    expect((await put("not-a-hash", door)).status).toBe(400);
    const res = await put(sha(door).replace(/^./, "f"), door, { "content-range": "bytes 0-10/5" });
    expect(res.status).toBe(400);
  });
});

describe("image types", () => {
  it("knows JPEG, PNG and WebP by their bytes, with their size", () => {
    expect(sniffImage(door)).toEqual({ mime: "image/jpeg", width: 497, height: 702 });
    expect(sniffImage(padlock)).toEqual({ mime: "image/png", width: 373, height: 527 });
    const webp = new Uint8Array(30);
    webp.set(new TextEncoder().encode("RIFF\0\0\0\0WEBPVP8X"), 0);
    webp.set([0x1f, 0x06, 0x00, 0x3f, 0x06, 0x00], 24); // 1600 × 1600
    expect(sniffImage(webp)).toEqual({ mime: "image/webp", width: 1568, height: 1600 });
    expect(sniffImage(new TextEncoder().encode("GIF89a and so on......"))).toBeNull();
  });
});

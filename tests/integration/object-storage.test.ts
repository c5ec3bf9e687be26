import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBackup } from "../../server/backup/backup";
import { verifyChain } from "../../server/evidence/chain";
import { evidenceRecords, photos } from "../../server/evidence/evidence.sql";
import { cases } from "../../server/cases/cases.sql";
import { loadConfig } from "../../server/env";
import { openStore } from "../../server/storage/store";
import { queueMessages } from "../../server/messaging/outbox";
import { storedLetterPdf } from "../../server/messaging/letters";
import { letterBatches, letterPrints } from "../../server/messaging/letters.sql";
import { MUTATION_VERSION } from "../../shared/schemas/mutations";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import type { PrintResponse } from "../../shared/schemas/messages";
import { keepDraft, uploadQueued, type Fetch } from "../../client/store/photos";
import { pngImage } from "../support/images";
import { SimulatedPhone } from "../support/phone";
import { startLocalS3, type LocalS3 } from "../support/s3";
import { call, signIn, startTestServer, TEST_TODAY, type TestServer } from "../support/server";

// STORAGE_URL=s3://…: photos, printed letters (and hand-over ZIPs) go to an S3-compatible bucket — here s3rver behind
// a proxy the test can make fail. The pieces of an upload stay in DATA_DIR until the photo is whole; it is received
// only once the bucket holds it; users read it through the API with the same site checks, never from the bucket.

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const key = (hash: string) => `lyon/blobs/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`;

let s3: LocalS3;
let server: TestServer;
/** Site managers of Lyon and of Villeurbanne, the office. */
const who = {} as Record<"vt" | "bo" | "office", string>;

beforeAll(async () => {
  s3 = await startLocalS3({ prefix: "lyon" });
  server = await startTestServer({ env: s3.env });
  [who.vt, who.bo, who.office] = (await Promise.all(["gestionnaire@demo.test", "gestionnaire2@demo.test", "bureau@demo.test"].map((e) => signIn(server.url, e)))) as [string, string, string];
});
afterAll(async () => {
  await server?.close();
  await s3?.close();
});

const put = (cookie: string, hash: string, body: Uint8Array, range: string) =>
  fetch(`${server.url}/api/blobs/${hash}`, { method: "PUT", headers: { cookie, "content-type": "application/octet-stream", "content-range": range }, body: body as unknown as BodyInit });
/** Sends a photo in two pieces; the answers of both. */
async function inTwoPieces(cookie: string, bytes: Uint8Array) {
  const half = Math.floor(bytes.length / 2);
  const first = await put(cookie, sha(bytes), bytes.subarray(0, half), `bytes 0-${half - 1}/${bytes.length}`);
  const last = () => put(cookie, sha(bytes), bytes.subarray(half), `bytes ${half}-${bytes.length - 1}/${bytes.length}`);
  return { first: { status: first.status, body: await first.json() }, last };
}
const received = async (hash: string) => (await server.services.db.select().from(photos).where(eq(photos.sha256, hash))).length > 0;
const partFiles = () => {
  const root = join(server.dir, "blobs", "partial");
  return existsSync(root) ? readdirSync(root, { recursive: true }).filter((f) => String(f).endsWith(".part")) : [];
};

const clientId = uuidv7();
let seq = 0;
/** A padlock placed by Valérie (Lyon) on one of her boxes with this photo: the evidence record that names it. */
async function padlockWith(photoSha: string): Promise<void> {
  const pulled = await call<{ docs: DebtorDoc[] }>(server.url, "POST", "/api/sync/pull", { cookie: who.vt, body: { clientId, cursor: null, page: null } });
  const unit = pulled.body.docs.flatMap((d) => d.units).find((u) => u.padlock === "none")!;
  const res = await call(server.url, "POST", "/api/sync/push", {
    cookie: who.vt,
    body: { clientId, mutations: [{ id: uuidv7(), seq: ++seq, v: MUTATION_VERSION, kind: "padlock.placed", payload: { unitId: unit.id, padlockNumber: "5150", photos: [photoSha] }, happenedAt: server.services.clock.now().toISOString() }] },
  });
  expect(res.body.results[0].status).toBe("applied");
}

describe("photos in object storage", () => {
  const door = pngImage(60, 40, { noise: true });
  const hash = sha(door);

  it("keeps a photo sent in two pieces in the bucket under its hash, not in DATA_DIR", async () => {
    const { first, last } = await inTwoPieces(who.vt, door);
    expect(first).toMatchObject({ status: 200, body: { received: Math.floor(door.length / 2), complete: false } });
    // The piece waits in DATA_DIR; nothing is in the bucket yet.
    expect(partFiles()).toHaveLength(1);
    expect(await s3.keys("lyon/blobs/")).toEqual([]);
    const done = await last();
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ sha256: hash, complete: true, size: door.length, mime: "image/png" });

    expect(await s3.keys("lyon/blobs/")).toEqual([key(hash)]);
    const object = await s3.get(key(hash));
    expect(sha(object!.bytes)).toBe(hash);
    expect(object!.type).toBe("image/png");
    expect(existsSync(join(server.dir, "blobs", hash.slice(0, 2)))).toBe(false);
    expect(partFiles()).toEqual([]);
    expect(await received(hash)).toBe(true);
  });

  it("serves it through the API with the site checks: its bytes and type to Lyon, 404 to Villeurbanne", async () => {
    await padlockWith(hash);
    const mine = await fetch(`${server.url}/api/blobs/${hash}`, { headers: { cookie: who.vt } });
    expect(mine.status).toBe(200);
    expect(mine.headers.get("content-type")).toBe("image/png");
    expect(sha(new Uint8Array(await mine.arrayBuffer()))).toBe(hash);
    const theirs = await fetch(`${server.url}/api/blobs/${hash}`, { headers: { cookie: who.bo } });
    expect(theirs.status).toBe(404);
    expect((await theirs.json()).error.code).toBe("NOT_FOUND");
    // Nor are they told the server holds it.
    expect((await call(server.url, "GET", `/api/blobs/${hash}/status`, { cookie: who.bo })).body).toMatchObject({ received: 0, complete: false });
  });

  it("checks the evidence chain against the bucket: intact, then a photo gone from it is named", async () => {
    const [record] = (await server.services.db.select().from(evidenceRecords)).filter((r) => r.photos.includes(hash));
    const intact = await verifyChain(server.services.db, server.dir, record!.chain);
    expect(intact).toMatchObject({ ok: true, photosPending: [], problems: [] });
    await s3.delete(key(hash));
    const broken = await verifyChain(server.services.db, server.dir, record!.chain);
    expect(broken.ok).toBe(false);
    expect(broken.problems).toEqual([`photo ${hash.slice(0, 12)}… : fichier disparu`]);
    // The phone that still holds it sends it again (the bucket no longer has it: not "complete"), and all is well.
    const again = await inTwoPieces(who.vt, door);
    expect(again.first.body).toMatchObject({ complete: false });
    expect((await again.last()).status).toBe(200);
    expect(await verifyChain(server.services.db, server.dir, record!.chain)).toMatchObject({ ok: true, problems: [] });
  });

  it("answers 503 to the last piece while the store fails, marks nothing received, and takes the same piece once it is back", async () => {
    const photo = pngImage(50, 50, { noise: true });
    const h = sha(photo);
    const { first, last } = await inTwoPieces(who.vt, photo);
    expect(first.status).toBe(200);

    for (const mode of ["503", "refuse"] as const) {
      s3.fail(mode);
      const before = s3.requests();
      const res = await last();
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("30");
      expect((await res.json()).error.code).toBe("STORAGE_UNAVAILABLE");
      expect(s3.requests()).toBeGreaterThan(before);
      expect(await received(h)).toBe(false);
      // The first piece is still held: the phone resumes from there, not from 0.
      s3.fail("pass");
      expect((await call(server.url, "GET", `/api/blobs/${h}/status`, { cookie: who.vt })).body).toMatchObject({ received: Math.floor(photo.length / 2), complete: false });
    }

    const res = await last();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ complete: true, size: photo.length });
    expect(await received(h)).toBe(true);
    expect(sha((await s3.get(key(h)))!.bytes)).toBe(h);
    expect(partFiles()).toEqual([]);
  });
});

describe("a phone sending a photo while the store fails", () => {
  it("keeps it queued with a retry message, and sends it once the store is back", async () => {
    const phone = new SimulatedPhone(server.url, who.vt);
    const bytes = pngImage(30, 30, { noise: true });
    const photo = { sha256: sha(bytes), bytes: new Uint8Array(bytes).buffer, mime: "image/png", width: 30, height: 30 };
    await keepDraft(phone.db, photo, "test");
    await phone.db.photos.update(photo.sha256, { state: "queued", draftKey: null });
    const fetchFn: Fetch = (path, init) => fetch(`${server.url}${path}`, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), cookie: who.vt } });

    s3.fail("503");
    expect(await uploadQueued(phone.db, fetchFn)).toBe("failed");
    expect(await phone.db.photos.get(photo.sha256)).toMatchObject({ state: "queued", error: "Le serveur n'a pas pu la recevoir (503) : nouvel essai bientôt." });
    expect(await received(photo.sha256)).toBe(false);

    s3.fail("pass");
    expect(await uploadQueued(phone.db, fetchFn)).toBe("done");
    expect(await phone.db.photos.get(photo.sha256)).toMatchObject({ state: "sent", sent: bytes.length });
    expect(sha((await s3.get(key(photo.sha256)))!.bytes)).toBe(photo.sha256);
  });
});

describe("printed letters in object storage", () => {
  it("stores the batch and each letter's PDF in the bucket and reads them back from it", async () => {
    // Letters to a few debtors with an open case (the print checks each one: some may have paid or be paused).
    const db = server.services.db;
    const open = await db.selectDistinct({ customerId: cases.customerId }).from(cases).where(eq(cases.status, "open")).orderBy(cases.customerId).limit(8);
    await db.transaction((tx) =>
      queueMessages(tx, open.map((c) => ({ customerId: c.customerId, caseId: null, plannedActionId: `s3|${c.customerId}`, key: `s3|${c.customerId}`, step: "R5", template: "standard-R5", channel: "letter" as const, purpose: "reminder" as const })), TEST_TODAY),
    );
    const printed = await call<PrintResponse>(server.url, "POST", "/api/letters/print", { cookie: who.office, body: {} });
    expect(printed.status).toBe(200);
    const batch = printed.body.batch!;
    expect(batch.letters.length).toBeGreaterThan(0);
    const [row] = await db.select().from(letterBatches).where(eq(letterBatches.id, batch.id));
    const prints = await db.select().from(letterPrints).where(eq(letterPrints.batchId, batch.id));
    expect(await s3.keys("lyon/letters/")).toEqual([`lyon/${row!.file}`, ...prints.map((p) => `lyon/${p.file}`)].sort());
    expect(existsSync(join(server.dir, "letters"))).toBe(false);

    const fromBucket = (await s3.get(`lyon/${row!.file}`))!;
    expect(fromBucket.type).toBe("application/pdf");
    expect(sha(fromBucket.bytes)).toBe(row!.sha256);
    const download = await fetch(`${server.url}${batch.pdf}`, { headers: { cookie: who.office } });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(fromBucket.bytes)).toBe(true);
    const one = prints[0]!;
    const stored = await storedLetterPdf(server.services.db, server.dir, one.messageId);
    expect(Buffer.from(stored!).equals((await s3.get(`lyon/${one.file}`))!.bytes)).toBe(true);
  });
});

describe("backups with a bucket", () => {
  it("copies every photo and letter the database names from the bucket, checked against its hash", async () => {
    const backupDir = mkdtempSync(join(tmpdir(), "cadenas-s3-backup-"));
    try {
      const backup = await createBackup({ databasePath: join(server.dir, "cadenas.db"), dataDir: server.dir, backupDir, now: server.services.clock.now(), store: openStore(server.services.config) });
      const m = backup.manifest;
      const named = (await server.services.db.select().from(photos)).map((p) => p.sha256).sort();
      expect(m.source.storage).toBe("s3://cadenas/lyon");
      expect(m.objectStorage).toBeUndefined();
      expect(m.warnings).toEqual([]);
      expect(m.photos.map((p) => p.sha256).sort()).toEqual(named);
      for (const p of m.photos) expect(sha(readFileSync(join(backupDir, "photos", p.sha256.slice(0, 2), p.sha256)))).toBe(p.sha256);
      const letters = m.files.filter((f) => f.path.startsWith("letters/"));
      expect(letters.map((f) => `lyon/${f.path}`).sort()).toEqual(await s3.keys("lyon/letters/"));
    } finally {
      rmSync(backupDir, { recursive: true, force: true });
    }
  });
});

describe("STORAGE_URL and the S3 variables", () => {
  const s3env = { STORAGE_URL: "s3://cadenas-photos/prod/", S3_ENDPOINT: "https://s3.fr-par.scw.cloud/", S3_ACCESS_KEY_ID: "key", S3_SECRET_ACCESS_KEY: "secret" };

  it("reads a bucket, a prefix and the endpoint; the region defaults to us-east-1; unset, the data folder", () => {
    expect(loadConfig(s3env).storage).toEqual({
      kind: "s3",
      url: "s3://cadenas-photos/prod/",
      bucket: "cadenas-photos",
      prefix: "prod/",
      endpoint: "https://s3.fr-par.scw.cloud",
      region: "us-east-1",
      accessKeyId: "key",
      secretAccessKey: "secret",
    });
    expect(loadConfig({ ...s3env, STORAGE_URL: "s3://cadenas-photos", S3_REGION: "fr-par" }).storage).toMatchObject({ prefix: "", region: "fr-par" });
    expect(loadConfig({}).storage).toEqual({ kind: "file" });
  });

  it("refuses a bad value clearly", () => {
    expect(() => loadConfig({ ...s3env, STORAGE_URL: "https://bucket.example" })).toThrow(/STORAGE_URL: must be s3:\/\/bucket/);
    expect(() => loadConfig({ ...s3env, STORAGE_URL: "s3://Bad_Bucket" })).toThrow(/STORAGE_URL/);
    expect(() => loadConfig({ ...s3env, STORAGE_URL: "s3://cadenas/../etc" })).toThrow(/STORAGE_URL/);
    expect(() => loadConfig({ ...s3env, S3_ENDPOINT: undefined as never })).toThrow(/S3_ENDPOINT: is required with STORAGE_URL/);
    expect(() => loadConfig({ ...s3env, S3_ENDPOINT: "s3.fr-par.scw.cloud" })).toThrow(/S3_ENDPOINT: must be the http\(s\):\/\//);
    expect(() => loadConfig({ ...s3env, S3_SECRET_ACCESS_KEY: "" })).toThrow(/S3_SECRET_ACCESS_KEY: is required/);
    expect(() => loadConfig({ S3_ENDPOINT: "http://127.0.0.1:9000" })).toThrow(/S3_ENDPOINT: is set but STORAGE_URL is not/);
  });
});

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { and, eq, inArray, isNull } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { users } from "../../server/auth/auth.sql";
import { photoUploads } from "../../server/auth/security.sql";
import { photos } from "../../server/evidence/evidence.sql";
import { sweepPhotoUploads, UPLOAD_LIMITS } from "../../server/evidence/uploads";
import { messages } from "../../server/messaging/messaging.sql";
import { sites } from "../../server/sites/sites.sql";
import { MUTATION_VERSION } from "../../shared/schemas/mutations";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { pngImage } from "../support/images";
import { call, signIn, startTestServer, TEST_TODAY, type TestServer } from "../support/server";

// Photos are private to the sites of what names them: a site manager of Lyon never reads (nor learns of) a photo of
// Villeurbanne's evidence; a photo nothing names yet is its uploader's alone; each user's unfinished uploads are
// their own, swept after a day without news, and capped so that nobody fills the disk.

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
/** A photo of its own for each use: the server must not hold it from another test. */
const photo = (w = 40, h = 30) => pngImage(w, h, { noise: true });
const HOUR = 3600_000;

let server: TestServer;
/** Site managers of Lyon and of Villeurbanne, the manager of both, the office. */
const who = {} as Record<"vt" | "bo" | "mg" | "office", string>;
const ids = {} as Record<"vt" | "bo" | "mg", string>;

beforeAll(async () => {
  // The sweeper runs often here, so that its wiring is tested and so that it runs among the uploads below.
  server = await startTestServer({ start: { photoSweepEveryMs: 25 } });
  const cookies = await Promise.all(["gestionnaire@demo.test", "gestionnaire2@demo.test", "manager@demo.test", "bureau@demo.test"].map((e) => signIn(server.url, e)));
  [who.vt, who.bo, who.mg, who.office] = cookies as [string, string, string, string];
  const rows = await server.services.db.select({ id: users.id, email: users.email }).from(users);
  const idOf = (email: string) => rows.find((r) => r.email === email)!.id;
  Object.assign(ids, { vt: idOf("gestionnaire@demo.test"), bo: idOf("gestionnaire2@demo.test"), mg: idOf("manager@demo.test") });
});
afterAll(() => server.close());

const put = (cookie: string, hash: string, body: Uint8Array, range?: string) =>
  fetch(`${server.url}/api/blobs/${hash}`, {
    method: "PUT",
    headers: { cookie, "content-type": "application/octet-stream", ...(range ? { "content-range": range } : {}) },
    body: body as unknown as BodyInit,
  });
/** The first `n` bytes of a photo, as the first piece of an upload in pieces. */
const firstPiece = (cookie: string, bytes: Uint8Array, n: number, total = bytes.length) => put(cookie, sha(bytes), bytes.subarray(0, n), `bytes 0-${n - 1}/${total}`);
const status = async (cookie: string, hash: string) => {
  const res = await fetch(`${server.url}/api/blobs/${hash}/status`, { headers: { cookie } });
  return { status: res.status, body: await res.json() };
};
const get = async (cookie: string, hash: string) => {
  const res = await fetch(`${server.url}/api/blobs/${hash}`, { headers: { cookie } });
  return { status: res.status, body: res.headers.get("content-type")?.startsWith("image/") ? sha(new Uint8Array(await res.arrayBuffer())) : await res.json() };
};
/** What a user is told of a photo the server does not hold: the answer for one they may not see must be the same. */
const unknown = async (cookie: string, hash: string) => {
  const [g, s] = await Promise.all([get(cookie, hash), status(cookie, hash)]);
  return { get: g, status: s };
};
const nothingAt = (hash: string) => ({
  get: { status: 404, body: { error: { code: "NOT_FOUND", message: "Photo introuvable (pas encore reçue en entier ?)." } } },
  status: { status: 200, body: { sha256: hash, received: 0, complete: false, size: null, mime: null } },
});
const partFiles = (userId: string) => {
  const dir = join(server.dir, "blobs", "partial", userId);
  return existsSync(dir) ? readdirSync(dir) : [];
};
const uploadRows = (userId: string) => server.services.db.select().from(photoUploads).where(eq(photoUploads.userId, userId));

const clientId = uuidv7();
let seq = 0;
/** A padlock placed by Valérie (Lyon) on one of her boxes with these photos: the evidence record that names them. */
async function padlockWith(photoShas: string[]): Promise<void> {
  const pulled = await call<{ docs: DebtorDoc[] }>(server.url, "POST", "/api/sync/pull", { cookie: who.vt, body: { clientId, cursor: null, page: null } });
  const unit = pulled.body.docs.flatMap((d) => d.units).find((u) => u.padlock === "none")!;
  const res = await call(server.url, "POST", "/api/sync/push", {
    cookie: who.vt,
    body: { clientId, mutations: [{ id: uuidv7(), seq: ++seq, v: MUTATION_VERSION, kind: "padlock.placed", payload: { unitId: unit.id, padlockNumber: "5150", photos: photoShas }, happenedAt: server.services.clock.now().toISOString() }] },
  });
  expect(res.body.results[0].status).toBe("applied");
}

describe("a photo of Lyon's evidence", () => {
  const door = photo();
  const hash = sha(door);

  beforeAll(async () => {
    await padlockWith([hash]);
    expect((await put(who.vt, hash, door)).status).toBe(200);
  });

  it("is read by Lyon's site manager, the manager of both sites and the office", async () => {
    for (const cookie of [who.vt, who.mg, who.office]) {
      expect(await get(cookie, hash)).toEqual({ status: 200, body: hash });
      expect((await status(cookie, hash)).body).toMatchObject({ complete: true, received: door.length });
    }
  });

  it("is audited when looked at: who saw which photo, once a day each; no cache keeps it", async () => {
    const res = await fetch(`${server.url}/api/blobs/${hash}`, { headers: { cookie: who.office } });
    expect(res.headers.get("cache-control")).toBe("no-store");
    await get(who.office, hash);
    const log = await call(server.url, "GET", "/api/audit?event=evidence.photo_viewed", { cookie: who.office });
    const mine = (log.body.entries as { entityId: string; user: { initials: string } }[]).filter((e) => e.entityId === hash);
    expect(mine.map((e) => e.user.initials).sort()).toEqual(["MG", "SB", "VT"]);
  });

  it("is, for Villeurbanne's site manager, exactly what a photo that does not exist is: 404, and a status of 0", async () => {
    expect(await unknown(who.bo, hash)).toEqual(nothingAt(hash));
    const absent = sha(photo());
    expect(await unknown(who.bo, absent)).toEqual(nothingAt(absent));
  });

  it("is not answered 'complete' to a piece of it from Villeurbanne; sending every byte proves holding them, and still shows nothing", async () => {
    const piece = await firstPiece(who.bo, door, 100);
    expect(await piece.json()).toEqual({ sha256: hash, received: 100, complete: false, size: null, mime: null });
    expect((await status(who.bo, hash)).body).toMatchObject({ received: 100, complete: false });
    const rest = await put(who.bo, hash, door.subarray(100), `bytes 100-${door.length - 1}/${door.length}`);
    expect(await rest.json()).toEqual({ sha256: hash, received: door.length, complete: true, size: door.length, mime: "image/png" });
    // His phone stops sending it; the photo itself stays Lyon's.
    expect((await status(who.bo, hash)).body).toMatchObject({ complete: true });
    expect((await get(who.bo, hash)).status).toBe(404);
    expect(partFiles(ids.bo)).toEqual([]);
    const [row] = await server.services.db.select().from(photos).where(eq(photos.sha256, hash));
    expect(row!.takenBy).toBe(ids.vt);
  });
});

describe("a photo nothing names yet", () => {
  it("is its uploader's alone — not another site manager's, not even the office's — until the record that names it arrives", async () => {
    const padlock = photo();
    const hash = sha(padlock);
    expect((await put(who.vt, hash, padlock)).status).toBe(200);
    expect(await get(who.vt, hash)).toEqual({ status: 200, body: hash });
    expect((await status(who.vt, hash)).body).toMatchObject({ complete: true });
    for (const cookie of [who.bo, who.mg, who.office]) expect(await unknown(cookie, hash)).toEqual(nothingAt(hash));

    // The phone pushes the action after the photo: now it is Lyon's.
    await padlockWith([hash]);
    for (const cookie of [who.vt, who.mg, who.office]) expect((await get(cookie, hash)).status).toBe(200);
    expect(await unknown(who.bo, hash)).toEqual(nothingAt(hash));
  });

  it("the AR card of a registered letter is seen at the letter's site only", async () => {
    const db = server.services.db;
    const [villeurbanne] = await db.select().from(sites).where(eq(sites.code, "VIL"));
    const [letter] = await db
      .select()
      .from(messages)
      .where(and(eq(messages.channel, "registered_letter"), eq(messages.status, "sent"), eq(messages.siteId, villeurbanne!.id), isNull(messages.deliveryStatus)));
    expect(letter, "a posted registered letter of Villeurbanne waiting for its AR in the demo data").toBeDefined();
    const card = photo(60, 40);
    const hash = sha(card);
    expect((await put(who.office, hash, card)).status).toBe(200);
    expect((await get(who.bo, hash)).status).toBe(404);
    const ar = await call(server.url, "POST", `/api/letters/${letter!.id}/acknowledged`, { cookie: who.office, body: { receivedOn: TEST_TODAY, photoSha256: hash } });
    expect(ar.status, JSON.stringify(ar.body)).toBe(200);
    expect(await get(who.bo, hash)).toEqual({ status: 200, body: hash });
    expect(await unknown(who.vt, hash)).toEqual(nothingAt(hash));
  });
});

describe("unfinished uploads", () => {
  it("are each user's own: another cannot see, continue or finish mine", async () => {
    const big = photo(200, 150);
    const hash = sha(big);
    expect((await firstPiece(who.vt, big, 4096)).status).toBe(200);
    expect((await status(who.vt, hash)).body).toMatchObject({ received: 4096 });
    expect((await status(who.bo, hash)).body).toMatchObject({ received: 0 });
    // Continuing where mine stands: told his own upload stands at 0.
    const onto = await put(who.bo, hash, big.subarray(4096), `bytes 4096-${big.length - 1}/${big.length}`);
    expect(onto.status).toBe(409);
    expect((await onto.json()).error.details).toEqual({ received: 0 });
    expect(await server.services.db.select().from(photos).where(eq(photos.sha256, hash))).toEqual([]);
    expect(partFiles(ids.bo)).toEqual([]);
    // Mine goes on from where it was.
    const rest = await put(who.vt, hash, big.subarray(4096), `bytes 4096-${big.length - 1}/${big.length}`);
    expect(await rest.json()).toMatchObject({ complete: true });
    expect(partFiles(ids.vt)).toEqual([]);
  });

  it("are swept after 24 hours without news, not before; the phone then starts again at 0", async () => {
    const big = photo(200, 150);
    const hash = sha(big);
    await firstPiece(who.vt, big, 8192);
    const now = server.services.clock.now().getTime();
    expect(await sweepPhotoUploads(server.services.db, server.dir, new Date(now + 23 * HOUR))).toEqual({ uploads: 0, strays: 0 });
    expect((await status(who.vt, hash)).body).toMatchObject({ received: 8192 });
    expect(partFiles(ids.vt)).toEqual([`${hash}.part`]);

    expect(await sweepPhotoUploads(server.services.db, server.dir, new Date(now + 25 * HOUR))).toMatchObject({ uploads: 1 });
    expect((await status(who.vt, hash)).body).toMatchObject({ received: 0, complete: false });
    expect(partFiles(ids.vt)).toEqual([]);
    expect(await uploadRows(ids.vt)).toEqual([]);
    const again = await put(who.vt, hash, big);
    expect(await again.json()).toMatchObject({ complete: true });
  });

  it("are swept by the server's periodic job, and a piece left by no upload goes too", async () => {
    const big = photo(200, 150);
    const hash = sha(big);
    await firstPiece(who.vt, big, 1024);
    const stale = new Date(server.services.clock.now().getTime() - 25 * HOUR).toISOString();
    // Pieces no upload accounts for: the one-folder layout of earlier versions, a user's piece whose row is gone.
    const root = join(server.dir, "blobs", "partial");
    const strays = [join(root, `${"c".repeat(64)}.part`), join(root, ids.bo, `${"d".repeat(64)}.part`)];
    mkdirSync(join(root, ids.bo), { recursive: true });
    for (const f of strays) writeFileSync(f, "left over");
    await server.services.db.update(photoUploads).set({ updatedAt: stale }).where(and(eq(photoUploads.userId, ids.vt), eq(photoUploads.sha256, hash)));
    await vi.waitFor(async () => expect(await uploadRows(ids.vt)).toEqual([]), { timeout: 5000, interval: 20 });
    await vi.waitFor(() => expect(strays.filter((f) => existsSync(f))).toEqual([]), { timeout: 5000, interval: 20 });
    expect(partFiles(ids.vt)).toEqual([]);
    expect((await status(who.vt, hash)).body).toMatchObject({ received: 0 });
  });
});

describe("limits per user, refused with the reason and nothing written", () => {
  it(`at most ${UPLOAD_LIMITS.partialUploads} unfinished uploads at once`, async () => {
    const started: Buffer[] = [];
    for (let i = 0; i < UPLOAD_LIMITS.partialUploads; i++) {
      const p = photo(30 + i, 20);
      started.push(p);
      expect((await firstPiece(who.mg, p, 64)).status).toBe(200);
    }
    const one = photo(20, 20);
    const refused = await firstPiece(who.mg, one, 64);
    expect(refused.status).toBe(429);
    const body = await refused.json();
    expect(body.error.code).toBe("RATE_LIMITED");
    expect(body.error.details).toEqual({ reason: "PARTIAL_UPLOADS", limit: 50, current: 50 });
    expect(body.error.message).toContain("Déjà 50 photos en cours d'envoi pour ce compte (50 au plus)");
    expect(partFiles(ids.mg)).not.toContain(`${sha(one)}.part`);
    expect((await uploadRows(ids.mg)).map((r) => r.sha256)).not.toContain(sha(one));
    // One already started still goes on, and a photo sent whole leaves nothing unfinished: both pass.
    expect((await put(who.mg, sha(started[0]!), started[0]!.subarray(64), `bytes 64-${started[0]!.length - 1}/${started[0]!.length}`)).status).toBe(200);
    // (Both named by a record, so that they do not count among the photos nothing names below.)
    await padlockWith([sha(one), sha(started[0]!)]);
    expect(await (await put(who.mg, sha(one), one)).json()).toMatchObject({ complete: true });
    // A day without news frees the room.
    await sweepPhotoUploads(server.services.db, server.dir, new Date(server.services.clock.now().getTime() + 25 * HOUR));
    expect(await uploadRows(ids.mg)).toEqual([]);
  });

  it(`at most ${UPLOAD_LIMITS.partialBytes / 1024 / 1024} MiB announced by unfinished uploads`, async () => {
    const MiB = 1024 * 1024;
    // Ten uploads announcing 20 MiB each (the largest photo) fill the share exactly.
    for (let i = 0; i < 10; i++) expect((await firstPiece(who.mg, photo(25 + i, 25), 64, 20 * MiB)).status).toBe(200);
    const one = photo(21, 21);
    const refused = await firstPiece(who.mg, one, 64, 1 * MiB);
    expect(refused.status).toBe(429);
    const body = await refused.json();
    expect(body.error.details).toEqual({ reason: "PARTIAL_BYTES", limit: 200 * MiB, current: 200 * MiB });
    expect(body.error.message).toContain("200 Mo au plus");
    expect((await uploadRows(ids.mg)).map((r) => r.sha256)).not.toContain(sha(one));
    expect(partFiles(ids.mg)).toHaveLength(10);
    await sweepPhotoUploads(server.services.db, server.dir, new Date(server.services.clock.now().getTime() + 25 * HOUR));
    expect(partFiles(ids.mg)).toEqual([]);
  });

  it(`at most ${UPLOAD_LIMITS.unreferencedPhotos} photos a week that nothing names; a photo a record names always passes`, async () => {
    const db = server.services.db;
    const now = server.services.clock.now();
    // Photos the manager sent this week that no action names (their rows only: the bytes do not matter here), and
    // older ones that no longer count.
    const fake = (i: number, at: Date) => ({ sha256: sha(Buffer.from(`unnamed ${i} ${at.toISOString()}`)), sizeBytes: 1000, mime: "image/png", takenBy: ids.mg, receivedAt: at.toISOString() });
    const week = new Date(now.getTime() - 6 * 24 * HOUR);
    const older = new Date(now.getTime() - 8 * 24 * HOUR);
    const rows = [...Array.from({ length: 300 }, (_, i) => fake(i, older)), ...Array.from({ length: UPLOAD_LIMITS.unreferencedPhotos - 2 }, (_, i) => fake(i, week))];
    for (let i = 0; i < rows.length; i += 100) await db.insert(photos).values(rows.slice(i, i + 100));

    // Two more pass (one whole, one in pieces left unfinished), the next is refused, and nothing of it is kept.
    const [a, b] = [photo(), photo()];
    expect((await put(who.mg, sha(a), a)).status).toBe(200);
    const pending = photo(90, 60);
    expect((await firstPiece(who.mg, pending, 256)).status).toBe(200);
    expect((await put(who.mg, sha(b), b)).status).toBe(200);
    const extra = photo();
    const refused = await put(who.mg, sha(extra), extra);
    expect(refused.status).toBe(429);
    const body = await refused.json();
    expect(body.error.details).toEqual({ reason: "UNREFERENCED_PHOTOS", limit: 200, current: 200 });
    expect(body.error.message).toContain("Trop de photos envoyées sans action qui les cite");
    expect(await db.select().from(photos).where(eq(photos.sha256, sha(extra)))).toEqual([]);
    expect(existsSync(join(server.dir, "blobs", sha(extra).slice(0, 2), sha(extra).slice(2, 4), sha(extra)))).toBe(false);
    // The last piece of the unfinished one is refused too, and its upload stays where it was, to finish later.
    const last = await put(who.mg, sha(pending), pending.subarray(256), `bytes 256-${pending.length - 1}/${pending.length}`);
    expect(last.status).toBe(429);
    expect((await status(who.mg, sha(pending))).body).toMatchObject({ received: 256, complete: false });

    // A photo that an action at the manager's sites names is what the phone sends every day: it passes.
    await padlockWith([sha(pending), sha(extra)]);
    expect(await (await put(who.mg, sha(pending), pending.subarray(256), `bytes 256-${pending.length - 1}/${pending.length}`)).json()).toMatchObject({ complete: true });
    expect(await (await put(who.mg, sha(extra), extra)).json()).toMatchObject({ complete: true });
    expect(await db.select({ sha: photos.sha256 }).from(photos).where(inArray(photos.sha256, [sha(pending), sha(extra)]))).toHaveLength(2);
    // Other users are not held by the manager's share.
    const c = photo();
    expect((await put(who.vt, sha(c), c)).status).toBe(200);
  });
});

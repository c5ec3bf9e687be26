import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users } from "../../server/auth/auth.sql";
import { readBlob } from "../../server/evidence/blobs";
import { recordAction, type Who } from "../../client/store/record";
import { discardDraft, keepDraft, PIECE_BYTES, uploadQueued, type Fetch } from "../../client/store/photos";
import { dismissRefusedPhoto, readSyncStatus, syncStateOf } from "../../client/store/status";
import { pngImage } from "../support/images";
import { SimulatedPhone } from "../support/phone";
import { signIn, startTestServer, type TestServer } from "../support/server";

// The phone's photo queue (its real Dexie store and uploader) against the real server: a photo kept the moment
// it is taken, queued with the action that names it, sent in pieces, resumed after a drop, refused with a reason.

let server: TestServer;
let vt: Who & { cookie: string };

beforeAll(async () => {
  server = await startTestServer();
  const [user] = await server.services.db.select().from(users).where(eq(users.email, "gestionnaire@demo.test"));
  vt = { userId: user!.id, initials: "VT", timeZone: "Europe/Paris", cookie: await signIn(server.url, "gestionnaire@demo.test") };
});
afterAll(() => server.close());

const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const photoOf = (bytes: Buffer, mime = "image/jpeg") => ({ sha256: sha(bytes), bytes: new Uint8Array(bytes).buffer, mime, width: 10, height: 10 });

/** The phone's fetch: the server's address, the session cookie, and a network that can be cut after `cutAfter` PUTs. */
function network(options: { cutAfter?: number } = {}) {
  const puts: string[] = [];
  const fetchFn: Fetch = async (path, init) => {
    if (init?.method === "PUT") {
      if (options.cutAfter !== undefined && puts.length >= options.cutAfter) throw new TypeError("Failed to fetch");
      puts.push(new Headers(init.headers).get("content-range") ?? "whole");
    }
    return fetch(`${server.url}${path}`, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), cookie: vt.cookie } });
  };
  return { fetchFn, puts };
}

describe("the phone's photo queue", () => {
  it("keeps a photo as a draft, queues it with the action that names it, and sends it", async () => {
    const phone = new SimulatedPhone(server.url, vt.cookie);
    expect(await phone.engine.syncOnce(vt)).toBe("synced");
    const target = (await phone.db.debtors.toArray()).find((d) => d.base.units.some((u) => u.padlock === "none"))!;
    const unit = target.base.units.find((u) => u.padlock === "none")!;
    const door = photoOf(readFileSync("tests/fixtures/photos/door.jpg"));

    await keepDraft(phone.db, door, `padlock-on:${unit.id}`);
    expect(await phone.db.photos.get(door.sha256)).toMatchObject({ state: "draft", draftKey: `padlock-on:${unit.id}` });
    // A draft is not sent: the form may be abandoned.
    const { fetchFn, puts } = network();
    expect(await uploadQueued(phone.db, fetchFn)).toBe("done");
    expect(puts).toEqual([]);

    await recordAction(phone.db, vt, "padlock.placed", { unitId: unit.id, photos: [door.sha256] }, server.services.clock.now());
    expect(await phone.db.photos.get(door.sha256)).toMatchObject({ state: "queued", draftKey: null });
    // Once queued, a photo is no longer the form's to discard.
    await discardDraft(phone.db, door.sha256);
    expect(await phone.db.blobs.get(door.sha256)).toBeDefined();

    expect(await uploadQueued(phone.db, fetchFn)).toBe("done");
    expect(puts).toEqual([`bytes 0-${door.bytes.byteLength - 1}/${door.bytes.byteLength}`]);
    expect(await phone.db.photos.get(door.sha256)).toMatchObject({ state: "sent", sent: door.bytes.byteLength });
    expect(sha(readBlob(server.dir, door.sha256)!)).toBe(door.sha256);
    // Sending again asks the server first and sends nothing twice.
    await phone.db.photos.update(door.sha256, { state: "queued" });
    expect(await uploadQueued(phone.db, fetchFn)).toBe("done");
    expect(puts).toHaveLength(1);
  });

  it("resumes a photo cut by a drop where the server stands, sending each byte once", async () => {
    const phone = new SimulatedPhone(server.url, vt.cookie);
    const big = photoOf(pngImage(700, 600, { noise: true }), "image/png");
    expect(big.bytes.byteLength).toBeGreaterThan(4 * PIECE_BYTES);
    await keepDraft(phone.db, big, "test");
    await phone.db.photos.update(big.sha256, { state: "queued", draftKey: null });

    const cut = network({ cutAfter: 2 });
    expect(await uploadQueued(phone.db, cut.fetchFn)).toBe("offline");
    expect(await phone.db.photos.get(big.sha256)).toMatchObject({ state: "queued", sent: 2 * PIECE_BYTES });

    const back = network();
    expect(await uploadQueued(phone.db, back.fetchFn)).toBe("done");
    expect(back.puts[0]).toBe(`bytes ${2 * PIECE_BYTES}-${3 * PIECE_BYTES - 1}/${big.bytes.byteLength}`);
    const starts = [...cut.puts, ...back.puts].map((r) => Number(/bytes (\d+)-/.exec(r)![1]));
    expect(starts).toEqual(starts.map((_, i) => i * PIECE_BYTES));
    expect(await phone.db.photos.get(big.sha256)).toMatchObject({ state: "sent" });
    expect(sha(readBlob(server.dir, big.sha256)!)).toBe(big.sha256);
  });

  it("keeps a photo queued through a server fault (5xx) or a network error, and sends it on a later pass", async () => {
    const phone = new SimulatedPhone(server.url, vt.cookie);
    // Photos of their own: the server must not hold them already from another test.
    const door = photoOf(pngImage(61, 47, { noise: true }), "image/png");
    const padlock = photoOf(pngImage(53, 59, { noise: true }), "image/png");
    for (const p of [door, padlock]) {
      await keepDraft(phone.db, p, "test");
      await phone.db.photos.update(p.sha256, { state: "queued", draftKey: null });
    }
    const real = network().fetchFn;
    /** The server answering `status` with an error body to the requests `when` picks, as a failing disk would. */
    const failing =
      (status: number, when: (path: string, init?: RequestInit) => boolean): Fetch =>
      async (path, init) =>
        when(path, init) ? new Response(JSON.stringify({ error: { code: "INTERNAL", message: "Internal error" } }), { status, headers: { "content-type": "application/json" } }) : real(path, init);

    // A fault on one photo's piece: it stays queued with what happened, the other goes, the pass says "failed".
    expect(await uploadQueued(phone.db, failing(500, (path, init) => init?.method === "PUT" && path.includes(door.sha256)))).toBe("failed");
    expect(await phone.db.photos.get(door.sha256)).toMatchObject({ state: "queued", error: expect.stringContaining("500") });
    expect(await phone.db.photos.get(padlock.sha256)).toMatchObject({ state: "sent" });
    // A fault on the status question, and a busy server: still queued.
    expect(await uploadQueued(phone.db, failing(503, (path) => path.endsWith("/status")))).toBe("failed");
    expect(await phone.db.photos.get(door.sha256)).toMatchObject({ state: "queued" });
    // No network at all: queued, the pass says "offline".
    expect(
      await uploadQueued(phone.db, async () => {
        throw new TypeError("Failed to fetch");
      }),
    ).toBe("offline");
    expect(await phone.db.photos.get(door.sha256)).toMatchObject({ state: "queued" });

    expect(await uploadQueued(phone.db, real)).toBe("done");
    expect(await phone.db.photos.get(door.sha256)).toMatchObject({ state: "sent", error: null });
    expect(sha(readBlob(server.dir, door.sha256)!)).toBe(door.sha256);
  });

  it("keeps a photo queued when the user's share of uploads is full (429), showing the server's reason, and sends it later", async () => {
    const phone = new SimulatedPhone(server.url, vt.cookie);
    const door = photoOf(pngImage(57, 43, { noise: true }), "image/png");
    await keepDraft(phone.db, door, "test");
    await phone.db.photos.update(door.sha256, { state: "queued", draftKey: null });
    const reason = "Trop de photos envoyées sans action qui les cite : 200 photos (3 Mo) en 7 jours pour ce compte.";
    const full: Fetch = async (path, init) =>
      init?.method === "PUT"
        ? new Response(JSON.stringify({ error: { code: "RATE_LIMITED", message: reason, details: { reason: "UNREFERENCED_PHOTOS", limit: 200, current: 200 } } }), { status: 429, headers: { "content-type": "application/json" } })
        : network().fetchFn(path, init);
    expect(await uploadQueued(phone.db, full)).toBe("failed");
    expect(await phone.db.photos.get(door.sha256)).toMatchObject({ state: "queued", error: reason });
    expect(await uploadQueued(phone.db, network().fetchFn)).toBe("done");
    expect(await phone.db.photos.get(door.sha256)).toMatchObject({ state: "sent", error: null });
  });

  it("marks a photo the server refuses with its reason, keeps its bytes, and goes on with the others", async () => {
    const phone = new SimulatedPhone(server.url, vt.cookie);
    expect(await phone.engine.syncOnce(vt)).toBe("synced"); // a phone that holds its debtors: only the photos are at issue
    const notAPhoto = photoOf(Buffer.from("Ceci est un texte, pas une photo. ".repeat(20)), "image/jpeg");
    const door = readFileSync("tests/fixtures/photos/door.jpg");
    const wrongHash = { ...photoOf(door), sha256: sha(Buffer.from("autre chose")) };
    const padlock = photoOf(readFileSync("tests/fixtures/photos/padlock.png"), "image/png");
    for (const p of [notAPhoto, wrongHash, padlock]) {
      await keepDraft(phone.db, p, "test");
      await phone.db.photos.update(p.sha256, { state: "queued", draftKey: null });
    }
    expect(await uploadQueued(phone.db, network().fetchFn)).toBe("done");
    expect(await phone.db.photos.get(notAPhoto.sha256)).toMatchObject({ state: "refused", error: expect.stringContaining("pas une photo") });
    expect(await phone.db.photos.get(wrongHash.sha256)).toMatchObject({ state: "refused", error: expect.stringContaining("SHA-256") });
    expect(await phone.db.blobs.get(wrongHash.sha256)).toBeDefined();
    expect(await phone.db.photos.get(padlock.sha256)).toMatchObject({ state: "sent" });
    expect(readBlob(server.dir, notAPhoto.sha256)).toBeNull();
    expect(readBlob(server.dir, wrongHash.sha256)).toBeNull();

    // Never hidden behind "all sent": the status bar names each, with why, until the user has read it.
    const status = await readSyncStatus(phone.db, vt.userId);
    // Both, in the order they were taken (two taken in the same millisecond may come either way).
    expect(status.refusedPhotos).toHaveLength(2);
    expect(status.refusedPhotos.map((p) => [p.sha256, p.reason])).toEqual(
      expect.arrayContaining([
        [notAPhoto.sha256, expect.stringContaining("pas une photo")],
        [wrongHash.sha256, expect.stringContaining("SHA-256")],
      ]),
    );
    expect(syncStateOf(status, true)).toBe("problem");
    await dismissRefusedPhoto(phone.db, notAPhoto.sha256);
    await dismissRefusedPhoto(phone.db, wrongHash.sha256);
    const read = await readSyncStatus(phone.db, vt.userId);
    expect(read.refusedPhotos).toEqual([]);
    expect(syncStateOf(read, true)).toBe("synced");
    expect(await phone.db.photos.get(wrongHash.sha256)).toMatchObject({ state: "refused" });
  });
});

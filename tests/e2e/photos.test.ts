import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { eq, inArray } from "drizzle-orm";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { evidenceRecords, photos } from "../../server/evidence/evidence.sql";
import { readBlob } from "../../server/evidence/blobs";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { pngImage } from "../support/images";
import { call, signIn, type TestServer } from "../support/server";
import { type PhoneSession, screenshot, signInThroughTheForm, startPhoneSession, waitForServiceWorker, waitUntilSynced } from "./browser";

// The "done when" for photos: a padlock placed offline with two photos survives a reload with its photos,
// and once online the server holds the same bytes (same SHA-256); a 3 MB photo whose upload is cut by the network
// resumes where it stopped and completes.

let session: PhoneSession;
let server: TestServer;
let context: BrowserContext;
let page: Page;
let errors: string[];

beforeAll(async () => {
  session = await startPhoneSession();
  ({ server, context, page, errors } = session);
  await signInThroughTheForm(page, "gestionnaire@demo.test");
  await waitForServiceWorker(page);
  await waitUntilSynced(page);
});
afterAll(() => session?.close());

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

it("keeps a padlock's two photos through an offline reload, then the server holds the same bytes", async () => {
  const office = await signIn(server.url, "bureau@demo.test");
  const debtors: DebtorDoc[] = (await call(server.url, "GET", "/api/today", { cookie: office })).body.debtors;
  const target = debtors.find((d) => d.units.length === 1 && d.units[0]!.siteCode === "LYO" && d.units[0]!.padlock === "none")!;
  const unit = target.units[0]!;
  await page.goto(`/debiteurs/${target.customerId}`);
  await page.getByRole("heading", { name: target.name }).waitFor();
  await context.setOffline(true);
  await page.getByText("Hors connexion").waitFor();

  await page.getByRole("button", { name: "Poser le double cadenas" }).click();
  // No photo, no padlock: the photos are the evidence.
  await page.getByRole("button", { name: "Double cadenas posé" }).click();
  await page.getByText("Prenez au moins une photo").waitFor();
  // A phone photo held sideways (EXIF orientation 6) and a 4000×3000 picture, as a camera gives them.
  await page.getByLabel("Photo de la porte").setInputFiles([
    { name: "porte.jpg", mimeType: "image/jpeg", buffer: readFileSync("tests/fixtures/photos/door-rotated.jpg") },
    { name: "cadenas.png", mimeType: "image/png", buffer: pngImage(4000, 3000) },
  ]);
  await expect.poll(() => page.locator(".photo-picker .photo-thumb img").count(), { timeout: 20_000 }).toBe(2);
  await page.getByLabel("N° du cadenas (facultatif)").fill("6120");
  await screenshot(page, "padlock-photos-offline");
  await page.getByRole("button", { name: "Double cadenas posé" }).click();

  const line = page.locator(".timeline li.pending", { hasText: `Double cadenas posé sur le box ${unit.number}` });
  await expect.poll(() => line.locator(".photo-thumb img").count()).toBe(2);
  await page.getByText("1 action en attente · 2 photos à envoyer").waitFor();

  await page.reload();
  await page.getByRole("heading", { name: target.name }).waitFor();
  await expect.poll(() => line.locator(".photo-thumb img").count()).toBe(2);
  // The pictures are drawn from the phone's own copy (no network): each image has decoded.
  await expect.poll(() => line.locator(".photo-thumb img").evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0))).toBe(true);
  const shas = await line.locator(".photo-thumb").evaluateAll((els) => els.map((e) => e.getAttribute("data-sha256")!));
  expect(shas).toHaveLength(2);
  await expect.poll(() => line.getByText("En attente", { exact: true }).count()).toBe(2);
  // Made upright, reduced to 1600 px at most, JPEG, as stored on the phone.
  const stored = await page.evaluate(async (keys) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open("cadenas");
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const read = (store: string, key: string) =>
      new Promise<any>((resolve) => {
        const req = db.transaction(store).objectStore(store).get(key);
        req.onsuccess = () => resolve(req.result);
      });
    const out = [];
    for (const k of keys) {
      const row = await read("photos", k);
      const blob = await read("blobs", k);
      out.push({ width: row.width, height: row.height, mime: row.mime, state: row.state, isArrayBuffer: blob.bytes instanceof ArrayBuffer, size: blob.bytes.byteLength });
    }
    db.close();
    return out;
  }, shas);
  expect(stored.map((s) => [s.width, s.height]).sort()).toEqual([
    [1600, 1200],
    [702, 497],
  ]);
  expect(stored.every((s) => s.mime === "image/jpeg" && s.state === "queued" && s.isArrayBuffer)).toBe(true);
  await screenshot(page, "padlock-photos-after-reload");

  await context.setOffline(false);
  await waitUntilSynced(page);
  const confirmed = page.locator(".timeline li", { hasText: `Double cadenas posé sur le box ${unit.number}` });
  await expect.poll(() => confirmed.getByText("Reçue ✓").count()).toBe(2);

  const onServer = await server.services.db.select().from(photos).where(inArray(photos.sha256, shas));
  expect(onServer.map((p) => p.sha256).sort()).toEqual([...shas].sort());
  for (const sha of shas) expect(sha256(readBlob(server.dir, sha)!)).toBe(sha);
  const [record] = await server.services.db.select().from(evidenceRecords).where(eq(evidenceRecords.unitId, unit.id));
  expect(record).toMatchObject({ kind: "padlock.placed", photos: shas, authorInitials: "VT" });
  // The camera's files, described on the phone before reducing (neither carries a capture time), chained with it.
  const rotated = readFileSync("tests/fixtures/photos/door-rotated.jpg");
  const png = pngImage(4000, 3000);
  expect(Object.values(record!.payload.originals as object).sort((a, b) => a.bytes - b.bytes)).toEqual(
    [
      { sha256: sha256(rotated), bytes: rotated.length, capturedAt: null, device: null },
      { sha256: sha256(png), bytes: png.length, capturedAt: null, device: null },
    ].sort((a, b) => a.bytes - b.bytes),
  );
  await screenshot(page, "padlock-photos-received");
  expect(errors).toEqual([]);
});

it("resumes a 3 MB photo's upload cut by the network where it stopped, and completes it", async () => {
  await page.goto("/");
  await page.getByRole("heading", { name: "Aujourd'hui" }).waitFor();
  // The network goes after the fourth piece (1 MiB) has arrived. Watched before the photo exists: the app may start
  // sending it as soon as it is stored, and every piece must be seen.
  const pieces: string[] = [];
  await page.route("**/api/blobs/*", async (route) => {
    if (route.request().method() !== "PUT") return route.continue();
    const range = (await route.request().headerValue("content-range")) ?? "whole";
    if (pieces.length === 4 && !pieces.includes("cut")) {
      pieces.push("cut");
      await context.setOffline(true);
      return route.abort("internetdisconnected");
    }
    pieces.push(range);
    return route.continue();
  });
  // A 3 MB photo waiting on the phone, as the capture leaves it (bytes and state in the phone's database).
  const sha = await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(2400, 1800);
    const ctx = canvas.getContext("2d")!;
    const noise = ctx.createImageData(2400, 1800);
    for (let i = 0; i < noise.data.length; i++) noise.data[i] = i % 4 === 3 ? 255 : (Math.random() * 256) | 0;
    ctx.putImageData(noise, 0, 0);
    const blob = await canvas.convertToBlob({ type: "image/jpeg", quality: 0.85 });
    const bytes = await blob.arrayBuffer();
    const hash = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
    const db = await new Promise<IDBDatabase>((resolve) => {
      const open = indexedDB.open("cadenas");
      open.onsuccess = () => resolve(open.result);
    });
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction(["blobs", "photos"], "readwrite");
      const now = new Date().toISOString();
      tx.objectStore("blobs").put({ sha256: hash, bytes, mime: "image/jpeg", createdAt: now });
      tx.objectStore("photos").put({ sha256: hash, state: "queued", draftKey: null, role: null, mime: "image/jpeg", width: 2400, height: 1800, size: bytes.byteLength, sent: 0, createdAt: now, sentAt: null, error: null });
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    db.close();
    return { hash, size: bytes.byteLength };
  });
  expect(sha.size).toBeGreaterThan(3_000_000);

  // Written behind the app's back: a reload shows it, and the sync that follows starts sending it.
  await page.reload();
  await expect.poll(() => pieces.includes("cut"), { timeout: 30_000 }).toBe(true);
  // Asked as the phone's user: an upload in progress, and a photo nothing names yet, are theirs alone to see.
  const owner = await signIn(server.url, "gestionnaire@demo.test");
  const midway = (await call(server.url, "GET", `/api/blobs/${sha.hash}/status`, { cookie: owner })).body;
  expect(midway).toMatchObject({ complete: false, received: 4 * 256 * 1024 });
  await page.getByText("1 photo à envoyer").waitFor();

  await context.setOffline(false);
  await expect
    .poll(async () => (await call(server.url, "GET", `/api/blobs/${sha.hash}/status`, { cookie: owner })).body.complete, { timeout: 30_000 })
    .toBe(true);
  // Resumed at 1 MiB, not from the start; every byte sent once.
  const after = pieces.slice(pieces.indexOf("cut") + 1);
  expect(after[0]).toBe(`bytes ${4 * 256 * 1024}-${5 * 256 * 1024 - 1}/${sha.size}`);
  expect(pieces.filter((p) => p.startsWith("bytes 0-"))).toHaveLength(1);
  expect(sha256(readBlob(server.dir, sha.hash)!)).toBe(sha.hash);
  await waitUntilSynced(page);
  expect(errors).toEqual([]);
});

// Issue 6, photos on a mid-range phone: from choosing a 12 Mpx camera photo to the photo stored on the phone —
// decoded, turned upright, reduced to 1600 px, compressed to JPEG, hashed and written to IndexedDB — in real
// Chromium at 390×844 with the CPU slowed 4× (a mid-range Android phone against this machine), and the size of
// what is kept and sent. Chromium decodes images on its own threads, which the slowdown does not reach: the figure
// is a floor for a real phone. Our own target: ≤ 2 s a photo, so that a series of shots at a door keeps nobody
// waiting.
import type { Page } from "playwright-core";
import { ensureClientBuilt } from "../server/cli/client-build";
import { signInThroughTheForm, startPhoneSession, waitForServiceWorker, type PhoneSession } from "../tests/e2e/browser";
import { call, signIn } from "../tests/support/server";
import { median, percentile } from "./support/measure";

const SHOTS = 6;
const CPU_SLOWDOWN = 4;
const TARGET_MS = 2_000;

await ensureClientBuilt(undefined, (line) => console.log(line));
let session: PhoneSession | undefined;
try {
  session = await startPhoneSession({ pinnedClock: false });
  const { page, context, server } = session;
  await context.addInitScript({ content: "globalThis.__name = (fn) => fn;" });
  const office = await signIn(server.url, "bureau@demo.test");
  const debtors: { customerId: string; name: string; units: { siteCode: string; padlock: string }[] }[] = (await call(server.url, "GET", "/api/today", { cookie: office })).body.debtors;
  const target = debtors.find((d) => d.units.some((u) => u.siteCode === "LYO" && u.padlock === "none"))!;

  await signInThroughTheForm(page, "gestionnaire@demo.test");
  await waitForServiceWorker(page);
  await page.goto(`/debiteurs/${target.customerId}`);
  await page.getByRole("heading", { name: target.name }).waitFor();
  await page.getByRole("button", { name: "Poser le double cadenas" }).first().click();

  // Camera-like photos (4000×3000, detail everywhere, as a sensor's noise gives), made before slowing the CPU.
  const shots = await cameraPhotos(page, SHOTS);
  const cdp = await context.newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });

  const thumbs = page.locator(".photo-picker .photo-thumb img");
  for (const [i, shot] of shots.entries()) {
    await page.getByLabel("Photo de la porte").setInputFiles({ name: `photo-${i}.jpg`, mimeType: "image/jpeg", buffer: shot });
    while ((await thumbs.count()) < i + 1) await page.waitForTimeout(10);
  }
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });
  // Measured by the app itself, from the file chosen to the photo stored (the test driver's own transfer of the
  // file into the browser is not the phone's work and stays out).
  const times = await page.evaluate(() => performance.getEntriesByName("cadenas:photo-kept").map((e) => e.duration));
  const kept = await page.evaluate(keptPhotos);

  const inMb = (b: number) => (b / 1024 / 1024).toFixed(1);
  console.log(`${SHOTS} camera photos of 4000×3000 (${inMb(Math.min(...shots.map((s) => s.length)))}–${inMb(Math.max(...shots.map((s) => s.length)))} MB JPEG), CPU slowed ${CPU_SLOWDOWN}×:`);
  console.log(`  chosen → stored on the phone (upright, 1600 px, JPEG, SHA-256, IndexedDB): median ${Math.round(median(times))} ms · max ${Math.round(percentile(times, 1))} ms (target ≤ ${TARGET_MS} ms)`);
  console.log(`  each: ${times.map((t) => Math.round(t)).join(", ")} ms`);
  console.log(`  kept and sent: ${kept.map((k) => `${k.width}×${k.height}`).filter((v, i, a) => a.indexOf(v) === i).join(", ")} JPEG, median ${Math.round(median(kept.map((k) => k.size)) / 1024)} KB a photo (the camera's: ${Math.round(median(shots.map((s) => s.length)) / 1024)} KB)`);
  const pieces = Math.ceil(median(kept.map((k) => k.size)) / 262_144);
  console.log(`  sent in ${pieces} piece${pieces > 1 ? "s" : ""} of 256 KiB a photo (a drop costs one piece at most)`);
  if (session.errors.length > 0) throw new Error(`errors in the page: ${session.errors.join("; ")}`);
} finally {
  await session?.close();
}

async function cameraPhotos(page: Page, n: number): Promise<Buffer[]> {
  const encoded = await page.evaluate(async (count) => {
    const out: string[] = [];
    for (let k = 0; k < count; k++) {
      const canvas = new OffscreenCanvas(4000, 3000);
      const ctx = canvas.getContext("2d")!;
      const gradient = ctx.createLinearGradient(0, 0, 4000, 3000);
      gradient.addColorStop(0, `hsl(${k * 50}, 60%, 40%)`);
      gradient.addColorStop(1, `hsl(${k * 50 + 120}, 60%, 70%)`);
      ctx.fillStyle = gradient;
      ctx.fillRect(0, 0, 4000, 3000);
      const noise = ctx.getImageData(0, 0, 4000, 3000);
      for (let i = 0; i < noise.data.length; i += 4) {
        const d = (Math.random() - 0.5) * 40;
        noise.data[i]! += d;
        noise.data[i + 1]! += d;
        noise.data[i + 2]! += d;
      }
      ctx.putImageData(noise, 0, 0);
      const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: "image/jpeg", quality: 0.9 })).arrayBuffer());
      let binary = "";
      for (let i = 0; i < bytes.length; i += 32_768) binary += String.fromCharCode(...bytes.subarray(i, i + 32_768));
      out.push(btoa(binary));
    }
    return out;
  }, n);
  return encoded.map((b64) => Buffer.from(b64, "base64"));
}

/** The photos the phone kept, from its database as the app wrote them. */
async function keptPhotos(): Promise<{ width: number; height: number; size: number }[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const open = indexedDB.open("cadenas");
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const rows = await new Promise<{ width: number; height: number; size: number }[]>((resolve) => {
    const req = db.transaction("photos").objectStore("photos").getAll();
    req.onsuccess = () => resolve(req.result);
  });
  db.close();
  return rows;
}

// Issue 19, the first sync on a mid-range phone in a corridor: a fresh phone (390×844, real Chromium) signs in to a
// site of 500, then 5,000 debtors, over Lighthouse's "slow 4G" (DevTools network throttling) with the CPU slowed 4×
// (DevTools CPU throttling). From the tap on "Se connecter" it times the first debtor row on *Aujourd'hui* and the
// moment every debtor is stored with the pull's cursor set ("ready"), counts the pull's pages and the bytes that
// came over the wire (and in which encoding), and lists the long frames the page drew meanwhile (Long Animation
// Frames and long tasks, observed in the page). Targets: ready ≤ 3 s (500), ≤ 10 s (5,000), no frame > 50 ms.
// Printed, never asserted. Each size runs twice: landing on *Aujourd'hui* as a person does, then on *Mon compte*
// (no screen reads the debtors), so the sync's own long frames show apart from the list's. The server's own time
// a page is printed too (the same pull from Node, unthrottled). FIRST_SYNC_SIZES=500,5000 picks the sizes,
// FIRST_SYNC_CPU the slowdown, FIRST_SYNC_ALONE=off skips the second run, FIRST_SYNC_NETWORK=devtools Lighthouse's
// DevTools-mode figures.
import { cpSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, CDPSession } from "playwright-core";
import { ensureClientBuilt } from "../server/cli/client-build";
import { launchChromium, phoneContext, waitForServiceWorker, watchErrors } from "../tests/e2e/browser";
import { BULK_USER, startBulkServer, type BulkServer } from "./support/bulk";
import type { PullResponse } from "../shared/schemas/debtor-doc";
import { count, mib, ms, signIn } from "./support/measure";

const SIZES = (process.env.FIRST_SYNC_SIZES ?? "500,5000").split(",").map(Number);
const TARGET_MS: Record<number, number> = { 500: 3_000, 5000: 10_000 };
const CPU_SLOWDOWN = Number(process.env.FIRST_SYNC_CPU ?? 4);
/**
 * Lighthouse 12's mobileSlow4G (constants.js `throttling.mobileSlow4G`): 150 ms round trip, 1.6 Mbit/s down
 * (1,638.4 kbit/s), 750 kbit/s up. CDP takes bytes a second. (Lighthouse's own DevTools mode stretches the latency
 * to 562.5 ms a request and trims the throughput by 10 % to mimic connection set-up; FIRST_SYNC_NETWORK=devtools
 * uses those instead.)
 */
const NETWORK =
  process.env.FIRST_SYNC_NETWORK === "devtools"
    ? { latency: 562.5, downloadThroughput: (1_474.56 * 1024) / 8, uploadThroughput: (675 * 1024) / 8 }
    : { latency: 150, downloadThroughput: (1_638.4 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 };
const LONG_MS = 50;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const benchStarted = performance.now();

await ensureClientBuilt(undefined, (line) => console.log(line));
console.log(
  `network: ${NETWORK.latency} ms latency, ${count((NETWORK.downloadThroughput * 8) / 1024)} kbit/s down, ${count((NETWORK.uploadThroughput * 8) / 1024)} kbit/s up; CPU slowed ${CPU_SLOWDOWN}×`,
);

for (const debtors of SIZES) {
  await measure(debtors, "today");
  // The same sync with no screen reading the debtors: what the sync's own work costs the page's frames.
  if (process.env.FIRST_SYNC_ALONE !== "off") await measure(debtors, "alone");
}
console.log(`\nfirst-sync bench took ${(Math.round(performance.now() - benchStarted) / 1000).toFixed(1)} s`);

interface PullSeen {
  requestId: string;
  encoding: string;
  /** The answer's media type: application/x-ndjson for the phone's pages, JSON from a server that does not offer lines. */
  contentType: string;
  encodedBytes: number;
  /** What each chunk brought over the wire (`encodedBytes` when the loader never said it finished). */
  streamedBytes: number;
  decodedBytes: number;
  sentAt: number;
  doneAt: number;
}

/** "today": the sign-in lands on *Aujourd'hui*, as a person's does; "alone": on *Mon compte*, which reads no debtor. */
async function measure(debtors: number, landing: "today" | "alone"): Promise<void> {
  let bulk: BulkServer | undefined;
  let browser: Browser | undefined;
  try {
    // A private copy of the built client, so a build running meanwhile (the test suite's) cannot change it.
    bulk = await startBulkServer({
      debtors,
      clientDir: (dir) => {
        cpSync(join(ROOT, "dist/client"), join(dir, "client"), { recursive: true });
        return join(dir, "client");
      },
    });
    if (landing === "today") await serverAlone(bulk.url);
    browser = await launchChromium();
    const context = await phoneContext(browser, bulk.url, { pinnedClock: false });
    // tsx compiles this file with esbuild's keepNames (`__name(fn, "name")`), absent from the page.
    await context.addInitScript({ content: "globalThis.__name = (fn) => fn;" });
    await context.addInitScript(watchFrames);
    const page = await context.newPage();
    const errors = watchErrors(page);

    await page.goto("/");
    await page.waitForURL(/\/connexion/);
    // A person types their address and password for some seconds: the service worker has precached the app by
    // then, so the screens' code comes from the phone, and only the API crosses the network.
    await waitForServiceWorker(page);
    await page.getByLabel("Adresse e-mail").fill(BULK_USER.email);
    await page.getByLabel("Mot de passe").fill(BULK_USER.password);

    const cdp = await context.newCDPSession(page);
    const pulls = await watchPulls(cdp);
    await cdp.send("Network.emulateNetworkConditions", { offline: false, ...NETWORK });
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });

    if (landing === "today") {
      await page.evaluate(() => ((globalThis as unknown as { __tap: number }).__tap = performance.now()));
      await page.getByRole("button", { name: "Se connecter" }).click();
    } else {
      // Signed in over the API (the browser context keeps the cookie), then the app opened on *Mon compte*: timed
      // from the navigation (the sign-in form always lands on *Aujourd'hui*).
      const signedIn = await context.request.post("/api/auth/login", { data: { email: BULK_USER.email, password: BULK_USER.password } });
      if (signedIn.status() !== 200) throw new Error(`sign-in answered ${signedIn.status()}`);
      await page.goto("/compte");
    }
    const ready = await page.evaluate(waitUntilStored, { expected: debtors, timeoutMs: 180_000 });
    // The frames that were still being drawn when the last page landed: on *Aujourd'hui*, until its list counts
    // every debtor (« Tous (5 000) »: the list reads them all once the sync is over), then a moment for the entry.
    if (landing === "today") {
      await page.waitForFunction(
        (expected) => [...document.querySelectorAll("button")].some((b) => Number((/^Tous \(([\d\s\u202f\u00a0]+)\)/.exec(b.textContent ?? "")?.[1] ?? "").replace(/\D/g, "")) === expected),
        debtors,
        { timeout: 60_000 },
      );
    }
    await page.waitForTimeout(300);
    const seen = await page.evaluate(framesSince, LONG_MS);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });

    const target = TARGET_MS[debtors];
    const list = pulls.done();
    const encoded = list.reduce((s, p) => s + p.encodedBytes, 0);
    const decoded = list.reduce((s, p) => s + p.decodedBytes, 0);
    const encodings = [...new Set(list.map((p) => p.encoding || "none"))].join(", ");
    // The phone asks for its pages as JSON lines (parsed as they stream in); a page answered as JSON shows here.
    const forms = [...new Set(list.map((p) => p.contentType || "?"))].join(", ");
    console.log(`\n${count(debtors)} debtors, a fresh phone, ${landing === "today" ? "on Aujourd'hui" : "on Mon compte (no screen reads the debtors)"}, ${landing === "today" ? 'tap on "Se connecter"' : "the app opened signed in"} →`);
    if (ready.timedOut) console.log(`  note: not ready within 3 minutes (${ready.stored} debtors stored)`);
    if (landing === "today") console.log(`  first debtor row on Aujourd'hui: ${ready.firstRow >= 0 ? ms(ready.firstRow) : "never shown"}`);
    console.log(`  ready (${count(ready.stored)} debtors stored, cursor set): ${ms(ready.ready)}${target ? ` (target ≤ ${count(target)} ms)` : ""}`);
    console.log(
      `  pull: ${list.length} pages, ${count(encoded)} bytes on the wire (${mib(encoded)}), ${count(decoded)} bytes decoded (${mib(decoded)}, ${forms}), encoding: ${encodings}`,
    );
    if (list.length > 0) {
      const first = list[0]!;
      const at = (t: number) => Math.round(t - pulls.loginAt());
      console.log(
        `  first page: ${count(first.encodedBytes)} bytes, asked ${ms(first.sentAt - pulls.loginAt())} after the sign-in request, answered ${ms(first.doneAt - first.sentAt)} later`,
      );
      console.log(`  pages (KiB on the wire, asked → answered, ms after the sign-in request or the page's): ${list.map((p) => `${count(p.encodedBytes / 1024)}K ${at(p.sentAt)}→${at(p.doneAt)}`).join(" · ")}`);
    }
    console.log(
      `  frames > ${LONG_MS} ms while syncing (target none): ${seen.frames.length} long animation frames, longest ${seen.frames[0] ? ms(seen.frames[0].duration) : "–"}; ${seen.tasks.length} long tasks, longest ${seen.tasks[0] ? ms(seen.tasks[0]) : "–"}`,
    );
    for (const f of seen.frames.slice(0, 5)) {
      console.log(`    ${ms(f.duration)} at +${ms(f.at)} (blocking ${ms(f.blocking)}, render ${ms(f.render)}): ${f.scripts || "no script attributed"}`);
    }
    if (!seen.supported) console.log("  note: this Chromium reports no long-animation-frame entries");
    if (errors.length > 0) console.log(`  note: the page reported errors: ${errors.slice(0, 3).join(" | ")}`);
  } finally {
    await browser?.close();
    await bulk?.close();
  }
}

/**
 * The server's share: the same first sync asked from here, with no throttling and nothing stored, so what each page
 * costs the server (building the documents, compressing them) shows apart from the phone's network and CPU.
 */
async function serverAlone(url: string): Promise<void> {
  const cookie = await signIn(url, BULK_USER.email, BULK_USER.password);
  const clientId = crypto.randomUUID();
  const times: number[] = [];
  let bytes = 0;
  for (let page: string | null = null; ; ) {
    const started = performance.now();
    const res = await fetch(`${url}/api/sync/pull`, {
      method: "POST",
      headers: { "content-type": "application/json", "accept-encoding": "br", cookie },
      body: JSON.stringify({ clientId, cursor: null, page }),
    });
    const body = Buffer.from(await res.arrayBuffer());
    times.push(performance.now() - started);
    bytes += Number(res.headers.get("content-length") ?? body.byteLength);
    const answer = JSON.parse(body.toString()) as PullResponse;
    if (!answer.hasMore) break;
    page = answer.nextPage;
  }
  console.log(`\n  the server alone (from Node, no throttling): ${times.length} pages in ${ms(times.reduce((a, b) => a + b, 0))}, each ${times.map((t) => ms(t)).join(" · ")}`);
}

/** The pull's answers as the network saw them: encoding, bytes over the wire (headers included) and decoded. */
async function watchPulls(cdp: CDPSession): Promise<{ done(): PullSeen[]; loginAt(): number }> {
  const byId = new Map<string, PullSeen>();
  let loginAt = 0;
  await cdp.send("Network.enable");
  cdp.on("Network.requestWillBeSent", (e) => {
    // The start: the sign-in request, or the app's page when it opens signed in.
    if (!loginAt && (e.request.url.endsWith("/api/auth/login") || e.type === "Document")) loginAt = e.timestamp * 1000;
    if (e.request.url.endsWith("/api/sync/pull") && e.request.method === "POST") {
      byId.set(e.requestId, { requestId: e.requestId, encoding: "", contentType: "", encodedBytes: 0, streamedBytes: 0, decodedBytes: 0, sentAt: e.timestamp * 1000, doneAt: 0 });
    }
  });
  cdp.on("Network.responseReceived", (e) => {
    const p = byId.get(e.requestId);
    if (!p) return;
    const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    p.encoding = headers["content-encoding"] ?? "";
    p.contentType = (headers["content-type"] ?? "").split(";")[0]!;
  });
  cdp.on("Network.dataReceived", (e) => {
    const p = byId.get(e.requestId);
    if (!p) return;
    p.decodedBytes += e.dataLength;
    p.streamedBytes += e.encodedDataLength;
  });
  cdp.on("Network.loadingFinished", (e) => {
    const p = byId.get(e.requestId);
    if (!p) return;
    p.encodedBytes = e.encodedDataLength;
    p.doneAt = e.timestamp * 1000;
  });
  // A page the app reads as it streams (JSON lines, `body.getReader()`) is reported cancelled after its last chunk
  // (seen with Debian's Chromium), never finished, though the app read it whole (a cut page is refused). Its wire
  // bytes are then what the chunks brought, headers aside.
  cdp.on("Network.loadingFailed", (e) => {
    const p = byId.get(e.requestId);
    if (!p || !e.canceled || p.decodedBytes === 0) return;
    p.encodedBytes = p.streamedBytes;
    p.doneAt = e.timestamp * 1000;
  });
  return { done: () => [...byId.values()].filter((p) => p.doneAt > 0).sort((a, b) => a.sentAt - b.sentAt), loginAt: () => loginAt };
}

// ---- in the page -------------------------------------------------------------------------------------------------
// These run in Chromium (serialised by Playwright): they may use only what they declare.

/**
 * Installed before any of the app's scripts: records every long animation frame and long task (buffered), and when
 * the first debtor row appears on *Aujourd'hui*.
 */
function watchFrames(): void {
  const w = globalThis as unknown as { __frames: PerformanceEntry[]; __tasks: PerformanceEntry[]; __firstRow: number; __loaf: boolean };
  w.__frames = [];
  w.__tasks = [];
  w.__firstRow = -1;
  // The start of the measure: this document's own start unless the bench sets the tap's time.
  (w as unknown as { __tap: number }).__tap = 0;
  w.__loaf = PerformanceObserver.supportedEntryTypes.includes("long-animation-frame");
  if (w.__loaf) new PerformanceObserver((l) => w.__frames.push(...l.getEntries())).observe({ type: "long-animation-frame", buffered: true });
  new PerformanceObserver((l) => w.__tasks.push(...l.getEntries())).observe({ type: "longtask", buffered: true });
  const look = () => {
    if (w.__firstRow < 0 && document.querySelector(".debtor-list li")) w.__firstRow = performance.now();
  };
  new MutationObserver(look).observe(document, { childList: true, subtree: true });
}

/** Polls the phone's store (plain IndexedDB, as the app's first screen does) until its first pull is over. */
async function waitUntilStored(args: { expected: number; timeoutMs: number }): Promise<{ ready: number; firstRow: number; stored: number; timedOut: boolean }> {
  const w = globalThis as unknown as { __tap: number; __firstRow: number };
  const read = <T>(req: IDBRequest<T>) =>
    new Promise<T>((ok, fail) => {
      req.onsuccess = () => ok(req.result);
      req.onerror = () => fail(req.error);
    });
  const storedNow = async (): Promise<{ n: number; cursor: boolean }> => {
    // Opening a database that does not exist yet would create it empty, under Dexie's feet: look first.
    if (!(await indexedDB.databases()).some((d) => d.name === "cadenas")) return { n: 0, cursor: false };
    const open = indexedDB.open("cadenas");
    const db = await read(open as IDBRequest<IDBDatabase>);
    try {
      if (!db.objectStoreNames.contains("debtors")) return { n: 0, cursor: false };
      const tx = db.transaction(["debtors", "meta"], "readonly");
      const n = await read(tx.objectStore("debtors").count());
      const cursor = (await read(tx.objectStore("meta").get("cursor"))) as { value?: unknown } | undefined;
      return { n, cursor: Boolean(cursor?.value) };
    } finally {
      db.close();
    }
  };
  for (;;) {
    const now = await storedNow();
    if (now.n >= args.expected && now.cursor) return { ready: performance.now() - w.__tap, firstRow: w.__firstRow >= 0 ? w.__firstRow - w.__tap : -1, stored: now.n, timedOut: false };
    if (performance.now() - w.__tap > args.timeoutMs) return { ready: -1, firstRow: w.__firstRow >= 0 ? w.__firstRow - w.__tap : -1, stored: now.n, timedOut: true };
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The long frames and tasks since the tap, longest first, with what ran in them. */
function framesSince(longMs: number): {
  supported: boolean;
  frames: { duration: number; at: number; blocking: number; render: number; scripts: string }[];
  tasks: number[];
} {
  const w = globalThis as unknown as { __tap: number; __frames: PerformanceEntry[]; __tasks: PerformanceEntry[]; __loaf: boolean };
  type Script = { invoker: string; invokerType: string; sourceURL: string; sourceFunctionName: string; sourceCharPosition: number; duration: number };
  type Frame = PerformanceEntry & { blockingDuration: number; renderStart: number; styleAndLayoutStart: number; scripts: Script[] };
  const frames = (w.__frames as Frame[])
    .filter((f) => f.startTime >= w.__tap && f.duration > longMs)
    .sort((a, b) => b.duration - a.duration)
    .map((f) => ({
      duration: f.duration,
      at: f.startTime - w.__tap,
      blocking: f.blockingDuration,
      render: f.renderStart ? f.startTime + f.duration - f.renderStart : 0,
      scripts: [...f.scripts]
        .sort((a, b) => b.duration - a.duration)
        .slice(0, 3)
        .map((s) => `${Math.round(s.duration)} ms ${s.invokerType} ${s.invoker} ${s.sourceFunctionName || "?"}@${s.sourceURL.split("/").pop()}:${s.sourceCharPosition}`)
        .join("; "),
    }));
  const tasks = w.__tasks
    .filter((t) => t.startTime >= w.__tap && t.duration > longMs)
    .map((t) => t.duration)
    .sort((a, b) => b - a);
  return { supported: w.__loaf, frames, tasks };
}

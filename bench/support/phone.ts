// A phone holding a bulk site's debtors, for the benchmarks measured in Chromium (tap latency, scrolling): a bulk
// server with a private copy of the built client, a 390×844 phone on the real clock, signed in through the form,
// its first sync over.
import { cpSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchChromium, phoneContext, watchErrors } from "../../tests/e2e/browser";
import { BULK_USER, startBulkServer, type BulkServer } from "./bulk";
import { count, ms } from "./measure";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export interface SyncedPhone {
  bulk: BulkServer;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  errors: string[];
  /** From the tap on « Se connecter » to every debtor stored and the pull's cursor set. */
  firstSyncMs: number;
  close(): Promise<void>;
}

/** `clientDir`: another built client to measure (an older commit's, for a before/after); by default dist/client. */
export async function startSyncedPhone(options: { debtors: number; clientDir?: string }): Promise<SyncedPhone> {
  // A private copy of the built client, so a build running meanwhile (the test suite's) cannot change it.
  const bulk = await startBulkServer({
    debtors: options.debtors,
    clientDir: (dir) => {
      cpSync(options.clientDir ?? join(ROOT, "dist/client"), join(dir, "client"), { recursive: true });
      return join(dir, "client");
    },
  });
  let browser: Browser | undefined;
  try {
    console.log(`${count(options.debtors)} debtors written in ${ms(bulk.seedMs)}`);
    browser = await launchChromium();
    // The real clock: Playwright's would stand in for performance.now() and requestAnimationFrame.
    const context = await phoneContext(browser, bulk.url, { pinnedClock: false });
    // tsx compiles the benches with esbuild's keepNames, which wraps named functions in a `__name(fn, "name")`
    // helper; functions sent to the page as source text would not find it.
    await context.addInitScript({ content: "globalThis.__name = (fn) => fn;" });
    const page = await context.newPage();
    const errors = watchErrors(page);

    await page.goto("/");
    await page.waitForURL(/\/connexion/);
    await page.getByLabel("Adresse e-mail").fill(BULK_USER.email);
    await page.getByLabel("Mot de passe").fill(BULK_USER.password);
    const started = performance.now();
    await page.getByRole("button", { name: "Se connecter" }).click();
    await page.getByRole("heading", { name: "Aujourd'hui" }).waitFor();
    // Synced when every debtor is in the phone's store and the pull's last page has set the cursor (the status
    // bar's "Tout est envoyé" also shows before the first sync, so it alone does not say the pull is over).
    // (Polled from here: page.waitForFunction takes the promise an async predicate returns for a truthy answer.)
    while (!(await page.evaluate(storedDebtors, options.debtors))) {
      if (performance.now() - started > 180_000) throw new Error("the first sync did not end within 3 minutes");
      await page.waitForTimeout(100);
    }
    const firstSyncMs = performance.now() - started;
    const opened = browser;
    return {
      bulk,
      browser,
      context,
      page,
      errors,
      firstSyncMs,
      async close() {
        await opened.close();
        await bulk.close();
      },
    };
  } catch (e) {
    await browser?.close();
    await bulk.close();
    throw e;
  }
}

// ---- in the page -------------------------------------------------------------------------------------------------
// Runs in Chromium (serialised by Playwright): it may use only what it declares.

/** How many debtors the phone's store holds once its first pull is over (false until then). */
async function storedDebtors(expected: number): Promise<number | false> {
  // Opening a database that does not exist yet would create it empty, under Dexie's feet: look first.
  if (!(await indexedDB.databases()).some((d) => d.name === "cadenas")) return false;
  const db = await new Promise<IDBDatabase>((ok, fail) => {
    const req = indexedDB.open("cadenas");
    req.onsuccess = () => ok(req.result);
    req.onerror = () => fail(req.error);
  });
  try {
    if (!db.objectStoreNames.contains("debtors")) return false;
    const tx = db.transaction(["debtors", "meta"], "readonly");
    const read = <T>(req: IDBRequest<T>) =>
      new Promise<T>((ok, fail) => {
        req.onsuccess = () => ok(req.result);
        req.onerror = () => fail(req.error);
      });
    const n = await read(tx.objectStore("debtors").count());
    const cursor = (await read(tx.objectStore("meta").get("cursor"))) as { value?: unknown } | undefined;
    return n >= expected && Boolean(cursor?.value) ? n : false;
  } finally {
    db.close();
  }
}

import { cpSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { TEST_NOW, startTestServer, type TestServer } from "../support/server";

/** Debian's Chromium (apt-get install -y chromium); CHROMIUM_PATH overrides it. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` or set CHROMIUM_PATH`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * A mid-range phone: 390×844, touch, French, in Paris, its clock set to the tests' pinned day (`TEST_NOW`) and
 * running from there, so a date typed on the phone means the same thing whatever day the suite runs. Benchmarks
 * ask for the real clock (`pinnedClock: false`): Playwright's clock also stands in for `performance.now()`, which
 * then no longer lines up with the browser's own performance marks.
 */
export async function phoneContext(browser: Browser, baseURL: string, options: { pinnedClock?: boolean } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: "fr-FR",
    timezoneId: "Europe/Paris",
    serviceWorkers: "allow",
  });
  if (options.pinnedClock !== false) await context.clock.install({ time: TEST_NOW });
  return context;
}

/** The office at a desk: 1280×800, French, a mouse, its clock on the tests' day like the phones'. */
export async function deskContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 }, locale: "fr-FR", timezoneId: "Europe/Paris", acceptDownloads: true });
  await context.clock.install({ time: TEST_NOW });
  return context;
}

/** Uncaught errors and console errors (CSP violations among them), except failed loads, which offline tests cause. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** A private copy of the built client, so a test can change what is deployed without touching dist/. */
export function copyOfBuiltClient(): string {
  const dir = join(mkdtempSync(join(tmpdir(), "cadenas-client-")), "client");
  cpSync(resolve("dist/client"), dir, { recursive: true });
  return dir;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(".test-results", "screens", `${name}.png`), fullPage: false });
}

/** Signs in from the sign-in screen; waits for "Aujourd'hui" unless the password is expected to fail. */
export async function signInThroughTheForm(page: Page, email: string, password = "demo", expect: "success" | "failure" = "success"): Promise<void> {
  await page.goto("/");
  await page.waitForURL(/\/connexion/);
  await page.getByLabel("Adresse e-mail").fill(email);
  await page.getByLabel("Mot de passe").fill(password);
  await page.getByRole("button", { name: "Se connecter" }).click();
  if (expect === "success") await page.getByRole("heading", { name: "Aujourd'hui" }).waitFor();
}

/** Waits until the service worker has installed, precached the shell and controls the page. */
export async function waitForServiceWorker(page: Page): Promise<void> {
  // A plain predicate: an async one returns a promise, which is truthy at once, while the worker is still
  // installing (precaching) — a reload with no network then found no worker to answer it.
  await page.waitForFunction(() => navigator.serviceWorker.controller?.state === "activated", undefined, { timeout: 30_000 });
}

/** The real server (demo data, the built client) and one phone-sized page on it in Chromium, its errors watched. */
export interface PhoneSession {
  server: TestServer;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  errors: string[];
  close(): Promise<void>;
}

/** A test server with the built client, Chromium, and one page: a phone's (390×844), or a desk's (1280×800) with `desk`. */
export async function startPhoneSession(options: { pinnedClock?: boolean; desk?: boolean } = {}): Promise<PhoneSession> {
  const server = await startTestServer({ clientDir: copyOfBuiltClient() });
  const browser = await launchChromium();
  const context = options.desk ? await deskContext(browser, server.url) : await phoneContext(browser, server.url, options);
  const page = await context.newPage();
  return {
    server,
    browser,
    context,
    page,
    errors: watchErrors(page),
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * Waits until the phone has sent everything and knows it: the status bar's `data-sync-state` is set only once the
 * pending counts have loaded (the words "Tout est envoyé" can show before they have).
 */
export async function waitUntilSynced(page: Page, timeout = 30_000): Promise<void> {
  await page.locator('.status-bar[data-sync-state="synced"]').waitFor({ timeout });
}

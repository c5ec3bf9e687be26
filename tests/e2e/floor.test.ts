import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { formatLongDay } from "../../client/format";
import { addDays } from "../../shared/dates";
import { TEST_TODAY, call, signIn, startTestServer, type TestServer } from "../support/server";
import { copyOfBuiltClient, launchChromium, phoneContext, screenshot, signInThroughTheForm, waitForServiceWorker, watchErrors } from "./browser";

let server: TestServer;
let browser: Browser;
let clientDir: string;
let context: BrowserContext;
let page: Page;
let errors: string[];

beforeAll(async () => {
  clientDir = copyOfBuiltClient();
  server = await startTestServer({ clientDir });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});
beforeEach(async () => {
  context = await phoneContext(browser, server.url);
  page = await context.newPage();
  errors = watchErrors(page);
});
afterEach(async () => {
  await context.close();
  expect(errors).toEqual([]);
});

describe("the floor app in Chromium at 390×844", () => {
  it("signs in the site manager and lists the debtors of their site", async () => {
    await signInThroughTheForm(page, "gestionnaire@demo.test");
    await expect.poll(() => page.getByRole("heading", { name: "Aujourd'hui" }).isVisible()).toBe(true);
    const rows = page.locator(".debtor-list > li");
    await rows.first().waitFor();
    expect(await rows.count()).toBeGreaterThanOrEqual(5);
    for (const text of await rows.allInnerTexts()) {
      expect(text).toMatch(/€/);
      expect(text).toMatch(/J\+\d+|Payé/);
      expect(text).toMatch(/\b[AB][1-5]\d{2}\b/);
    }
    // "Tous" lists every debtor followed, "Tournée" orders them by aisle.
    const todo = await rows.count();
    await page.getByRole("button", { name: /^Tous/ }).click();
    await expect.poll(() => rows.count()).toBeGreaterThan(todo);
    await page.getByRole("button", { name: "Tournée" }).click();
    const aisles = await page.locator(".debtor-row .unit-chip:first-child .aisle").allInnerTexts();
    expect(aisles.length).toBeGreaterThan(10);
    expect(aisles).toEqual([...aisles].sort());
    await page.getByRole("button", { name: "Priorité" }).click();
    await page.getByRole("button", { name: /^À faire/ }).click();
    // The phone's own date (its clock is pinned at the tests' day), e.g. "Dimanche 22 novembre · Lyon Gerland".
    const day = formatLongDay(TEST_TODAY);
    await expect.poll(async () => (await page.locator(".app-bar p").innerText()).toLowerCase()).toBe(`${day} · Lyon Gerland`.toLowerCase());
    await screenshot(page, "today");
  });

  it("finds a debtor by box number and opens their contact, invoices and history", async () => {
    await signInThroughTheForm(page, "gestionnaire@demo.test");
    const rows = page.locator(".debtor-list > li");
    await rows.first().waitFor();
    const firstBox = (await rows.first().locator(".unit-chip").first().innerText()).trim();
    const name = (await rows.first().locator(".debtor-name").innerText()).trim();
    await page.getByPlaceholder("Nom, référence ou n° de box").fill(firstBox.toLowerCase());
    await expect.poll(() => rows.count()).toBe(1);

    await rows.first().click();
    await page.waitForURL(/\/debiteurs\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe(name);
    for (const section of ["Box", "Coordonnées", "Factures impayées", "Historique"]) {
      expect(await page.getByRole("heading", { name: section, exact: true }).isVisible(), section).toBe(true);
    }
    expect(await page.getByText("Solde dû").isVisible()).toBe(true);
    expect(await page.locator(".timeline li").count()).toBeGreaterThan(0);
    expect(await page.getByText(firstBox, { exact: false }).first().isVisible()).toBe(true);
    await screenshot(page, "debtor");

    await page.getByRole("link", { name: "Retour" }).click();
    await page.waitForURL(/\/$/);
  });

  it("shows a note taken on a debtor on their row of Aujourd'hui, waiting with no signal, then sent", async () => {
    await signInThroughTheForm(page, "gestionnaire@demo.test");
    const rows = page.locator(".debtor-list > li");
    await rows.first().waitFor();
    await page.getByText("Tout est envoyé").waitFor();
    const name = (await rows.first().locator(".debtor-name").innerText()).trim();
    await rows.first().click();
    await page.waitForURL(/\/debiteurs\/[0-9a-f-]{36}$/);

    await context.setOffline(true);
    await page.getByRole("button", { name: "Note", exact: true }).click();
    await page.getByRole("textbox", { name: "Note" }).fill("Client absent, avis laissé dans la boîte.");
    await page.getByRole("button", { name: "Enregistrer", exact: true }).click();
    await page.locator(".timeline li.pending").first().waitFor();
    await page.getByRole("link", { name: "Retour" }).click();
    await page.waitForURL(/\/$/);

    const row = rows.filter({ hasText: name }).first();
    await expect.poll(() => row.locator(".last-action").innerText()).toContain("Client absent, avis laissé dans la boîte.");
    expect(await row.locator(".pending-dot").count()).toBe(1);

    await context.setOffline(false);
    await page.getByText("Tout est envoyé").waitFor();
    await expect.poll(() => row.locator(".pending-dot").count()).toBe(0);
    expect(await row.locator(".last-action").innerText()).toContain("Client absent, avis laissé dans la boîte.");
  });

  it("reloads with no network and still shows the app with the last known list", async () => {
    await signInThroughTheForm(page, "gestionnaire@demo.test");
    await waitForServiceWorker(page);
    const rows = page.locator(".debtor-list > li");
    await rows.first().waitFor();
    const count = await rows.count();

    await context.setOffline(true);
    await page.reload();
    await page.getByRole("heading", { name: "Aujourd'hui" }).waitFor();
    await page.getByText("Hors connexion").waitFor();
    await rows.first().waitFor();
    expect(await rows.count()).toBe(count);

    await rows.first().click();
    await page.getByRole("heading", { name: "Historique" }).waitFor();
    await screenshot(page, "debtor-offline");
    await page.goBack();
    await screenshot(page, "today-offline");
    await context.setOffline(false);
  });

  it("turns to the next day's list when left open past midnight", async () => {
    await signInThroughTheForm(page, "gestionnaire@demo.test");
    const rows = page.locator(".debtor-list > li");
    await rows.first().waitFor();
    const day = async () => (await page.locator("header").first().innerText()).toLowerCase();
    await expect.poll(day).toContain(formatLongDay(TEST_TODAY).toLowerCase());
    const late = async (name: string) => Number(/J\+(\d+)/.exec(await rows.filter({ hasText: name }).first().innerText())?.[1]);
    const name = (await rows.first().locator(".debtor-name").innerText()).trim();
    const before = await late(name);
    expect(before).toBeGreaterThan(0);

    await context.clock.fastForward(86_400_000);
    await expect.poll(day).toContain(formatLongDay(addDays(TEST_TODAY, 1)).toLowerCase());
    await expect.poll(() => late(name)).toBe(before + 1);
  });

  it("says in French when the password is wrong", async () => {
    await signInThroughTheForm(page, "gestionnaire@demo.test", "mauvais", "failure");
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").innerText()).toBe("E-mail ou mot de passe incorrect.");
    await page.waitForFunction(() => [...document.images].every((img) => img.complete && img.naturalWidth > 0));
    await screenshot(page, "login-error");
  });

  it("tells a site manager that a customer of another site is not theirs", async () => {
    const office = await signIn(server.url, "bureau@demo.test");
    const today = (await call(server.url, "GET", "/api/today", { cookie: office })).body;
    const elsewhere = today.debtors.find((d: { units: { siteCode: string }[] }) => d.units.every((u) => u.siteCode === "VIL"));
    await signInThroughTheForm(page, "gestionnaire@demo.test");
    await page.getByRole("heading", { name: "Aujourd'hui" }).waitFor();
    await page.goto(`/debiteurs/${elsewhere.customerId}`);
    await page.getByText("n'est pas suivi sur vos sites").waitFor();
    expect(await page.content()).not.toContain(elsewhere.name);
  });

  it("signs out and then asks to sign in again", async () => {
    await signInThroughTheForm(page, "gestionnaire@demo.test");
    await page.getByRole("button", { name: /menu de/i }).click();
    await page.getByRole("menuitem", { name: "Se déconnecter" }).click();
    await page.waitForURL(/\/connexion/);
    await page.goto("/");
    await page.waitForURL(/\/connexion/);
  });
});

describe("installable PWA", () => {
  it("links a manifest with icons, standalone display and a theme colour", async () => {
    await page.goto("/connexion");
    const href = await page.locator('link[rel="manifest"]').getAttribute("href");
    expect(href).toBeTruthy();
    const manifest = await (await page.request.get(href!)).json();
    expect(manifest).toMatchObject({ display: "standalone", lang: "fr", start_url: "/", theme_color: "#16324f", short_name: "Cadenas" });
    const icons = manifest.icons as { src: string; sizes: string; purpose: string }[];
    expect(icons.map((i) => `${i.sizes} ${i.purpose}`).sort()).toEqual(["192x192 any", "512x512 any", "512x512 maskable"]);
    for (const icon of icons) {
      const res = await page.request.get(icon.src);
      expect(res.status(), icon.src).toBe(200);
      const png = await res.body();
      const [w, h] = [png.readUInt32BE(16), png.readUInt32BE(20)];
      expect(`${w}x${h}`).toBe(icon.sizes);
    }
  });

  it("offers to update when a new version is deployed, and updates", async () => {
    await signInThroughTheForm(page, "gestionnaire@demo.test");
    await waitForServiceWorker(page);
    expect(await page.getByText("nouvelle version").count()).toBe(0);

    // Deploy a new version: a service worker that differs by one byte is a new version to the browser.
    appendFileSync(join(clientDir, "sw.js"), "\n// next version\n");
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
    await page.getByText("Une nouvelle version de Cadenas est disponible.").waitFor({ timeout: 30_000 });
    await screenshot(page, "update-available");

    await Promise.all([page.waitForEvent("load"), page.getByRole("button", { name: "Mettre à jour" }).click()]);
    await page.getByRole("heading", { name: "Aujourd'hui" }).waitFor();
    const activeIsNew = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      const source = await (await fetch(registration!.active!.scriptURL, { cache: "no-store" })).text();
      return !registration!.waiting && source.includes("// next version");
    });
    expect(activeIsNew).toBe(true);
    expect(readFileSync(join(clientDir, "sw.js"), "utf8")).toContain("next version");
  });
});

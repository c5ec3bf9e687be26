import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server";
import { copyOfBuiltClient, deskContext, launchChromium, phoneContext, screenshot, waitUntilSynced, watchErrors } from "./browser";
import { setupOpen } from "../../server/setup/setup-code";

// The README's "Mettre en service", followed in Chromium on an empty database without demo data: the setup code
// from the server's log, the first office account, the first site, the billing software's four files, the first
// site manager invited (no SMTP: the link is handed over), who chooses a password on a phone and gets a first pull.

const FIXTURES = "tests/fixtures/imports";
const csv = (name: string) => ({ name, mimeType: "text/csv", buffer: readFileSync(join(FIXTURES, name)) });
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer({ demo: false, clientDir: copyOfBuiltClient() });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});


it("goes from an empty database to a site manager's first pull on the phone, with only a browser", async () => {
  const code = server.services.setupCode!.code;
  const desk = await (await deskContext(browser, server.url)).newPage();
  const deskErrors = watchErrors(desk);

  // Anyone opening Cadenas lands on the first-run page: nothing else can be done before.
  await desk.goto("/");
  await desk.waitForURL(/\/premiers-pas/);
  await desk.locator('[data-setup="account"]').waitFor();
  await screenshot(desk, "first-run-account-desk");
  await desk.getByLabel("Code d'installation").fill("AAAAA-BBBBB");
  await desk.getByLabel("Nom et prénom").fill("Claire Martin");
  await desk.getByLabel("Adresse e-mail").fill("claire.martin@exemple.test");
  await desk.getByLabel(/Initiales/).fill("CM");
  await desk.locator("input[name=password]").fill("ficelle-tonnerre-abricot");
  await desk.getByLabel("Confirmer le mot de passe").fill("ficelle-tonnerre-abricot");
  await desk.getByRole("button", { name: "Créer le compte" }).click();
  await desk.getByRole("alert").filter({ hasText: "Code d'installation incorrect" }).waitFor();
  await desk.getByLabel("Code d'installation").fill(code);
  await desk.getByRole("button", { name: "Créer le compte" }).click();

  // The first site.
  await desk.locator('.setup-steps[data-current="site"]').waitFor();
  await screenshot(desk, "first-run-site-desk");
  const siteField = (key: string) => desk.locator(`[data-field="${key}"] input`);
  await siteField("code").fill("LYO");
  await siteField("name").fill("Lyon Gerland");
  await siteField("address").fill("12 rue de Gerland");
  await siteField("postalCode").fill("69007");
  await siteField("city").fill("Lyon");
  await desk.getByRole("button", { name: "Créer le site" }).click();

  // The first import: the four files at once, in any order.
  await desk.locator('.setup-steps[data-current="import"]').waitFor();
  await desk.getByRole("button", { name: "Importer les fichiers" }).click();
  await desk.getByTestId("import-files").setInputFiles([csv("payments.csv"), csv("invoices.csv"), csv("contracts.csv"), csv("customers.csv")]);
  await desk.getByTestId("import-run").click();
  await expect.poll(() => desk.locator('.import-file[data-state="done"]').count(), { timeout: 30_000 }).toBe(4);
  expect(await desk.locator('.import-report[data-ok="yes"]').count()).toBe(4);
  await desk.getByRole("link", { name: "Retour" }).click();

  // The first site manager, with the link to hand over (no SMTP here).
  await desk.locator('.setup-steps[data-current="team"]').waitFor();
  await desk.getByRole("button", { name: "Inviter un gestionnaire" }).click();
  await desk.getByLabel("Nom", { exact: true }).fill("Victor Tessier");
  await desk.getByLabel("Adresse e-mail").fill("victor.tessier@exemple.test");
  await desk.getByLabel(/Lyon Gerland/).check();
  await desk.getByRole("button", { name: "Créer et inviter" }).click();
  await desk.locator('[data-delivery="handover"]').waitFor();
  const link = new URL(await desk.getByLabel("Lien d'invitation").inputValue());
  expect(link.origin).toBe(server.url);
  await desk.getByRole("button", { name: "Terminé" }).click();
  await desk.getByRole("link", { name: "Retour" }).click();
  await desk.locator('.setup-steps[data-current="done"]').waitFor();
  await screenshot(desk, "first-run-done-desk");

  // On the site manager's phone: the link, a password, and the first pull of their site.
  const phone = await phoneContext(browser, server.url);
  const page = await phone.newPage();
  const phoneErrors = watchErrors(page);
  await page.goto(`${link.pathname}${link.hash}`);
  await page.getByRole("heading", { name: "Bienvenue, Victor Tessier" }).waitFor();
  await page.getByLabel("Nouveau mot de passe").fill("quai-perrache-velo-73");
  await page.getByLabel("Confirmer le mot de passe").fill("quai-perrache-velo-73");
  await page.getByRole("button", { name: "Choisir mon mot de passe" }).click();
  await page.getByRole("heading", { name: "Aujourd'hui" }).waitFor();
  await waitUntilSynced(page);
  await screenshot(page, "first-run-phone-synced");

  // The first-run page is gone for good: the server has its account.
  expect(await setupOpen(server.services.db)).toBe(false);
  expect(deskErrors).toEqual([]);
  expect(phoneErrors).toEqual([]);
});

import { generate } from "otplib";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Clock } from "../../server/context";
import { call, signIn, startTestServer, type TestServer } from "../support/server";
import { copyOfBuiltClient, deskContext, launchChromium, phoneContext, screenshot, signInThroughTheForm, watchErrors } from "./browser";

// Two-factor sign-in through the screens. The operator requires it: a Manager signing in on a phone is asked to
// set an authenticator app up (QR code and key on screen; the test plays the app, computing the code from the key
// shown), keeps the recovery codes shown once, and is signed in. Next time the form asks for the app's code; a
// recovery code works too. At a desk, the office turns it on from "Mon compte". Codes are computed for the
// server's clock (pinned by the tests, moved here by whole 30 s steps so that each code is a new one).

let server: TestServer;
let browser: Browser;
let shiftMs = 0;

beforeAll(async () => {
  server = await startTestServer({ clientDir: copyOfBuiltClient() });
  const pinned: Clock = server.services.clock;
  server.services.clock = { ...pinned, now: () => new Date(pinned.now().getTime() + shiftMs) };
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** What the authenticator app shows now for the key on screen, one TOTP step after the last code used. */
async function appCode(page: Page): Promise<string> {
  const key = (await page.locator(".totp-key").first().textContent())?.replaceAll(" ", "") ?? "";
  expect(key).toMatch(/^[A-Z2-7]{32}$/);
  return codeFor(key);
}

function codeFor(key: string): Promise<string> {
  shiftMs += 30_000;
  return generate({ secret: key, epoch: Math.floor(server.services.clock.now().getTime() / 1000) });
}

async function passwordStep(page: Page, email: string): Promise<void> {
  await page.goto("/");
  await page.waitForURL(/\/connexion/);
  await page.getByLabel("Adresse e-mail").fill(email);
  await page.getByLabel("Mot de passe").fill("demo");
  await page.getByRole("button", { name: "Se connecter" }).click();
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: /menu de/i }).click();
  await page.getByRole("menuitem", { name: "Se déconnecter" }).click();
  await page.waitForURL(/\/connexion/);
}

it("makes a Manager set an app up at sign-in when required, then asks for its code, or a recovery code", async () => {
  const office = await signIn(server.url, "bureau@demo.test");
  expect((await call(server.url, "PUT", "/api/settings", { cookie: office, body: { twoFactorRequired: true } })).status).toBe(200);

  const context = await phoneContext(browser, server.url);
  const page = await context.newPage();
  const errors = watchErrors(page);

  // Setting the app up: QR code, key, the first code.
  await passwordStep(page, "manager@demo.test");
  await page.locator('[data-second-factor="enrol"]').waitFor();
  await page.locator("img.totp-qr").waitFor();
  await page.locator(".totp-key").waitFor();
  expect(await page.locator("img.totp-qr").evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
  await screenshot(page, "two-factor-enrol-phone");
  const key = (await page.locator(".totp-key").textContent())!.replaceAll(" ", "");
  await page.getByLabel("Code à 6 chiffres affiché par l'application").fill(await appCode(page));
  await page.getByRole("button", { name: "Activer et se connecter" }).click();

  // The recovery codes, once; then in.
  await page.locator('[data-recovery-codes="10"]').waitFor();
  await screenshot(page, "two-factor-recovery-codes-phone");
  const recovery = await page.locator(".recovery-list li").allTextContents();
  expect(recovery).toHaveLength(10);
  await page.getByRole("button", { name: "J'ai mis mes codes de côté, continuer" }).click();
  await page.getByRole("heading", { name: "Aujourd'hui" }).waitFor();

  // Next time: the password, then the app's code.
  await signOut(page);
  await passwordStep(page, "manager@demo.test");
  await page.locator('[data-second-factor="code"]').waitFor();
  await screenshot(page, "two-factor-code-phone");
  // A wrong code is refused and says how many tries are left.
  await page.getByLabel("Code à 6 chiffres de votre application d'authentification").fill("000000");
  await page.getByRole("button", { name: "Valider" }).click();
  await page.getByText(/Code incorrect\. Encore 4 essais\./).waitFor();
  await page.getByLabel("Code à 6 chiffres de votre application d'authentification").fill(await codeFor(key));
  await page.getByRole("button", { name: "Valider" }).click();
  await page.getByRole("heading", { name: "Aujourd'hui" }).waitFor();

  // A recovery code instead (the phone with the app was left at home).
  await signOut(page);
  await passwordStep(page, "manager@demo.test");
  await page.getByRole("button", { name: "Utiliser un code de secours" }).click();
  await page.getByLabel("Code de secours").fill(recovery[0]!);
  await screenshot(page, "two-factor-recovery-phone");
  await page.getByRole("button", { name: "Valider" }).click();
  await page.getByRole("heading", { name: "Aujourd'hui" }).waitFor();

  // Mon compte says it is on, with one recovery code spent; it cannot be turned off while required.
  await page.goto("/compte");
  await page.locator('[data-two-factor="on"]').waitFor();
  await page.getByText("Codes de secours restants : 9.").waitFor();
  await page.getByText("elle ne peut pas être désactivée").waitFor();
  await page.locator('[data-two-factor="on"]').scrollIntoViewIfNeeded();
  await screenshot(page, "two-factor-account-phone");

  expect(errors).toEqual([]);
  await context.close();
  expect((await call(server.url, "PUT", "/api/settings", { cookie: office, body: { twoFactorRequired: false } })).status).toBe(200);
});

it("lets the office turn it on from Mon compte at a desk, with the recovery codes shown once", async () => {
  const office = await signIn(server.url, "bureau@demo.test");
  expect((await call(server.url, "PUT", "/api/settings", { cookie: office, body: { twoFactorRequired: false } })).status).toBe(200);
  const context = await deskContext(browser, server.url);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await signInThroughTheForm(page, "bureau@demo.test");
  await page.goto("/compte");
  await page.locator('[data-two-factor="off"]').waitFor();
  await page.getByRole("button", { name: "Activer la double authentification" }).click();
  await page.locator('[data-two-factor-step="enrol"] img.totp-qr').waitFor();
  await screenshot(page, "two-factor-account-enrol-desk");
  await page.getByLabel("Code à 6 chiffres affiché par l'application").fill(await appCode(page));
  await page.getByRole("button", { name: "Confirmer" }).click();
  await page.locator('[data-recovery-codes="10"]').waitFor();
  await screenshot(page, "two-factor-account-codes-desk");
  await page.getByRole("button", { name: "J'ai mis mes codes de côté" }).click();
  await page.locator('[data-two-factor="on"]').waitFor();
  await page.getByText("Codes de secours restants : 10.").waitFor();
  await screenshot(page, "two-factor-account-on-desk");

  // In Utilisateurs, the office sees who has it, and may reset a lost one (the Manager's, set up above).
  await page.goto("/utilisateurs");
  const manager = page.locator('tr[data-user-email="manager@demo.test"]');
  await manager.locator('[data-two-factor="on"]').waitFor();
  await screenshot(page, "two-factor-users-desk");
  await manager.getByRole("button", { name: "Réinitialiser la double authentification de" }).click();
  await manager.locator('[data-two-factor="on"]').waitFor({ state: "detached" });
  expect(errors).toEqual([]);
  await context.close();
});

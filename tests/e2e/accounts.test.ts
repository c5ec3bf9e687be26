import { and, eq } from "drizzle-orm";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { users } from "../../server/auth/auth.sql";
import { actions } from "../../server/cases/cases.sql";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { call, signIn, startTestServer, type TestServer } from "../support/server";
import { copyOfBuiltClient, deskContext, launchChromium, phoneContext, screenshot, signInThroughTheForm, waitUntilSynced, watchErrors } from "./browser";

// Accounts from the office's desk to a phone: the office invites a site manager with no SMTP set (the link is shown
// to hand over), the new user opens it on a phone, a too common password is refused with the reason, a good one
// signs them in. Then the office deactivates them while their phone holds an action made offline: the phone is
// signed out on its next sync (401), says the action could not be sent and keeps it; once the account is
// reactivated and they sign in again, it reaches the server.

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer({ clientDir: copyOfBuiltClient() });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});


const PASSWORD = "Gerland-quai-rhone-42";

it("invites a site manager who chooses a password on the phone; deactivated, the phone keeps its unsent action", async () => {
  const desk = await (await deskContext(browser, server.url)).newPage();
  const deskErrors = watchErrors(desk);
  await signInThroughTheForm(desk, "bureau@demo.test");
  await desk.getByRole("button", { name: /menu de/i }).click();
  await desk.getByRole("menuitem", { name: "Utilisateurs" }).click();
  await desk.locator('[data-users-state="ready"]').waitFor();
  await desk.locator('tr[data-user-email="gestionnaire@demo.test"]').waitFor();
  await screenshot(desk, "users-desk");

  // The office creates a site manager of Lyon; no SMTP: the link is shown to hand over.
  await desk.getByRole("button", { name: "Nouvel utilisateur" }).click();
  await desk.getByLabel("Nom").fill("Camille Durand");
  await desk.getByLabel("Adresse e-mail").fill("camille.durand@exemple.test");
  expect(await desk.getByLabel("Initiales").inputValue()).toBe("CD");
  await desk.getByLabel(/Lyon Gerland/).check();
  await desk.getByRole("button", { name: "Créer et inviter" }).click();
  await desk.locator('[data-delivery="handover"]').waitFor();
  await desk.getByText(/À remettre à la personne\u202f: valable jusqu'au/).waitFor();
  await screenshot(desk, "users-invitation-desk");
  const link = new URL(await desk.getByLabel("Lien d'invitation").inputValue());
  expect(link.pathname).toBe("/bienvenue");
  expect(link.hash).toMatch(/^#t=./);
  await desk.getByRole("button", { name: "Terminé" }).click();
  await desk.locator('tr[data-user-email="camille.durand@exemple.test"][data-user-state="invited"]').waitFor();

  // On a phone with no session: a too common password is refused with the server's reason, a good one signs in.
  const phone = await phoneContext(browser, server.url);
  const page = await phone.newPage();
  const phoneErrors = watchErrors(page);
  await page.goto(`${link.pathname}${link.hash}`);
  await page.locator('[data-link-state="ready"]').waitFor();
  await page.getByRole("heading", { name: "Bienvenue, Camille Durand" }).waitFor();
  await page.getByText("12 caractères au moins, pas un mot de passe courant").waitFor();
  await screenshot(page, "invitation-link-phone");
  await page.getByLabel("Nouveau mot de passe").fill("motdepasse123");
  await page.getByLabel("Confirmer le mot de passe").fill("motdepasse123");
  await page.getByRole("button", { name: "Choisir mon mot de passe" }).click();
  await page.getByRole("alert").filter({ hasText: /courant/ }).waitFor();
  await screenshot(page, "invitation-refused-phone");
  await page.getByLabel("Nouveau mot de passe").fill(PASSWORD);
  await page.getByLabel("Confirmer le mot de passe").fill(PASSWORD);
  await page.getByRole("button", { name: "Choisir mon mot de passe" }).click();
  await page.getByRole("heading", { name: "Aujourd'hui" }).waitFor();
  await waitUntilSynced(page);
  await screenshot(page, "invited-signed-in-phone");

  // Offline, a call with no answer stays on the phone.
  const office = await signIn(server.url, "bureau@demo.test");
  const debtors: DebtorDoc[] = (await call(server.url, "GET", "/api/today", { cookie: office })).body.debtors;
  const target = debtors.find((d) => d.units.some((u) => u.siteCode === "LYO") && d.phone)!;
  await page.goto(`/debiteurs/${target.customerId}`);
  await page.getByRole("heading", { name: target.name }).waitFor();
  await phone.setOffline(true);
  await page.getByRole("button", { name: "Noter un appel" }).click();
  await page.getByRole("button", { name: "Pas de réponse / messagerie" }).click();
  await page.getByRole("button", { name: "Pas de message" }).click();
  await page.getByText("1 action en attente").waitFor();

  // The office deactivates them: told that the phone is signed out and keeps what it has not sent.
  await desk.getByRole("button", { name: "Désactiver Camille Durand" }).click();
  await desk.getByText("son téléphone sera déconnecté").waitFor();
  await desk.getByText(/n'a pas encore envoyées y restent/).waitFor();
  await desk.getByRole("button", { name: "Désactiver", exact: true }).click();
  await desk.locator('tr[data-user-email="camille.durand@exemple.test"][data-user-state="deactivated"]').waitFor();

  // Back online, the phone's next sync meets a 401: the sign-in screen says the action stays on the phone.
  await phone.setOffline(false);
  await page.waitForURL(/\/connexion/);
  const note = page.locator('.note[data-unsent="1"]');
  await note.waitFor();
  expect(await note.innerText()).toContain("1 action n'a pas pu être envoyée\u202f: elle reste sur ce téléphone et partira quand vous serez reconnecté(e).");
  await screenshot(page, "deactivated-phone");
  const [camille] = await server.services.db.select().from(users).where(eq(users.email, "camille.durand@exemple.test"));
  const calls = () => server.services.db.select().from(actions).where(and(eq(actions.customerId, target.customerId), eq(actions.userId, camille!.id)));
  expect(await calls()).toHaveLength(0);

  // Reactivated, they sign in again on the same phone: the kept action goes, once.
  await desk.getByRole("button", { name: "Réactiver Camille Durand" }).click();
  await desk.locator('tr[data-user-email="camille.durand@exemple.test"][data-user-state="active"]').waitFor();
  await page.getByLabel("Adresse e-mail").fill("camille.durand@exemple.test");
  await page.getByLabel("Mot de passe").fill(PASSWORD);
  await page.getByRole("button", { name: "Se connecter" }).click();
  await waitUntilSynced(page);
  await expect.poll(async () => (await calls()).length).toBe(1);

  expect(deskErrors).toEqual([]);
  expect(phoneErrors).toEqual([]);
});

it("brings someone who opened a page signed out back to that page once signed in", async () => {
  const context = await phoneContext(browser, server.url);
  try {
    const page = await context.newPage();
    await page.goto("/compte");
    await page.waitForURL(/\/connexion\?retour=%2Fcompte$/);
    await page.getByLabel("Adresse e-mail").fill("gestionnaire@demo.test");
    await page.getByLabel("Mot de passe").fill("demo");
    await page.getByRole("button", { name: "Se connecter" }).click();
    await page.waitForURL(/\/compte$/);
    await page.getByRole("heading", { name: "Mon compte" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/compte");
  } finally {
    await context.close();
  }
});

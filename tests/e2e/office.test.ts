import { and, eq } from "drizzle-orm";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { invoices } from "../../server/billing/billing.sql";
import { cases } from "../../server/cases/cases.sql";
import { scenarios } from "../../server/engine/engine.sql";
import { customers } from "../../server/customers/customers.sql";
import { messages } from "../../server/messaging/messaging.sql";
import { queueMessages } from "../../server/messaging/outbox";
import { TEST_TODAY, startTestServer, type TestServer } from "../support/server";
import { copyOfBuiltClient, launchChromium, phoneContext, screenshot, signInThroughTheForm, watchErrors } from "./browser";

// The office's screens on a phone: a scenario edited and saved, a refused setting named, a debt written off by the
// Manager and found in the list to enter in the billing software.

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

it("edits a scenario step and the settings; a wrong value is refused with its reason", async () => {
  const context = await phoneContext(browser, server.url);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await signInThroughTheForm(page, "bureau@demo.test");
  await page.getByRole("button", { name: /menu de/i }).click();
  await page.getByRole("menuitem", { name: "Scénarios et réglages" }).click();
  await page.getByRole("heading", { name: "Scénarios de relance" }).waitFor();
  await page.getByRole("button", { name: /^Standard avec e-mail/ }).click();
  const days = page.getByLabel("Relance 1 : jours");
  await expect.poll(() => days.inputValue()).toBe("8");
  await days.fill("10");
  await days.blur();
  await page.getByRole("button", { name: "Enregistrer le scénario" }).click();
  await page.getByRole("status").filter({ hasText: "Enregistré" }).first().waitFor();
  const [standard] = await server.services.db.select().from(scenarios).where(eq(scenarios.code, "standard"));
  expect(standard!.steps.find((s) => s.code === "R1")!.when.days).toBe(10);

  const fee = page.getByLabel("Frais de rejet de prélèvement (€)");
  await fee.fill("vingt");
  await page.getByRole("button", { name: "Enregistrer les réglages" }).click();
  await page.getByRole("alert").filter({ hasText: "Montant illisible" }).waitFor();
  await fee.fill("20,00");
  await page.getByRole("button", { name: "Enregistrer les réglages" }).click();
  await expect.poll(async () => (await (await fetch(`${server.url}/api/settings`, { headers: { cookie: await cookieOf(context) } })).json()).sepaRejectFeeCents).toBe(2000);
  await screenshot(page, "scenarios");
  expect(errors).toEqual([]);
  await context.close();
});

it("the Manager writes a debt off from the debtor screen; it is listed to enter in the billing software", async () => {
  const context = await phoneContext(browser, server.url);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await signInThroughTheForm(page, "manager@demo.test");
  await page.locator(".debtor-list > li").first().waitFor();
  await page.locator(".debtor-list > li").first().click();
  const customerId = page.url().split("/").pop()!;
  await page.getByRole("button", { name: "Clôturer", exact: true }).click();
  await page.getByRole("button", { name: "Passer en perte" }).click();
  await page.getByLabel("Pourquoi").fill("Client parti sans adresse");
  await page.getByRole("button", { name: "Clôturer le dossier" }).click();
  await page.getByRole("heading", { name: "Clôturer le dossier" }).waitFor({ state: "hidden" });
  const closed = await server.services.db.select().from(cases).where(and(eq(cases.customerId, customerId), eq(cases.status, "written_off")));
  expect(closed).toHaveLength(1);
  const lost = await server.services.db.select().from(invoices).where(and(eq(invoices.customerId, customerId), eq(invoices.kind, "write_off")));
  expect(lost.length).toBeGreaterThan(0);

  await page.goto("/facturation");
  await page.getByRole("heading", { name: "À saisir en facturation" }).waitFor();
  await page.getByText(`Perte · ${lost[0]!.ref}`).waitFor();
  await screenshot(page, "billing");
  await page.getByRole("button", { name: /^Marquer saisis/ }).click();
  await page.getByText("Rien à saisir").waitFor();
  expect(errors).toEqual([]);
  await context.close();
});

it("edits a template: an unknown variable and an amount in an SMS are refused, the preview shows it filled for a real customer", async () => {
  const context = await phoneContext(browser, server.url);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await signInThroughTheForm(page, "bureau@demo.test");
  await page.goto("/modeles");
  await page.getByRole("heading", { name: "Modèles de messages" }).waitFor();
  await page.getByLabel("Modèle").selectOption("box-reminder-sms");
  const text = page.getByLabel("Texte");
  await text.fill("{{site}} : merci de régler {{montant}} pour le box {{box}}.");
  await page.getByRole("button", { name: "Enregistrer le modèle" }).click();
  await page.getByRole("alert").filter({ hasText: "SMS : variable inconnue {{montant}}" }).waitFor();
  // An SMS never shows the amount owed: a lock screen is seen by others.
  await text.fill("{{site}} : merci de régler {{solde}} pour le box {{box}}.");
  await page.getByRole("button", { name: "Enregistrer le modèle" }).click();
  await page.getByRole("alert").filter({ hasText: "pas de {{solde}}" }).waitFor();
  await text.fill("{{site}} : merci de passer à l'accueil pour le box {{box}}.");
  await page.getByRole("button", { name: "Enregistrer le modèle" }).click();
  await page.getByRole("status").filter({ hasText: "Enregistré" }).waitFor();
  await page.locator(".message-body").filter({ hasText: /: merci de passer à l.accueil pour le box \S+/ }).waitFor();
  await screenshot(page, "templates");
  expect(errors).toEqual([]);
  await context.close();
});

it("prints and posts the letters waiting, a registered one with its tracking number", async () => {
  const db = server.services.db;
  // A customer still owing (the write-off above closed the first debtor of the list): the print checks it is due.
  const [c] = await db.select({ id: cases.customerId }).from(cases).where(eq(cases.status, "open")).limit(1);
  await queueMessages(db, [{ customerId: c!.id, caseId: null, plannedActionId: "x", key: "e2e|R3", step: "R3", template: "box-R3", channel: "registered_letter", purpose: "floor" }], TEST_TODAY);
  const context = await phoneContext(browser, server.url);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await signInThroughTheForm(page, "bureau@demo.test");
  await page.getByRole("button", { name: /menu de/i }).click();
  await page.getByRole("menuitem", { name: "Envois et courriers" }).click();
  await page.getByRole("button", { name: "Marquer postés" }).click();
  await page.getByRole("alert").filter({ hasText: "lettre pas encore imprimée" }).waitFor();
  // Printed (dated today, stored), then posted.
  await page.getByRole("button", { name: "Imprimer le courrier (PDF)" }).click();
  await page.locator("[data-printed-batch]:not([data-printed-batch=''])").waitFor();
  await page.getByRole("button", { name: "Marquer postés" }).click();
  await page.getByRole("alert").filter({ hasText: "numéro de suivi de la lettre recommandée manquant" }).waitFor();
  await page.getByLabel("N° de suivi").fill("1A23456789012");
  await screenshot(page, "letters");
  await page.getByRole("button", { name: "Marquer postés" }).click();
  await page.getByText("Aucun courrier à poster.").waitFor();
  const [m] = await db.select().from(messages).where(eq(messages.idempotencyKey, `engine:${c!.id}|e2e|R3`));
  expect(m).toMatchObject({ status: "sent", providerId: "1A23456789012" });
  expect(errors).toEqual([]);
  await context.close();
});

async function cookieOf(context: import("playwright-core").BrowserContext): Promise<string> {
  return (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
}

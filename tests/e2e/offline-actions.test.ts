import { and, eq, isNotNull } from "drizzle-orm";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { actions } from "../../server/cases/cases.sql";
import { addDays } from "../../shared/dates";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { TEST_TODAY, call, signIn, type TestServer } from "../support/server";
import { type PhoneSession, screenshot, signInThroughTheForm, startPhoneSession, waitForServiceWorker, waitUntilSynced } from "./browser";

// The "done when": with no signal, log a call, a promise and a padlock; reload still offline; all three
// are still there and queued; back online they reach the server, each exactly once.

let session: PhoneSession;
let server: TestServer;
let context: BrowserContext;
let page: Page;
let errors: string[];

beforeAll(async () => {
  session = await startPhoneSession();
  ({ server, context, page, errors } = session);
});
afterAll(() => session?.close());

it("keeps a call, a promise and a padlock made offline through a reload, then sends each once", async () => {
  const office = await signIn(server.url, "bureau@demo.test");
  const debtors: DebtorDoc[] = (await call(server.url, "GET", "/api/today", { cookie: office })).body.debtors;
  const target = debtors.find((d) => d.units.length === 1 && d.units[0]!.siteCode === "LYO" && d.units[0]!.padlock === "none" && d.phone)!;
  const box = target.units[0]!.number;

  await signInThroughTheForm(page, "gestionnaire@demo.test");
  await waitForServiceWorker(page);
  await waitUntilSynced(page);
  await page.goto(`/debiteurs/${target.customerId}`);
  await page.getByRole("heading", { name: target.name }).waitFor();

  await context.setOffline(true);
  await page.getByText("Hors connexion").waitFor();

  // A call with no answer, logged in one tap, without sending a message.
  await page.getByRole("button", { name: "Noter un appel" }).click();
  await page.getByText("Merci de nous rappeler de toute urgence").waitFor();
  expect(await page.locator(".script").innerText()).not.toMatch(/impay|dette|retard|paiement|solde/i);
  await page.getByRole("button", { name: "Pas de réponse / messagerie" }).click();
  await page.getByRole("button", { name: "Pas de message" }).click();

  // A promise to pay.
  await page.getByRole("button", { name: "Promesse", exact: true }).click();
  await page.getByLabel("Date promise").fill(addDays(TEST_TODAY, 5));
  await page.getByLabel("Montant (€)").fill("120,50");
  await page.getByRole("button", { name: "Enregistrer la promesse" }).click();

  // The second padlock.
  await page.getByRole("button", { name: "Poser le double cadenas" }).click();
  await page.getByLabel("Photo de la porte").setInputFiles("tests/fixtures/photos/door.jpg");
  await page.locator(".photo-picker .photo-thumb img").waitFor();
  await page.getByLabel("N° du cadenas (facultatif)").fill("5521");
  await page.getByRole("button", { name: "Double cadenas posé" }).click();

  const pendingFlags = page.locator(".timeline li.pending");
  await expect.poll(() => pendingFlags.count()).toBe(3);
  await page.getByText("3 actions en attente").waitFor();
  await page.getByRole("button", { name: "Retirer le double cadenas" }).waitFor();
  await screenshot(page, "offline-three-actions");

  await page.reload();
  await page.getByRole("heading", { name: target.name }).waitFor();
  await expect.poll(() => pendingFlags.count()).toBe(3);
  await page.getByText("3 actions en attente").waitFor();
  const texts = await pendingFlags.allInnerTexts();
  expect(texts.some((t) => t.includes("Appel : pas de réponse"))).toBe(true);
  expect(texts.some((t) => t.includes("Promesse de paiement : 120,50 € le 27/11/2026"))).toBe(true);
  expect(texts.some((t) => t.includes(`Double cadenas posé sur le box ${box} (cadenas n° 5521)`))).toBe(true);
  await page.getByText("Promesse : 120,50").waitFor();
  await screenshot(page, "offline-after-reload");

  await context.setOffline(false);
  await waitUntilSynced(page);
  await expect.poll(() => pendingFlags.count()).toBe(0);

  const stored = await server.services.db
    .select()
    .from(actions)
    .where(and(eq(actions.customerId, target.customerId), isNotNull(actions.mutationId)));
  expect(stored.map((a) => a.kind).sort()).toEqual(["call", "padlock_placed", "promise"]);
  expect(stored.every((a) => a.initials === "VT" && a.deviceId)).toBe(true);
  await screenshot(page, "online-synced");
  expect(errors).toEqual([]);
});

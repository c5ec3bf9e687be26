import { and, eq, isNotNull } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { actions } from "../../server/cases/cases.sql";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { TEST_NOW, call, signIn, startTestServer, type TestServer } from "../support/server";
import { copyOfBuiltClient, launchChromium, phoneContext, screenshot, signInThroughTheForm, waitForServiceWorker, watchErrors, waitUntilSynced } from "./browser";

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let debtors: DebtorDoc[];

beforeAll(async () => {
  server = await startTestServer({ clientDir: copyOfBuiltClient() });
  browser = await launchChromium();
  context = await phoneContext(browser, server.url);
  const office = await signIn(server.url, "bureau@demo.test");
  debtors = (await call(server.url, "GET", "/api/today", { cookie: office })).body.debtors;
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it("shows an action the server refused, with its reason, until the user has read it", async () => {
  const page = await context.newPage();
  const errors = watchErrors(page);
  const target = debtors.find((d) => d.units.length === 1 && d.units[0]!.siteCode === "LYO" && d.units[0]!.padlock === "none")!;
  const unit = target.units[0]!;
  await signInThroughTheForm(page, "gestionnaire@demo.test");
  await waitForServiceWorker(page);
  await page.goto(`/debiteurs/${target.customerId}`);
  await page.getByRole("heading", { name: target.name }).waitFor();

  await context.setOffline(true);
  await page.getByRole("button", { name: "Poser le double cadenas" }).click();
  await page.getByLabel("Photo de la porte").setInputFiles("tests/fixtures/photos/door.jpg");
  await page.locator(".photo-picker .photo-thumb img").waitFor();
  await page.getByRole("button", { name: "Double cadenas posé" }).click();
  await page.getByText("1 action en attente").waitFor();

  // Meanwhile the Manager, on another phone, had padlocked the same box a minute earlier.
  const manager = await signIn(server.url, "manager@demo.test");
  const earlier = new Date(TEST_NOW.getTime() - 60_000).toISOString(); // the phones' clocks start at TEST_NOW
  const pushed = await call(server.url, "POST", "/api/sync/push", {
    cookie: manager,
    body: { clientId: uuidv7(), mutations: [{ id: uuidv7(), seq: 1, v: 1, kind: "padlock.placed", payload: { unitId: unit.id, photos: ["b".repeat(64)] }, happenedAt: earlier }] },
  });
  expect(pushed.body.results[0].status).toBe("applied");

  await context.setOffline(false);
  const refused = page.getByRole("button", { name: "1 refusée" });
  await refused.waitFor({ timeout: 30_000 });
  await page.locator(".timeline li.refused").first().waitFor();
  expect(await page.locator(".timeline li.refused .flag").innerText()).toMatch(/^Non pris en compte\u202f: Double cadenas déjà posé \(MG, /);
  await refused.click();
  const sheet = page.getByRole("dialog", { name: "Actions refusées par le serveur" });
  await sheet.waitFor();
  expect(await sheet.innerText()).toContain(`Double cadenas posé sur le box ${unit.number}`);
  expect(await sheet.innerText()).toMatch(/Double cadenas déjà posé \(MG, /);
  await screenshot(page, "refused-action");
  await sheet.getByRole("button", { name: "J'ai compris" }).click();
  await expect.poll(() => refused.count()).toBe(0);
  // The box shows padlocked (the Manager's padlock), and the user's event is kept, marked.
  await page.getByRole("button", { name: "Retirer le double cadenas" }).waitFor();
  expect(errors).toEqual([]);
  await page.close();
});

it("lets two tabs work on the same store, and sends each action once", async () => {
  const target = debtors.find((d) => d.units[0]!.siteCode === "LYO" && d.units.every((u) => u.siteCode === "LYO"))!;
  const first = await context.newPage();
  const second = await context.newPage();
  await first.goto(`/debiteurs/${target.customerId}`);
  await second.goto(`/debiteurs/${target.customerId}`);
  await first.getByRole("heading", { name: target.name }).waitFor();
  await second.getByRole("heading", { name: target.name }).waitFor();

  await first.getByRole("button", { name: "Note", exact: true }).click();
  await first.getByRole("textbox", { name: "Note" }).fill("Vu depuis le premier onglet");
  await first.getByRole("button", { name: "Enregistrer" }).click();
  // The other tab sees it at once, through the shared store.
  await second.getByText("Vu depuis le premier onglet").waitFor();
  await waitUntilSynced(first);
  await waitUntilSynced(second);
  const stored = await server.services.db
    .select()
    .from(actions)
    .where(and(eq(actions.customerId, target.customerId), eq(actions.text, "Vu depuis le premier onglet"), isNotNull(actions.mutationId)));
  expect(stored).toHaveLength(1);
});

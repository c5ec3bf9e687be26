import { mkdirSync } from "node:fs";
import { eq } from "drizzle-orm";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { actions } from "../../server/cases/cases.sql";
import { addDays, formatDateFr } from "../../shared/dates";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { TEST_TODAY, call, signIn, type TestServer } from "../support/server";
import { type PhoneSession, screenshot, signInThroughTheForm, startPhoneSession, waitUntilSynced } from "./browser";

// A promise typed on the wrong customer is corrected by its author the same day: the line stays, struck through,
// with who corrected it and when; the promise no longer shows nor counts, on the phone and on the server.

let session: PhoneSession;
let server: TestServer;
let page: Page;
let errors: string[];

beforeAll(async () => {
  session = await startPhoneSession();
  ({ server, page, errors } = session);
});
afterAll(() => session?.close());

it("corrects the user's own promise of today: struck through, no longer counted, synced", async () => {
  const office = await signIn(server.url, "bureau@demo.test");
  const debtors: DebtorDoc[] = (await call(server.url, "GET", "/api/today", { cookie: office })).body.debtors;
  const target = debtors.find((d) => d.units.every((u) => u.siteCode === "LYO") && d.case?.status === "open" && !d.promise)!;

  await signInThroughTheForm(page, "gestionnaire@demo.test");
  await waitUntilSynced(page);
  await page.goto(`/debiteurs/${target.customerId}`);
  await page.getByRole("heading", { name: target.name }).waitFor();

  await page.getByRole("button", { name: "Promesse", exact: true }).click();
  await page.getByLabel("Date promise").fill(addDays(TEST_TODAY, 5));
  await page.getByLabel("Montant (€)").fill("80");
  await page.getByRole("button", { name: "Enregistrer la promesse" }).click();
  await page.getByText("Promesse : 80,00").waitFor();
  await waitUntilSynced(page);

  const typed = page.locator(".timeline li", { hasText: `Promesse de paiement : 80,00 € le ${formatDateFr(addDays(TEST_TODAY, 5))}` });
  // The correction's own line quotes the promise: the promise's line is found by its id from here on.
  const entryId = await typed.getAttribute("data-entry-id");
  const line = page.locator(`.timeline li[data-entry-id="${entryId}"]`);
  const correctButton = line.getByRole("button", { name: "Corriger" });
  const box = await correctButton.boundingBox();
  expect(box!.height).toBeGreaterThanOrEqual(44);
  mkdirSync("/tmp/shots-c", { recursive: true });
  await line.scrollIntoViewIfNeeded();
  await page.screenshot({ path: "/tmp/shots-c/correct-button.png" });
  await correctButton.click();
  const sheet = page.getByRole("dialog", { name: "Corriger une saisie" });
  await sheet.getByText("Cette saisie restera dans l'historique").waitFor();
  await page.screenshot({ path: "/tmp/shots-c/correct-sheet.png" });
  // Two quick taps on the confirm button: one correction.
  const confirm = sheet.getByRole("button", { name: "Oui, annuler cette saisie" });
  await confirm.dblclick();
  await sheet.waitFor({ state: "detached" });

  await expect.poll(() => line.getAttribute("data-corrected")).toBe("true");
  await line.getByText(/^Corrigé par VT le \d\d\/\d\d à \d\d:\d\d$/).waitFor();
  expect(await line.getByRole("button", { name: "Corriger" }).count()).toBe(0);
  expect(await page.getByText("Promesse : 80,00").count()).toBe(0);
  await page.locator(".timeline li", { hasText: "Correction : promesse de paiement annulée" }).first().waitFor();
  await waitUntilSynced(page);

  // On the server: the promise and one correction naming it.
  const corrections = await server.services.db.select().from(actions).where(eq(actions.correctsId, entryId!));
  expect(corrections.map((c) => [c.kind, c.initials])).toEqual([["correction", "VT"]]);

  // From the server's copy after a reload, still struck through.
  await page.reload();
  await expect.poll(() => line.getAttribute("data-corrected")).toBe("true");
  await line.scrollIntoViewIfNeeded();
  await screenshot(page, "corrected-line");
  await page.screenshot({ path: "/tmp/shots-c/corrected-line.png" });
  expect(errors).toEqual([]);
});

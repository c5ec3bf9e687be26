import { eq } from "drizzle-orm";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { units } from "../../server/sites/sites.sql";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { TEST_TODAY, call, signIn, type TestServer } from "../support/server";
import { type PhoneSession, screenshot, signInThroughTheForm, startPhoneSession, waitForServiceWorker, waitUntilSynced } from "./browser";

// The padlock walk-through in the corridors, with no signal: the boxes out of step are listed first, one is fixed
// from the list (placed, with its photo), the list follows at once and through a reload, and the server gets it.

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

it("lists the site's padlocks offline, fixes a box out of step from the list, and sends it once back online", async () => {
  const office = await signIn(server.url, "bureau@demo.test");
  const debtors: DebtorDoc[] = (await call(server.url, "GET", "/api/today", { cookie: office })).body.debtors;
  const late = debtors.find((d) => d.tasks.some((t) => t.kind === "padlock_place" && t.status === "open" && t.dueOn < TEST_TODAY && d.units.some((u) => u.id === t.unitId && u.siteCode === "LYO" && u.padlock === "none")))!;
  const unit = late.units.find((u) => late.tasks.some((t) => t.kind === "padlock_place" && t.unitId === u.id))!;
  const padlocked = debtors.flatMap((d) => d.units).filter((u) => u.siteCode === "LYO" && u.padlock === "second_padlock" && !u.opening).length;

  await signInThroughTheForm(page, "gestionnaire@demo.test");
  await waitForServiceWorker(page);
  await waitUntilSynced(page);
  await page.getByText(late.name).first().waitFor();
  await context.setOffline(true);
  await page.getByRole("button", { name: /menu de/i }).click();
  await page.getByRole("menuitem", { name: "Contrôle des cadenas" }).click();
  await page.getByRole("heading", { name: "Contrôle des cadenas" }).waitFor();

  const mismatches = page.locator("section", { has: page.getByRole("heading", { name: /^Écarts de plus de 24 h/ }) });
  const row = mismatches.locator(`li[data-unit="${unit.number}"]`);
  await row.waitFor();
  expect(await row.innerText()).toContain(`${late.name} · ${late.ref}`);
  expect(await row.innerText()).toMatch(/Double cadenas prévu depuis le \d\d\/\d\d\/2026, pas enregistré/);
  const confirmed = page.locator("section", { has: page.getByRole("heading", { name: /^Posés, confirmés/ }) });
  expect(await confirmed.getByRole("heading").innerText()).toBe(`Posés, confirmés (${padlocked})`);
  await screenshot(page, "walkthrough-offline");

  await row.getByRole("button", { name: "Posé (photos)" }).click();
  await page.getByLabel("Photo de la porte").setInputFiles("tests/fixtures/photos/door.jpg");
  await page.locator(".photo-picker .photo-thumb img").waitFor();
  await page.getByRole("button", { name: "Double cadenas posé" }).click();
  const nowConfirmed = confirmed.locator(`li[data-unit="${unit.number}"]`);
  await nowConfirmed.waitFor();
  expect(await nowConfirmed.innerText()).toMatch(/Posé le .* \(VT\)/);
  await expect.poll(() => nowConfirmed.locator(".photo-thumb img").count()).toBe(1);
  expect(await row.count()).toBe(0);

  await page.reload();
  await page.getByRole("heading", { name: "Contrôle des cadenas" }).waitFor();
  await nowConfirmed.waitFor();
  await context.setOffline(false);
  await waitUntilSynced(page);
  const [stored] = await server.services.db.select().from(units).where(eq(units.id, unit.id));
  expect(stored!.padlockState).toBe("second_padlock");
  expect(errors).toEqual([]);
});

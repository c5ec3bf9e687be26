import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server";
import { copyOfBuiltClient, deskContext, launchChromium, screenshot, signInThroughTheForm, watchErrors } from "./browser";

// The office's follow-up table at a desk (1280×800): a filter and a sort in the address, a customer opened, and the
// way back finds the same view.

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

it("filters, drills into a customer and comes back with the filters kept", async () => {
  const context = await deskContext(browser, server.url);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await signInThroughTheForm(page, "bureau@demo.test");
  await page.getByRole("button", { name: /Menu de/ }).click();
  await page.getByRole("menuitem", { name: "Suivi des impayés" }).click();
  const table = page.locator('[data-follow-up-state="ready"]');
  await table.waitFor();
  const all = Number(await table.getAttribute("data-total"));
  expect(all).toBeGreaterThan(0);

  await page.getByRole("button", { name: /^Filtres/ }).click();
  await page.locator('[data-filter="level"] button[data-value="R2"]').click();
  await page.waitForURL(/\/suivi\?level=R2$/);
  await page.locator('button[data-sort="balance"]').click();
  await page.waitForURL(/\/suivi\?level=R2&sort=balance$/);
  await expect.poll(async () => page.locator('[data-follow-up-state="ready"]').getAttribute("data-total")).not.toBe(String(all));
  const r2 = await table.getAttribute("data-total");
  expect(await page.locator("tr.fu-row[data-level]").evaluateAll((rows) => rows.every((r) => r.getAttribute("data-level") === "R2"))).toBe(true);
  expect(await page.locator('th:has(button[data-sort="balance"])').getAttribute("aria-sort")).toBe("descending");
  await screenshot(page, "follow-up-desk");

  const first = page.locator("tr.fu-row").first();
  const name = (await first.locator(".fu-link .fu-main").textContent())!;
  await first.locator(".fu-link").click();
  await page.waitForURL(/\/debiteurs\//);
  await page.getByRole("heading", { name }).waitFor();
  // The debtor page's back arrow returns to the table as it was left.
  await page.getByRole("link", { name: "Retour" }).click();
  await page.waitForURL(/\/suivi\?level=R2&sort=balance$/);
  await page.locator('[data-follow-up-state="ready"]').waitFor();
  expect(await table.getAttribute("data-total")).toBe(r2);
  // And the browser's own back button too.
  await page.goBack();
  await page.waitForURL(/\/debiteurs\//);
  await page.goBack();
  await page.waitForURL(/\/suivi\?level=R2&sort=balance$/);
  await page.locator('[data-follow-up-state="ready"]').waitFor();
  expect(await table.getAttribute("data-total")).toBe(r2);
  expect(errors).toEqual([]);
  await context.close();
});

import { afterAll, beforeAll, expect, it } from "vitest";
import { type PhoneSession, screenshot, signInThroughTheForm, startPhoneSession } from "./browser";

// The office's follow-up table at a desk (1280×800): a filter and a sort in the address, a customer opened, and the
// way back finds the same view.

let session: PhoneSession;

beforeAll(async () => {
  session = await startPhoneSession({ desk: true });
});
afterAll(() => session?.close());

it("filters, drills into a customer and comes back with the filters kept", async () => {
  const { page, errors } = session;
  await signInThroughTheForm(page, "bureau@demo.test");
  await page.getByRole("button", { name: /menu de/i }).click();
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
});

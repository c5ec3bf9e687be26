import { afterAll, beforeAll, expect, it } from "vitest";
import { type PhoneSession, screenshot, signInThroughTheForm, startPhoneSession } from "./browser";

// A bulk stop from the office's follow-up table at a desk (1280×800): rows ticked, "Mettre en stop" with a note,
// the count said and the rows showing "Stop" once the table is read again.

let session: PhoneSession;

beforeAll(async () => {
  session = await startPhoneSession({ desk: true });
});
afterAll(() => session?.close());

it("puts the ticked rows on stop with a note and says how many", async () => {
  const { page, errors } = session;
  await signInThroughTheForm(page, "bureau@demo.test");
  await page.goto("/suivi?sort=ref&dir=asc");
  await page.locator('[data-follow-up-state="ready"]').waitFor();

  const rows = page.locator('tr.fu-row[data-stop="no"]');
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const row = rows.nth(i);
    ids.push((await row.getAttribute("data-customer-id"))!);
    await row.locator('input[type="checkbox"]').check();
  }
  const bar = page.locator("[data-bulk-count]");
  await expect.poll(() => bar.getAttribute("data-bulk-count")).toBe("3");
  await screenshot(page, "follow-up-selection");

  await page.locator('button[data-bulk-action="stop"]').click();
  await page.locator('[data-bulk-form="stop"] textarea').fill("Accord avec la direction régionale");
  await screenshot(page, "follow-up-bulk-dialog");
  await page.getByTestId("bulk-submit").click();

  await page.locator('[data-bulk-outcome="done"][data-bulk-done="3"]').waitFor();
  expect(await page.locator('[data-bulk-outcome="done"]').textContent()).toContain("Fait pour 3 clients");
  // The table is read again: the same rows now say Stop.
  for (const id of ids) {
    const row = page.locator(`tr.fu-row[data-customer-id="${id}"][data-stop="yes"]`);
    await row.waitFor();
    expect(await row.locator(".fu-flag-stop").first().textContent()).toBe("Stop");
  }
  await screenshot(page, "follow-up-bulk-done");
  expect(errors).toEqual([]);
});

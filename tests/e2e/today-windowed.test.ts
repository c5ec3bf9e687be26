import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BULK_USER, startBulkServer, type BulkServer } from "../../bench/support/bulk";
import { copyOfBuiltClient, launchChromium, phoneContext, signInThroughTheForm, watchErrors } from "./browser";

// Issue 19: with thousands of debtors, *Aujourd'hui* draws only the rows near the screen (a windowed list), so that
// scrolling and its toggles stay within a frame on a phone. The whole list must still be there for the person:
// scrolled to, numbered for a screen reader, and tapped.
const DEBTORS = 1_200;

let bulk: BulkServer;
let browser: Browser;

beforeAll(async () => {
  const clientDir = copyOfBuiltClient();
  bulk = await startBulkServer({ debtors: DEBTORS, clientDir: () => clientDir });
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await bulk?.close();
});

it("scrolls a list of 1,200 debtors to the 1,000th, drawing only the rows near the screen, and opens it", async () => {
  const context = await phoneContext(browser, bulk.url);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await signInThroughTheForm(page, BULK_USER.email, BULK_USER.password);
  // Every debtor stored: « Tous » counts them.
  await page.getByRole("button", { name: `Tous (${DEBTORS})` }).click({ timeout: 60_000 });

  const rows = page.locator(".debtor-list > li");
  await rows.first().waitFor();
  expect(await rows.count()).toBeLessThan(40);
  expect(await rows.first().getAttribute("aria-setsize")).toBe(String(DEBTORS));
  expect(await rows.first().getAttribute("aria-posinset")).toBe("1");

  // Scrolled as a person does, until the 1,000th row is drawn.
  const thousandth = page.locator('.debtor-list > li[aria-posinset="1000"]');
  await expect
    .poll(
      async () => {
        if ((await thousandth.count()) === 0) await page.mouse.wheel(0, 2_500);
        return thousandth.count();
      },
      { timeout: 60_000 },
    )
    .toBe(1);
  expect(await rows.count()).toBeLessThan(40);
  expect(await rows.first().getAttribute("aria-posinset")).not.toBe("1");

  const name = (await thousandth.locator(".debtor-name").innerText()).trim();
  await thousandth.locator("a").click();
  await page.waitForURL(/\/debiteurs\/[0-9a-f-]{36}$/);
  await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe(name);
  await context.close();
  expect(errors).toEqual([]);
}, 180_000);

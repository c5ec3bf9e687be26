import { afterAll, beforeAll, expect, it } from "vitest";
import { type PhoneSession, screenshot, signInThroughTheForm, startPhoneSession } from "./browser";

// The dashboards at a desk (1280×800), on the demo data: opened from the menu, drawn with their tables, and a bar of
// the aged balance opens the follow-up table filtered to its bucket.

let session: PhoneSession;

beforeAll(async () => {
  session = await startPhoneSession({ desk: true });
});
afterAll(() => session?.close());

it("shows the dashboards and a click on an aged-balance bar opens the follow-up table filtered to it", async () => {
  const { page, errors } = session;
  await signInThroughTheForm(page, "bureau@demo.test");
  await page.getByRole("button", { name: /menu de/i }).click();
  await page.getByRole("menuitem", { name: "Tableau de bord" }).click();
  await page.waitForURL(/\/tableau-de-bord$/);
  await page.locator('main[data-state="ready"]').waitFor();
  // Every chart drawn, each with its table.
  await page.locator('[data-chart-state="ready"]').nth(3).waitFor();
  expect(await page.locator('[data-chart-state="ready"]').count()).toBe(4);
  expect(await page.locator("table.db-table").count()).toBeGreaterThanOrEqual(5);
  await page.getByTestId("db-shared-credit").waitFor();
  await screenshot(page, "dashboard-desk");
  await page.locator("#db-cash-title").scrollIntoViewIfNeeded();
  await screenshot(page, "dashboard-desk-recovery");
  await page.evaluate(() => window.scrollTo(0, 0));

  // The site chosen goes into the address, and the drill-down keeps it.
  await page.locator('button[data-site="LYO"]').click();
  await page.waitForURL(/\/tableau-de-bord\?site=LYO$/);
  await page.locator('main[data-state="ready"]').waitFor();

  // The fullest bucket's bar, where the chart drew it.
  const buckets = await page.locator("#db-aged-title ~ table tbody tr").evaluateAll((rows) =>
    rows.map((r) => ({ bucket: r.getAttribute("data-bucket")!, count: Number(r.querySelector("td")!.textContent) })),
  );
  const target = buckets.reduce((best, b) => (b.count > best.count ? b : best));
  expect(target.count).toBeGreaterThan(0);
  const index = buckets.indexOf(target);
  const canvas = page.getByTestId("db-aged-chart");
  const bars = JSON.parse((await canvas.getAttribute("data-bars"))!) as [number, number][];
  const [x, top] = bars[index]!;
  const box = (await canvas.boundingBox())!;
  // Just under the bar's top: inside it whatever its height.
  await canvas.click({ position: { x, y: Math.min(top + 4, box.height - 30) } });
  await page.waitForURL((url) => url.pathname === "/suivi" && url.searchParams.get("lateBucket") === target.bucket && url.searchParams.get("site") === "LYO");
  const table = page.locator('[data-follow-up-state="ready"]');
  await table.waitFor();
  expect(Number(await table.getAttribute("data-total"))).toBe(target.count);
  expect(await page.locator("tr.fu-row").count()).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});

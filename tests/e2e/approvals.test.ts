import { eq } from "drizzle-orm";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { plannedActions } from "../../server/engine/engine.sql";
import { runEngineDay } from "../../server/engine/run";
import { TEST_TODAY, startTestServer, type TestServer } from "../support/server";
import { addDays } from "../../shared/dates";
import { copyOfBuiltClient, launchChromium, phoneContext, screenshot, signInThroughTheForm, watchErrors } from "./browser";

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer({ clientDir: copyOfBuiltClient() });
  await runEngineDay(server.services.db, { asOf: addDays(TEST_TODAY, 13), dryRun: false, now: server.services.clock.now() });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it("lets the office approve waiting steps in bulk from the Validations screen", async () => {
  const context = await phoneContext(browser, server.url);
  const page = await context.newPage();
  const errors = watchErrors(page);
  const waiting = async () => (await server.services.db.select().from(plannedActions).where(eq(plannedActions.status, "awaiting_approval"))).length;
  const before = await waiting();
  expect(before).toBeGreaterThan(2);

  await signInThroughTheForm(page, "bureau@demo.test");
  await page.getByRole("button", { name: /menu de/i }).click();
  await page.getByRole("menuitem", { name: "Validations" }).click();
  await page.getByRole("heading", { name: "Validations" }).waitFor();
  const boxes = page.locator(".approval-list input[type=checkbox]:not([disabled])");
  await boxes.first().waitFor();
  const shown = await page.locator(".approval-list > li").count();
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await expect.poll(() => page.getByRole("button", { name: /^Valider/ }).innerText()).toBe("Valider (2)");
  await screenshot(page, "approvals");
  await page.getByRole("button", { name: /^Valider/ }).click();
  await expect.poll(() => page.locator(".approval-list > li").count()).toBe(shown - 2);
  expect(await waiting()).toBeLessThan(before);
  expect(errors).toEqual([]);
  await context.close();
});

it("does not offer Validations to a site manager", async () => {
  const context = await phoneContext(browser, server.url);
  const page = await context.newPage();
  await signInThroughTheForm(page, "gestionnaire@demo.test");
  await page.getByRole("button", { name: /menu de/i }).click();
  await expect.poll(() => page.getByRole("menuitem").allInnerTexts()).not.toContain("Validations");
  await page.goto("/validations");
  await page.getByText("Les validations sont faites par le bureau ou le Manager.").waitFor();
  await context.close();
});

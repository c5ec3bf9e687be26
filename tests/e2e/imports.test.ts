import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server";
import { copyOfBuiltClient, deskContext, launchChromium, phoneContext, screenshot, signInThroughTheForm, watchErrors } from "./browser";

// The office's Imports screen at a desk: several files chosen in any order and applied in the right one, a refused
// file's bad lines in a table with its report to download, and a 100,000-line file that shows it is moving.

const FIXTURES = "tests/fixtures/imports";
const csv = (name: string) => ({ name, mimeType: "text/csv", buffer: readFileSync(join(FIXTURES, name)) });
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


it("imports files chosen in any order in the right one, lists a refused file's bad lines, and shows a large file moving", async () => {
  const context = await deskContext(browser, server.url);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await signInThroughTheForm(page, "bureau@demo.test");
  // Every office screen says how fresh the data is (the demo's data counts as imported at the start).
  await expect.poll(() => page.locator(".freshness").textContent()).toMatch(/^Données du 22\/11 à 10:00$/);
  await page.getByRole("button", { name: /menu de/i }).click();
  await page.getByRole("menuitem", { name: "Imports" }).click();
  await page.getByRole("heading", { name: "Historique des imports" }).waitFor();

  // Contracts chosen before the customers they name: applied after them all the same.
  await page.getByTestId("import-files").setInputFiles([csv("contracts.csv"), csv("customers.csv")]);
  await expect.poll(() => page.locator(".import-file").evaluateAll((li) => li.map((l) => l.getAttribute("data-file")))).toEqual(["customers.csv", "contracts.csv"]);
  await expect.poll(() => page.getByLabel("Type de contracts.csv").inputValue()).toBe("contracts");
  await page.getByTestId("import-run").click();
  await page.locator('.import-file[data-state="done"]').nth(1).waitFor();
  expect(await page.locator('.import-report[data-ok="yes"]').count()).toBe(2);
  await expect.poll(() => page.locator('.import-file[data-file="customers.csv"] .import-report').textContent()).toMatch(/3 lignes\u202f: 3 créées, 0 mise à jour/);
  await screenshot(page, "imports-desk-good");

  // A refused file: every bad line with its column, and the report for Excel.
  await page.getByTestId("import-files").setInputFiles([csv("invoices-bad.csv")]);
  await page.getByTestId("import-run").click();
  const report = page.locator('.import-file[data-file="invoices-bad.csv"] .import-report[data-ok="no"]');
  await report.waitFor();
  expect(await report.locator(".import-errors tbody tr").evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll("td")].slice(0, 2).map((td) => td.textContent)))).toEqual([
    ["3", "customer_ref"],
    ["4", "due_date"],
    ["5", "amount"],
  ]);
  const [download] = await Promise.all([page.waitForEvent("download"), report.getByRole("link", { name: "Télécharger le rapport" }).click()]);
  expect(download.suggestedFilename()).toBe("rapport-invoices-bad.csv");
  expect(readFileSync((await download.path())!, "utf8")).toMatch(/^\uFEFFligne;colonne;message\r\n3;customer_ref;/);
  await screenshot(page, "imports-desk-refused");

  // 100,000 lines: the bar moves while the server reads and writes them, and the button waits.
  const lines = Array.from({ length: 100_000 }, (_, i) => `FBIG${i};IMP00${(i % 3) + 1};;20/10/2026;01/11/2026;${49 + (i % 50)},90`);
  const big = Buffer.from(`invoice_ref;customer_ref;contract_ref;issue_date;due_date;amount\r\n${lines.join("\r\n")}\r\n`);
  await page.getByTestId("import-files").setInputFiles([{ name: "factures-2026-11.csv", mimeType: "text/csv", buffer: big }]);
  await page.getByTestId("import-run").click();
  const bar = page.locator('.import-file[data-file="factures-2026-11.csv"] .progress');
  await bar.waitFor();
  expect(await page.getByTestId("import-run").isDisabled()).toBe(true);
  // Shown while the lines are written on the server (the last part of the bar), before the end.
  await page.waitForFunction(() => {
    const value = Number(document.querySelector('.import-file[data-file="factures-2026-11.csv"] .progress')?.getAttribute("data-progress"));
    return value > 65 && value < 100;
  }, undefined, { timeout: 60_000 });
  expect(await page.locator('.import-file[data-file="factures-2026-11.csv"] .progress-label').textContent()).toMatch(/^Enregistrement\u202f: [\d\s\u202f]+ \/ 100[\s\u202f]000$/);
  await screenshot(page, "imports-desk-progress");
  await page.locator('.import-file[data-file="factures-2026-11.csv"][data-state="done"]').waitFor({ timeout: 60_000 });
  await expect.poll(() => page.locator('.import-file[data-file="factures-2026-11.csv"] .import-report').textContent()).toMatch(/100[\s\u202f]000 lignes\u202f: 100[\s\u202f]000 créées/);
  // Done: the button gives way to how to import more.
  expect(await page.getByTestId("import-run").count()).toBe(0);

  // The history says who, what and how it went, newest first.
  await expect.poll(() => page.locator(".import-history tbody tr").first().textContent()).toMatch(/Sophie Bernard.*factures-2026-11\.csv.*Factures.*100[\s\u202f]000 créées/);
  await expect.poll(() => page.locator(".import-history tbody tr").nth(1).textContent()).toMatch(/Sophie Bernard.*invoices-bad\.csv.*Refusé · 3 problèmes/);
  await screenshot(page, "imports-desk-history");
  expect(errors).toEqual([]);
  await context.close();
});

it("shows the history on a phone, and keeps the freshness line off the floor's screens", async () => {
  const office = await phoneContext(browser, server.url);
  const page = await office.newPage();
  const errors = watchErrors(page);
  await signInThroughTheForm(page, "bureau@demo.test");
  await page.goto("/imports");
  await page.locator(".import-history tbody tr").first().waitFor();
  await page.locator(".freshness").waitFor();
  await screenshot(page, "imports-phone");
  expect(errors).toEqual([]);
  await office.close();

  const floor = await phoneContext(browser, server.url);
  const phone = await floor.newPage();
  const freshnessRequests: string[] = [];
  phone.on("request", (r) => {
    if (r.url().includes("/api/imports") || /Freshness/.test(r.url())) freshnessRequests.push(r.url());
  });
  await signInThroughTheForm(phone, "gestionnaire@demo.test");
  await phone.locator(".app-bar").waitFor();
  expect(await phone.locator(".freshness").count()).toBe(0);
  expect(freshnessRequests).toEqual([]);
  await floor.close();
});

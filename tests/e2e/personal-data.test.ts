import { readFileSync } from "node:fs";
import { unzipSync } from "fflate";
import type { Browser, Route } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cases } from "../../server/cases/cases.sql";
import { customers } from "../../server/customers/customers.sql";
import { eq } from "drizzle-orm";
import { TEST_TODAY, startTestServer, type TestServer } from "../support/server";
import { copyOfBuiltClient, deskContext, launchChromium, phoneContext, screenshot, signInThroughTheForm, watchErrors } from "./browser";

// The office answers a right-of-access request from the debtor screen: one button, disabled while the file is
// prepared, which downloads the ZIP under its name. Looked at on a desk (1280×800) and on a phone (390×844).

let server: TestServer;
let browser: Browser;
let customer: { id: string; ref: string; name: string };

beforeAll(async () => {
  server = await startTestServer({ clientDir: copyOfBuiltClient() });
  browser = await launchChromium();
  const [row] = await server.services.db
    .select({ id: customers.id, ref: customers.ref, name: customers.name })
    .from(customers)
    .innerJoin(cases, eq(cases.customerId, customers.id))
    .where(eq(cases.status, "open"))
    .limit(1);
  customer = row!;
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it("downloads the customer's personal data from the debtor screen, the button disabled while it works", async () => {
  const context = await deskContext(browser, server.url);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await signInThroughTheForm(page, "bureau@demo.test");
  await page.goto(`/debiteurs/${customer.id}`);
  const button = page.getByRole("button", { name: "Données personnelles (droit d'accès)" });
  await button.waitFor();
  const box = await button.boundingBox();
  expect(box!.height).toBeGreaterThanOrEqual(44);
  await button.scrollIntoViewIfNeeded();
  await screenshot(page, "personal-data-desk");

  // The answer is held until the button has been seen working.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await page.route("**/api/customers/*/personal-data.zip", async (route: Route) => {
    await held;
    await route.continue();
  });
  const download = page.waitForEvent("download");
  await button.click();
  const working = page.getByRole("button", { name: "Préparation du fichier…" });
  await working.waitFor();
  expect(await working.isDisabled()).toBe(true);
  release();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`donnees-personnelles-${customer.ref}-${TEST_TODAY}.zip`);
  const zip = unzipSync(new Uint8Array(readFileSync((await file.path())!)));
  expect(Object.keys(zip)).toEqual(expect.arrayContaining(["donnees.json", "donnees.pdf", "empreintes.txt"]));
  await page.getByRole("button", { name: "Données personnelles (droit d'accès)" }).waitFor();
  expect(errors).toEqual([]);
  await context.close();
});

it("shows the button on the office's phone too, and not to a site manager", async () => {
  const context = await phoneContext(browser, server.url);
  const page = await context.newPage();
  await signInThroughTheForm(page, "bureau@demo.test");
  await page.goto(`/debiteurs/${customer.id}`);
  const button = page.getByRole("button", { name: "Données personnelles (droit d'accès)" });
  await button.waitFor();
  expect((await button.boundingBox())!.height).toBeGreaterThanOrEqual(44);
  await button.scrollIntoViewIfNeeded();
  await screenshot(page, "personal-data-phone");
  await context.close();

  const floor = await phoneContext(browser, server.url);
  const floorPage = await floor.newPage();
  await signInThroughTheForm(floorPage, "gestionnaire@demo.test");
  const [lyo] = await server.services.db.select({ id: customers.id }).from(customers).innerJoin(cases, eq(cases.customerId, customers.id)).where(eq(cases.status, "open"));
  await floorPage.goto(`/debiteurs/${lyo!.id}`);
  await floorPage.getByRole("heading", { name: "Coordonnées" }).or(floorPage.getByText("n'est pas suivi sur vos sites")).first().waitFor();
  expect(await floorPage.getByRole("button", { name: "Données personnelles (droit d'accès)" }).count()).toBe(0);
  await floor.close();
});

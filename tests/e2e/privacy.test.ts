import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { cases } from "../../server/cases/cases.sql";
import { customers } from "../../server/customers/customers.sql";
import { startTestServer, type TestServer } from "../support/server";
import { copyOfBuiltClient, deskContext, launchChromium, screenshot, signInThroughTheForm, watchErrors } from "./browser";

// The office decides about a customer's personal data from the debtor screen: a legal hold set with its reason,
// an erasure request refused with the reasons to pass on — and finds the same card by ref on its own page.

let server: TestServer;
let browser: Browser;
let customer: { id: string; ref: string };

beforeAll(async () => {
  server = await startTestServer({ clientDir: copyOfBuiltClient() });
  browser = await launchChromium();
  const [row] = await server.services.db
    .select({ id: customers.id, ref: customers.ref })
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

it("sets a legal hold with its reason, and an erasure request is refused with the reasons, both recorded", async () => {
  const context = await deskContext(browser, server.url);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await signInThroughTheForm(page, "bureau@demo.test");
  await page.goto(`/debiteurs/${customer.id}`);
  const card = page.locator("[data-privacy-state]");
  await expect.poll(() => card.getAttribute("data-privacy-state")).toBe("kept");

  await card.getByRole("button", { name: "Conservation pour motif légal" }).click();
  await card.getByLabel("Pourquoi").fill("Contestation devant le tribunal judiciaire");
  await card.getByRole("button", { name: "Placer en conservation" }).click();
  await expect.poll(() => card.getByTestId("legal-hold").textContent()).toContain("Contestation devant le tribunal judiciaire");

  await card.getByRole("button", { name: "Demande d'effacement" }).click();
  await card.getByLabel("Comment et référence").fill("Courrier reçu, réf. RGPD-7");
  await card.getByRole("button", { name: "Enregistrer la demande" }).click();
  const refusal = card.locator('[data-erasure="refused"]');
  await refusal.waitFor();
  const reasons = await refusal.locator("[data-obstacle]").evaluateAll((items) => items.map((i) => i.getAttribute("data-obstacle")));
  expect(reasons).toEqual(expect.arrayContaining(["legal_hold", "debt_owed"]));
  await refusal.scrollIntoViewIfNeeded();
  await screenshot(page, "privacy-erasure-refused-desk");

  // The customer is still whole, and the office's log says what was asked and refused.
  const [still] = await server.services.db.select().from(customers).where(eq(customers.id, customer.id));
  expect(still!.pseudonymisedAt).toBeNull();
  expect(still!.legalHoldReason).toBe("Contestation devant le tribunal judiciaire");

  // The same card, found by ref on the personal-data page.
  await page.goto("/donnees-personnelles");
  await page.getByLabel(/Référence/).fill(customer.ref);
  await page.getByRole("button", { name: "Rechercher" }).click();
  await expect.poll(() => page.getByTestId("legal-hold").textContent()).toContain("Contestation");
  expect(errors).toEqual([]);
  await context.close();
});

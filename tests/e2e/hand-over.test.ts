import { sql } from "drizzle-orm";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { call, signIn, startTestServer, TEST_TODAY, type TestServer } from "../support/server";
import { copyOfBuiltClient, deskContext, launchChromium, screenshot, signInThroughTheForm, watchErrors } from "./browser";

// The office at a desk (1280×800): on a debtor's page, the statement e-mailed (queued, said so) and the case handed
// over to a bailiff; then the Contentieux screen lists it with its ZIP.

let server: TestServer;
let browser: Browser;
let customer: { id: string; name: string };

beforeAll(async () => {
  server = await startTestServer({ clientDir: copyOfBuiltClient() });
  browser = await launchChromium();
  const office = await signIn(server.url, "bureau@demo.test");
  const made = await call(server.url, "POST", "/api/hand-over-recipients", { cookie: office, body: { kind: "bailiff", name: "SCP Huissiers Réunis", address: "4 quai de Saône, 69005 Lyon", email: "etude@huissiers.test" } });
  expect(made.status).toBe(201);
  const [row] = await server.services.db.all<{ id: string; name: string }>(sql`
    select c.id, c.name from customers c join cases k on k.customer_id = c.id and k.status = 'open'
     where c.email is not null
       and (select coalesce(sum(amount_cents), 0) from invoices where customer_id = c.id and due_date <= ${TEST_TODAY})
         > (select coalesce(sum(amount_cents), 0) from payments where customer_id = c.id and status = 'ok')
     order by c.ref limit 1`);
  customer = row!;
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it("e-mails the statement, hands the case over and lists it under Contentieux", async () => {
  const context = await deskContext(browser, server.url);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await signInThroughTheForm(page, "bureau@demo.test");
  await page.goto(`/debiteurs/${customer.id}`);
  const card = page.locator('[data-case-file="open"]');
  await card.waitFor();
  await card.scrollIntoViewIfNeeded();
  expect(await page.getByRole("link", { name: "Relevé de compte (PDF)" }).getAttribute("href")).toBe(`/api/customers/${customer.id}/statement.pdf`);
  await screenshot(page, "debtor-case-file-desk");

  await page.getByRole("button", { name: "Envoyer le relevé par e-mail" }).click();
  await page.locator('[data-statement-email="queued"]').waitFor();
  expect(await page.locator(".statement-email [role=status]").textContent()).toMatch(/mis en file d'envoi/);

  await page.getByRole("button", { name: "Transmettre au contentieux" }).click();
  await page.getByRole("radio", { name: /SCP Huissiers Réunis/ }).check();
  await page.getByTestId("hand-over-confirm").check();
  await screenshot(page, "hand-over-sheet-desk");
  await page.getByRole("button", { name: "Transmettre", exact: true }).click();
  await page.locator('[data-case-file="handed-over"]').waitFor({ timeout: 20_000 });
  expect(await page.locator(".hand-over-done").textContent()).toContain("SCP Huissiers Réunis");
  await screenshot(page, "debtor-handed-over-desk");

  await page.goto("/contentieux");
  await page.locator('[data-hand-overs="1"]').waitFor();
  // The demo's two recipients and the one made above.
  await page.locator('[data-recipients="3"]').waitFor();
  expect(await page.locator("tr[data-hand-over]").first().textContent()).toContain(customer.name);
  await screenshot(page, "contentieux-desk");
  expect(errors).toEqual([]);
  await context.close();
}, 60_000);

import { eq, sql } from "drizzle-orm";
import type { BrowserContext, Page } from "playwright-core";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, expect, it } from "vitest";
import { users } from "../../server/auth/auth.sql";
import { actions } from "../../server/cases/cases.sql";
import { HISTORY_LISTED } from "../../shared/floor/history";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { TEST_NOW, call, signIn, type TestServer } from "../support/server";
import { type PhoneSession, signInThroughTheForm, startPhoneSession, waitForServiceWorker, waitUntilSynced } from "./browser";

// Issue 19: the phone keeps a debtor's newest history lines (HISTORY_LISTED), which its debtor screen lists,
// offline too; « Tout l'historique » reads the older ones online, and says so in words when there is no network.

let session: PhoneSession;
let server: TestServer;
let context: BrowserContext;
let page: Page;
let errors: string[];

beforeAll(async () => {
  session = await startPhoneSession();
  ({ server, context, page, errors } = session);
});
afterAll(() => session?.close());

it("lists the newest lines offline, and reads the older ones online from « Tout l'historique »", async () => {
  const office = await signIn(server.url, "bureau@demo.test");
  const debtors: DebtorDoc[] = (await call(server.url, "GET", "/api/today", { cookie: office })).body.debtors;
  const target = debtors.find((d) => d.units.every((u) => u.siteCode === "LYO") && d.case?.status === "open")!;
  const [vt] = await server.services.db.select({ id: users.id }).from(users).where(eq(users.email, "gestionnaire@demo.test"));
  // 40 notes, a minute apart before the phone's « now », newest « Note 1 »; the demo's own lines three months back.
  await server.services.db.run(sql`update actions set happened_at = strftime('%Y-%m-%dT%H:%M:%fZ', happened_at, '-90 days') where customer_id = ${target.customerId}`);
  await server.services.db.insert(actions).values(
    Array.from({ length: 40 }, (_, k) => {
      const happenedAt = new Date(TEST_NOW.getTime() - (k + 1) * 60_000).toISOString();
      return { id: uuidv7(), caseId: target.case!.id, customerId: target.customerId, userId: vt!.id, initials: "VT", kind: "note" as const, text: `Note n° ${k + 1}`, happenedAt };
    }),
  );

  await signInThroughTheForm(page, "gestionnaire@demo.test");
  await waitForServiceWorker(page);
  await waitUntilSynced(page);
  await page.goto(`/debiteurs/${target.customerId}`);
  await page.getByRole("heading", { name: target.name }).waitFor();

  // With no signal: the listed lines are on the phone.
  await context.setOffline(true);
  await page.getByText("Hors connexion").first().waitFor();
  const listed = page.locator(".timeline").first().locator("li");
  await listed.first().getByText("Note n° 1", { exact: true }).waitFor();
  expect(await listed.count()).toBe(HISTORY_LISTED);
  expect(await listed.last().locator("p").innerText()).toBe(`Note n° ${HISTORY_LISTED}`);

  // The older ones need the network, and the sheet says so.
  await page.getByRole("button", { name: "Tout l'historique" }).click();
  const sheet = page.getByRole("dialog", { name: "Tout l'historique" });
  await sheet.getByText(`Les ${HISTORY_LISTED} dernières actions restent sur le téléphone.`).waitFor();
  await sheet.getByRole("button", { name: /Fermer/ }).click();
  await sheet.waitFor({ state: "detached" });
  // So does the billing log, which is pasted over the billing software's whole column: none of the newest only.
  await page.getByRole("button", { name: "Journal au format WBM" }).click();
  const log = page.getByRole("dialog", { name: "Journal au format WBM" });
  await log.getByText("Hors connexion").waitFor();
  expect(await log.getByRole("button", { name: "Copier" }).count()).toBe(0);
  await log.getByRole("button", { name: /Fermer/ }).click();
  await log.waitFor({ state: "detached" });

  // Online again: the whole history, down to the oldest note.
  await context.setOffline(false);
  await waitUntilSynced(page);
  await page.getByRole("button", { name: "Tout l'historique" }).click();
  await sheet.getByText("Note n° 40", { exact: true }).waitFor();
  expect(await sheet.locator(".timeline li").count()).toBeGreaterThanOrEqual(40);
  await sheet.getByRole("button", { name: /Fermer/ }).click();
  await sheet.waitFor({ state: "detached" });
  await page.getByRole("button", { name: "Journal au format WBM" }).click();
  const text = await log.locator("textarea").inputValue();
  expect(text).toContain("*VT*");
  expect(text).toContain("Note n° 40");
  expect(text.split(/ ?\*[^*]+\*\d{2}\/\d{2}\/\d{4}\*/).filter(Boolean).length).toBeGreaterThanOrEqual(40);
  expect(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|NetworkError/.test(e))).toEqual([]);
});

import { and, eq } from "drizzle-orm";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { invoices } from "../../server/billing/billing.sql";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { NOTE_MAX_CHARS } from "../../shared/schemas/limits";
import { call, signIn } from "../support/server";
import { type PhoneSession, phoneContext, signInThroughTheForm, startPhoneSession, waitUntilSynced } from "./browser";

// What a new user tripped over on a 390×844 phone: the unpaid invoices past the card's edge, a long note cut without
// a word, a grey dot as the only sign of being offline, contact details that could not be tapped, tabs cut mid-word.

let session: PhoneSession;
let page: Page;
let debtor: DebtorDoc;

beforeAll(async () => {
  session = await startPhoneSession();
  page = session.page;
  const office = await signIn(session.server.url, "bureau@demo.test");
  const docs: DebtorDoc[] = (await call(session.server.url, "GET", "/api/today", { cookie: office })).body.debtors;
  debtor = docs.find((d) => d.phone && d.email && d.invoices.length > 0 && d.units.some((u) => u.siteCode === "LYO"))!;
  // Amounts in the ten thousands, as a business customer's can be: before the phone's first sync, which takes them.
  await session.server.services.db
    .update(invoices)
    .set({ amountCents: 1_234_567 })
    .where(and(eq(invoices.customerId, debtor.customerId), eq(invoices.ref, debtor.invoices[0]!.ref)));
  await signInThroughTheForm(page, "gestionnaire@demo.test");
  await waitUntilSynced(page);
});
afterAll(() => session?.close());

async function openDebtor() {
  await page.goto(`/debiteurs/${debtor.customerId}`);
  await page.getByRole("heading", { name: debtor.name }).waitFor();
}

it("keeps the unpaid invoices inside their card, amounts in the ten thousands included", async () => {
  await openDebtor();
  const card = page.locator("section.card").filter({ has: page.getByRole("heading", { name: "Factures impayées" }) });
  await card.getByText("12\u202f345,67\u00a0€").first().waitFor();
  const fit = await card.evaluate((el) => {
    const table = el.querySelector("table")!;
    const inner = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    const right = inner.right - parseFloat(style.paddingRight);
    const cells = [...table.querySelectorAll("td")].map((td) => td.getBoundingClientRect().right);
    return { tableWider: table.scrollWidth > table.clientWidth + 1, beyond: cells.filter((r) => r > right + 1).length };
  });
  expect(fit).toEqual({ tableWider: false, beyond: 0 });
});

it("makes the phone number and the e-mail links to call, text and write, each 44 px at least", async () => {
  await openDebtor();
  const card = page.locator("section.card").filter({ has: page.getByRole("heading", { name: "Coordonnées" }) });
  const digits = debtor.phone!.replace(/\D/g, "").replace(/^0/, "+33");
  const links = [card.getByRole("link", { name: debtor.phone!, exact: true }), card.getByRole("link", { name: `SMS au ${debtor.phone}`, exact: true }), card.getByRole("link", { name: debtor.email!, exact: true })];
  expect(await Promise.all(links.map((l) => l.getAttribute("href")))).toEqual([`tel:${digits}`, `sms:${digits}`, `mailto:${debtor.email}`]);
  for (const link of links) {
    const box = (await link.boundingBox())!;
    expect(Math.min(box.width, box.height)).toBeGreaterThanOrEqual(44);
  }
});

it("counts a note's characters near the limit, says how many are too many, and cuts nothing", async () => {
  await openDebtor();
  await page.getByRole("button", { name: "Note", exact: true }).click();
  const sheet = page.getByRole("dialog", { name: "Note" });
  const field = sheet.getByRole("textbox", { name: "Note" });
  await field.fill("a".repeat(100));
  expect(await sheet.locator(".text-count").count()).toBe(0);
  await field.fill("a".repeat(NOTE_MAX_CHARS - 10));
  await sheet.locator(".text-count").getByText("1\u202f990 / 2\u202f000 caractères").waitFor();
  // Pasted past the limit: all of it stays in the field, the count says by how much.
  await field.fill("b".repeat(NOTE_MAX_CHARS + 50));
  expect((await field.inputValue()).length).toBe(NOTE_MAX_CHARS + 50);
  await sheet.locator(".text-count.over").getByText(/^50 caractères de trop/).waitFor();
  await sheet.getByRole("button", { name: "Enregistrer", exact: true }).click();
  await sheet.getByRole("alert").getByText(/50 caractères de trop/).waitFor();
  expect(await page.locator(".status-bar").getAttribute("data-pending")).toBe("0");
  await field.fill("Note raccourcie");
  await sheet.getByRole("button", { name: "Enregistrer", exact: true }).click();
  await sheet.waitFor({ state: "detached" });
  await waitUntilSynced(page);
});

it("says « Hors connexion » in words while actions wait with no network", async () => {
  await openDebtor();
  await session.context.setOffline(true);
  await page.getByRole("button", { name: "Note", exact: true }).click();
  await page.getByRole("textbox", { name: "Note" }).fill("Note sans réseau");
  await page.getByRole("button", { name: "Enregistrer", exact: true }).click();
  const bar = page.locator('.status-bar[data-sync-state="offline"][data-pending="1"]');
  await bar.waitFor();
  expect(await bar.innerText()).toContain("Hors connexion · 1 action en attente");
  await session.context.setOffline(false);
  await waitUntilSynced(page);
});

it("wraps the tabs of Envois and Scénarios onto whole lines on a phone, none cut at the edge", async () => {
  const context = await phoneContext(session.browser, session.server.url);
  const manager = await context.newPage();
  try {
    await signInThroughTheForm(manager, "manager@demo.test");
    for (const [path, tabs] of [
      ["/envois", "Afficher"],
      ["/scenarios", "Scénario"],
    ] as const) {
      await manager.goto(path);
      const nav = manager.getByRole("navigation", { name: tabs });
      await nav.getByRole("button").nth(3).waitFor();
      const cut = await nav.evaluate((el) => {
        const edge = el.getBoundingClientRect().right;
        return [...el.querySelectorAll("button")].filter((b) => b.getBoundingClientRect().right > edge + 1 || b.scrollWidth > b.clientWidth + 1).map((b) => b.textContent);
      });
      expect(cut, path).toEqual([]);
    }
    // The steps are named as the office knows them, never by their codes.
    const steps = await manager.locator(".step-card").allInnerTexts();
    expect(steps.join("\n")).not.toMatch(/first-contact|reminder|thank-you|R2-notice/);
  } finally {
    await context.close();
  }
});

import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { call, signIn } from "../support/server";
import { type PhoneSession, signInThroughTheForm, startPhoneSession, waitUntilSynced } from "./browser";

// Every control a thumb or a mouse has to hit is at least 44×44 px (WCAG 2.5.5, Apple's and Google's guides), on
// every screen the roles reach: the site manager's phone at 390×844, the office's desk at 1280×800. One exception,
// WCAG's own "inline" one: a link inside a sentence (display inline, with text of the sentence around it) is as
// tall as its line. A checkbox or a file input is hit through its label, which is what is measured for it.

const MIN = 44;

/** What is too small on the page as it stands: "tag «text» w×h", and the inline links let through. */
async function smallTargets(page: Page): Promise<{ small: string[]; inline: string[] }> {
  return page.evaluate((min) => {
    const small: string[] = [];
    const inline: string[] = [];
    const controls = document.querySelectorAll<HTMLElement>(
      "button, a[href], input:not([type=hidden]), select, textarea, summary, [role=button], [role=tab], [role=menuitem], [role=radio], [role=checkbox]",
    );
    for (const el of controls) {
      let target: HTMLElement = el;
      if (el instanceof HTMLInputElement && ["checkbox", "radio", "file"].includes(el.type)) {
        target = el.closest("label") ?? (el.id ? document.querySelector<HTMLElement>(`label[for="${el.id}"]`) : null) ?? el;
      }
      const box = target.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (box.width === 0 || box.height === 0 || style.visibility === "hidden" || el.closest(".visually-hidden")) continue;
      if (box.width >= min && box.height >= min) continue;
      const name = (el.getAttribute("aria-label") || el.textContent || el.getAttribute("name") || el.getAttribute("placeholder") || "").trim().replace(/\s+/g, " ").slice(0, 40);
      const what = `${el.tagName.toLowerCase()} «${name}» ${Math.round(box.width)}×${Math.round(box.height)}`;
      const parentText = (el.parentElement?.textContent ?? "").replace(el.textContent ?? "", "").trim();
      if (el.tagName === "A" && style.display === "inline" && parentText.length > 0) inline.push(what);
      else small.push(what);
    }
    return { small, inline };
  }, MIN);
}

/** Waits for a screen to have drawn: its spinner gone, the network quiet. */
async function settled(page: Page): Promise<void> {
  await page.waitForLoadState("networkidle");
  await page.locator("[aria-busy=true]").first().waitFor({ state: "detached", timeout: 15_000 }).catch(() => undefined);
  await page.locator("main").first().waitFor();
}

async function sweep(page: Page, screens: { name: string; open: () => Promise<void> }[]): Promise<{ offenders: string[]; inline: string[] }> {
  const offenders: string[] = [];
  const inline = new Set<string>();
  for (const screen of screens) {
    await screen.open();
    await settled(page);
    const found = await smallTargets(page);
    offenders.push(...found.small.map((s) => `${screen.name}: ${s}`));
    for (const s of found.inline) inline.add(`${screen.name}: ${s}`);
  }
  return { offenders, inline: [...inline] };
}

describe("the site manager's phone (390×844)", () => {
  let session: PhoneSession;
  let docs: DebtorDoc[];
  beforeAll(async () => {
    session = await startPhoneSession();
    const office = await signIn(session.server.url, "bureau@demo.test");
    docs = (await call(session.server.url, "GET", "/api/today", { cookie: office })).body.debtors;
    await signInThroughTheForm(session.page, "gestionnaire@demo.test");
    await waitUntilSynced(session.page);
  });
  afterAll(() => session?.close());

  it("has no control smaller than 44×44 px on any of its screens", async () => {
    const { page } = session;
    const debtor = docs.find((d) => d.phone && d.email && d.invoices.length > 0 && d.units.some((u) => u.siteCode === "LYO"))!;
    const unit = debtor.units.find((u) => u.siteCode === "LYO")!;
    const go = (path: string) => async () => void (await page.goto(path));
    const { offenders, inline } = await sweep(page, [
      { name: "Aujourd'hui", open: go("/") },
      { name: "Aujourd'hui, tous, en tournée", open: async () => {
        await page.getByRole("button", { name: /^Tous/ }).click();
        await page.getByRole("button", { name: "Tournée" }).click();
      } },
      { name: "menu", open: () => page.getByRole("button", { name: /menu de/i }).click() },
      { name: "Débiteur", open: go(`/debiteurs/${debtor.customerId}`) },
      { name: "Débiteur, note", open: () => page.getByRole("button", { name: "Note", exact: true }).click() },
      { name: "Ouverture du box", open: go(`/debiteurs/${debtor.customerId}/ouverture/${unit.id}`) },
      { name: "Contrôle des cadenas", open: go("/cadenas") },
      { name: "Mon compte", open: go("/compte") },
    ]);
    if (inline.length) console.info(`Inline links let through (WCAG 2.5.5 "inline"):\n${inline.join("\n")}`);
    expect(offenders, `controls under ${MIN}×${MIN} px:\n${offenders.join("\n")}`).toEqual([]);
  });
});

describe("the office's desk (1280×800)", () => {
  let session: PhoneSession;
  let docs: DebtorDoc[];
  beforeAll(async () => {
    session = await startPhoneSession({ desk: true });
    const office = await signIn(session.server.url, "bureau@demo.test");
    docs = (await call(session.server.url, "GET", "/api/today", { cookie: office })).body.debtors;
    await signInThroughTheForm(session.page, "bureau@demo.test");
  });
  afterAll(() => session?.close());

  it("has no control smaller than 44×44 px on any of its screens", async () => {
    const { page } = session;
    const debtor = docs.find((d) => d.phone && d.email && d.invoices.length > 0 && d.case?.status === "open")!;
    const screens = [
      "/",
      `/debiteurs/${debtor.customerId}`,
      "/cadenas",
      "/suivi",
      "/tableau-de-bord",
      "/contentieux",
      "/validations",
      "/envois",
      "/scenarios",
      "/modeles",
      "/imports",
      "/facturation",
      "/actions-en-echec",
      "/utilisateurs",
      "/sites",
      "/journal",
      "/donnees-personnelles",
      "/compte",
    ].map((path) => ({ name: path, open: async () => void (await page.goto(path)) }));
    const { offenders, inline } = await sweep(page, screens);
    if (inline.length) console.info(`Inline links let through (WCAG 2.5.5 "inline"):\n${inline.join("\n")}`);
    expect(offenders, `controls under ${MIN}×${MIN} px:\n${offenders.join("\n")}`).toEqual([]);
  });
});

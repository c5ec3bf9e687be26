import { mkdirSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { clearAlert, raiseAlert } from "../../server/messaging/alerts";
import { queueMessages } from "../../server/messaging/outbox";
import { nextSmsSlot, sendDueMessages, transportsFor } from "../../server/messaging/worker";
import { smsCount } from "../../shared/messaging/sms";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { call, signIn, startTestServer, TEST_NOW, TEST_TODAY, type TestServer } from "../support/server";
import { copyOfBuiltClient, deskContext, launchChromium, phoneContext, screenshot, signInThroughTheForm, waitUntilSynced, watchErrors } from "./browser";

// What the screens say about messages: the phone's message sheet shows the office's template as edited, filled
// for the customer; *Envois* says a message written to the local folder was not sent.

let server: TestServer;
let browser: Browser;
/** Screens looked at by hand after a change (also kept under .test-results/screens). */
const SHOTS = process.env.SHOTS_DIR;

beforeAll(async () => {
  server = await startTestServer({ clientDir: copyOfBuiltClient() });
  browser = await launchChromium();
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it("the message sheet offers the office's template as edited, previewed for the customer with its SMS count", async () => {
  const office = await signIn(server.url, "bureau@demo.test");
  const edited = "Bonjour {{nom}}, ici {{site}}. Un petit rappel au sujet de votre box {{box}} : merci de nous appeler au {{telephone_site}}.";
  expect((await call(server.url, "PUT", "/api/templates/rappel-sms", { cookie: office, body: { label: "Rappel du site", floor: true, sms: { body: edited } } })).status).toBe(200);
  const debtors: DebtorDoc[] = (await call(server.url, "GET", "/api/today", { cookie: office })).body.debtors;
  const target = debtors.find((d) => d.units.length > 0 && d.units.every((u) => u.siteCode === "LYO") && d.phone && d.email)!;

  const context = await phoneContext(browser, server.url);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await signInThroughTheForm(page, "gestionnaire@demo.test");
  await waitUntilSynced(page);
  await page.goto(`/debiteurs/${target.customerId}`);
  await page.getByRole("heading", { name: target.name }).waitFor();
  await page.getByRole("button", { name: "Noter un appel" }).click();
  await page.getByRole("button", { name: "Pas de réponse / messagerie" }).click();
  const sms = page.locator('.message-choice[data-template="rappel-sms"][data-channel="sms"]');
  await sms.waitFor();
  const text = await sms.locator(".message-preview").innerText();
  expect(text).toBe(`Bonjour ${target.name}, ici Cadenas Self-Stockage Lyon Gerland. Un petit rappel au sujet de votre box ${target.units.map((u) => u.number).join(", ")} : merci de nous appeler au 04 78 00 12 34.`);
  const count = smsCount(text);
  expect(await sms.locator(".sms-count").innerText()).toContain(`${count.segments} SMS · ${count.units} caractères`);
  await expect.poll(() => sms.getByText("« Rappel du site »").count()).toBe(1);
  await page.locator('.message-choice[data-template="rappel-email"][data-channel="email"]').waitFor();
  await screenshot(page, "message-sheet");
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/phone-message-sheet.png` });
  expect(errors).toEqual([]);
  await context.close();
});

it("Envois says a message written to the local folder was not sent", async () => {
  const office = await signIn(server.url, "bureau@demo.test");
  const debtors: DebtorDoc[] = (await call(server.url, "GET", "/api/today", { cookie: office })).body.debtors;
  const target = debtors.find((d) => d.email)!;
  const db = server.services.db;
  await queueMessages(db, [{ customerId: target.customerId, caseId: target.case?.id ?? null, plannedActionId: "x", key: "e2e|folder", step: "R1", template: "box-R1", channel: "email", purpose: "floor" }], TEST_TODAY);
  const transports = transportsFor(server.services.config);
  await sendDueMessages(db, transports, { id: "e2e", timeZone: "Europe/Paris", now: () => nextSmsSlot(TEST_NOW, "Europe/Paris") ?? TEST_NOW });
  transports.email.close();

  const context = await phoneContext(browser, server.url);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await signInThroughTheForm(page, "bureau@demo.test");
  await page.getByRole("button", { name: /menu de/i }).click();
  await page.getByRole("menuitem", { name: "Envois et courriers" }).click();
  await page.locator(".notice.warn[data-written]").waitFor();
  await page.getByRole("button", { name: /^Écrits, pas envoyés/ }).click();
  const card = page.locator(".message-card").filter({ hasText: target.name }).first();
  await card.locator(".badge.status-written").waitFor();
  expect(await card.locator(".badge").innerText()).toBe("Écrit, pas envoyé");
  expect(await card.innerText()).toContain("écrit dans le dossier local du serveur, pas envoyé au client");
  await screenshot(page, "envois-written");
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/envois.png` });
  expect(errors).toEqual([]);
  await context.close();
});

it("Envois prints the letters with one POST: the button is off while it prints, the stored PDF opens, dated today", async () => {
  const office = await signIn(server.url, "bureau@demo.test");
  const debtors: DebtorDoc[] = (await call(server.url, "GET", "/api/today", { cookie: office })).body.debtors;
  const target = debtors.find((d) => d.case && d.balanceCents > 0)!;
  const letter = (channel: "letter" | "registered_letter") =>
    ({ customerId: target.customerId, caseId: target.case!.id, plannedActionId: "x", key: `e2e|print|${channel}`, step: "R2", template: "box-R2", channel, purpose: "reminder" }) as const;
  await queueMessages(server.services.db, [letter("registered_letter"), letter("letter")], TEST_TODAY);

  const context = await phoneContext(browser, server.url);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await signInThroughTheForm(page, "bureau@demo.test");
  await page.goto(`${server.url}/envois`);
  const button = page.getByRole("button", { name: /^Imprimer (les \d+ courriers|le courrier) \(PDF\)$/ });
  await button.waitFor();
  // The answer held back until the button has been seen busy: a second tap cannot print twice.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const posts: string[] = [];
  await page.route("**/api/letters/print", async (route) => {
    posts.push(route.request().method());
    await held;
    await route.continue();
  });
  const opened = context.waitForEvent("page");
  await button.click();
  const busy = page.getByRole("button", { name: "Impression…" });
  await busy.waitFor();
  expect(await busy.isDisabled()).toBe(true);
  release();
  const done = page.locator("[data-printed-batch]:not([data-printed-batch=''])");
  await done.waitFor();
  const batchId = await done.getAttribute("data-printed-batch");
  expect(posts).toEqual(["POST"]);
  expect(await done.innerText()).toContain(`datés du ${TEST_TODAY.split("-").reverse().join("/")}`);
  expect(await done.getByRole("link", { name: "Ouvrir le PDF" }).getAttribute("href")).toBe(`/api/letters/batches/${batchId}.pdf`);
  // The tab opened on the tap is sent to the stored PDF.
  const tab = await opened;
  await expect.poll(() => tab.url()).toContain(`/api/letters/batches/${batchId}.pdf`);
  await screenshot(page, "envois-printed");
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/envois-printed.png` });
  expect(errors).toEqual([]);
  await context.close();
});

it("a relay refusing the sender: a banner on the office's screens and an entry at the top of Envois, gone after the next success", async () => {
  const db = server.services.db;
  await raiseAlert(
    db,
    "email",
    { code: "email.sender_refused", message: "Le serveur d'envoi des courriels refuse l'adresse d'expédition relances@cadenas.test : réglez MAIL_FROM sur une adresse que ce serveur accepte (son domaine, DKIM et SPF).", detail: "550 5.7.1 <relances@cadenas.test>: Sender address rejected: not owned by user" },
    TEST_NOW,
  );
  for (const [context, name] of [
    [await deskContext(browser, server.url), "desk"],
    [await phoneContext(browser, server.url), "phone"],
  ] as const) {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signInThroughTheForm(page, "bureau@demo.test");
    const banner = page.locator('.provider-alert-banner[data-provider-alert="email"]');
    await banner.waitFor();
    // Nothing waits in this test: no count rather than "0 en attente".
    expect(await banner.innerText()).toContain("Courriels bloqués depuis le 22/11 à 10:00");
    expect(await banner.innerText()).not.toContain("en attente");
    await screenshot(page, `provider-alert-banner-${name}`);
    await banner.click();
    const entry = page.locator('.notice.danger[data-provider-alert-entry="email"]');
    await entry.waitFor();
    expect(await entry.innerText()).toContain("Réponse du fournisseur\u202f: 550 5.7.1");
    expect(await entry.innerText()).toContain("L'alerte disparaît au premier envoi réussi.");
    await screenshot(page, `provider-alert-envois-${name}`);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/provider-alert-${name}.png` });
    expect(errors).toEqual([]);
    await context.close();
  }
  // A site manager never gets it (nor downloads it).
  const floor = await phoneContext(browser, server.url);
  const page = await floor.newPage();
  const asked: string[] = [];
  page.on("request", (r) => asked.push(r.url()));
  await signInThroughTheForm(page, "gestionnaire@demo.test");
  await waitUntilSynced(page);
  expect(await page.locator(".provider-alert-banner").count()).toBe(0);
  expect(asked.filter((u) => u.includes("/api/provider-alerts"))).toEqual([]);
  await floor.close();

  await clearAlert(db, "email");
  const after = await phoneContext(browser, server.url);
  const office = await after.newPage();
  const answered = office.waitForResponse((r) => r.url().includes("/api/provider-alerts"));
  await signInThroughTheForm(office, "bureau@demo.test");
  expect(await (await answered).json()).toEqual({ alerts: [] });
  expect(await office.locator(".provider-alert-banner, .notice.danger[data-provider-alert-entry]").count()).toBe(0);
  await after.close();
});

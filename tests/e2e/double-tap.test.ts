import { and, count, eq } from "drizzle-orm";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { actions } from "../../server/cases/cases.sql";
import { processedMutations } from "../../server/sync/sync.sql";
import { addDays } from "../../shared/dates";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { MUTATION_KINDS, type MutationKind } from "../../shared/schemas/mutations";
import { pngImage } from "../support/images";
import { moveServerClock, OPENABLE, setReceipts } from "../support/opening";
import { TEST_NOW, TEST_TODAY, call, signIn, type TestServer } from "../support/server";
import { drawSignature } from "./signature";
import { type PhoneSession, signInThroughTheForm, startPhoneSession, waitForServiceWorker, waitUntilSynced } from "./browser";

// The "no tap doubled": two taps with no wait in between on each button that records something (every
// kind of sync mutation) make one action — one mutation sent by the phone, one processed by the server, one line
// on the phone. The taps are two `click()` in the page in the same task: the second comes before the page has
// redrawn or anything was awaited, as a quick double tap on a phone does.

let session: PhoneSession;
let server: TestServer;
let page: Page;
let errors: string[];
let docs: DebtorDoc[];
/** Every mutation id the phone pushed, by kind: a retried push sends the same id again, a doubled tap a new one. */
const pushed = new Map<string, Set<string>>();
/** The kinds double-tapped so far. */
const tried = new Set<MutationKind>();

beforeAll(async () => {
  session = await startPhoneSession();
  ({ server, page, errors } = session);
  // Headless Chromium has no SMS or mail app: its prompt for an sms: link would swallow the next taps. The link's
  // own handler (which logs the message) still runs; only the browser's following of it is stopped.
  await session.context.addInitScript(() => {
    window.addEventListener("click", (e) => {
      if ((e.target as Element | null)?.closest?.('a[href^="sms:"], a[href^="mailto:"]')) e.preventDefault();
    }, true);
  });
  const office = await signIn(server.url, "bureau@demo.test");
  docs = (await call(server.url, "GET", "/api/today", { cookie: office })).body.debtors;
  // The box to open: its letters received as the office recorded them; goods kept 0 days (cleared the next day).
  const toOpen = docs.find((d) => d.tasks.some((t) => t.kind === "open_box" && t.status === "open"))!;
  await setReceipts(server, { caseId: toOpen.case!.id, customerId: toOpen.customerId }, OPENABLE);
  expect((await call(server.url, "PUT", "/api/settings", { cookie: office, body: { keepGoodsDays: 0 } })).status).toBe(200);
  page.on("request", (request) => {
    if (!request.url().endsWith("/api/sync/push") || request.method() !== "POST") return;
    const body = request.postDataJSON() as { mutations: { id: string; kind: string }[] };
    for (const m of body.mutations) pushed.set(m.kind, (pushed.get(m.kind) ?? new Set()).add(m.id));
  });
  await signInThroughTheForm(page, "manager@demo.test");
  await waitForServiceWorker(page);
  await waitUntilSynced(page);
});
afterAll(() => session?.close());

it("records one call outcome, one message (from the phone, or asked of the server), one answer, one note and its correction, one promise for two quick taps on each", async () => {
  const target = docs.find((d) => d.phone && d.email && d.case?.status === "open" && d.tasks.every((t) => t.status !== "open"))!;
  await openDebtor(target);

  await page.getByRole("button", { name: "Noter un appel" }).click();
  await oneAction("call.logged", () => doubleTap(page.getByRole("button", { name: "Pas de réponse / messagerie" })));
  // The message offered after an unanswered call: a link to the phone's own SMS app (no provider on this server).
  const noAnswer = page.getByRole("dialog", { name: "Pas de réponse" });
  await oneAction("message.logged", () => doubleTap(noAnswer.locator(".message-choice .button.primary").first()));
  await noAnswer.waitFor({ state: "detached" });
  // Where the server can send e-mail, the sheet asks it to: the phone is told so (this server has no SMTP; it
  // writes what it would send to its outbox folder, which is all this test needs).
  await page.route("**/api/auth/session", async (route) => {
    const answer = await route.fetch();
    const body = await answer.json();
    await route.fulfill({ response: answer, json: { ...body, settings: { ...body.settings, serverMessaging: { sms: false, email: true } } } });
  });
  await page.reload();
  await page.getByRole("button", { name: "SMS / e-mail" }).click();
  const messages = page.getByRole("dialog", { name: "SMS / e-mail" });
  await oneAction("message.requested", () => doubleTap(messages.getByRole("button", { name: /^Envoyer E-mail/ })));
  await messages.waitFor({ state: "detached" });
  await page.unroute("**/api/auth/session");

  await page.getByRole("button", { name: "Noter un appel" }).click();
  await oneAction("call.logged", () => doubleTap(page.getByRole("button", { name: "Répondu" })));
  await page.getByLabel("Réponse du client").fill("Je passe lundi");
  await oneAction("answer.logged", () => doubleTap(page.getByRole("button", { name: "Enregistrer", exact: true })));
  expect(await historyLines("Réponse du client : « Je passe lundi »").count()).toBe(1);

  await page.getByRole("button", { name: "Note", exact: true }).click();
  await page.getByRole("textbox", { name: "Note" }).fill("Deux taps, une note");
  await oneAction("note.added", () => doubleTap(page.getByRole("button", { name: "Enregistrer", exact: true })));
  expect(await historyLines("Deux taps, une note").count()).toBe(1);
  const notes = await server.services.db
    .select({ n: count() })
    .from(actions)
    .where(and(eq(actions.customerId, target.customerId), eq(actions.kind, "note"), eq(actions.text, "Deux taps, une note")));
  expect(notes[0]!.n).toBe(1);
  // The note was a mistake: its author cancels it, once.
  await historyLines("Deux taps, une note").getByRole("button", { name: "Corriger" }).click();
  await oneAction("entry.corrected", () => doubleTap(page.getByRole("button", { name: "Oui, annuler cette saisie" })));
  expect(await historyLines("Deux taps, une note").getByText(/^Corrigé par/).count()).toBe(1);

  await page.getByRole("button", { name: "Promesse", exact: true }).click();
  await page.getByLabel("Date promise").fill(addDays(TEST_TODAY, 4));
  await page.getByLabel("Montant (€)").fill("87");
  await oneAction("promise.made", () => doubleTap(page.getByRole("button", { name: "Enregistrer la promesse" })));
  expect(await historyLines("Promesse de paiement : 87,00 €").count()).toBe(1);
  expect(errors).toEqual([]);
});

it("marks a task done once for two quick taps on Fait", async () => {
  const target = docs.find((d) => d.tasks.filter((t) => t.status === "open").length === 1 && d.tasks.some((t) => t.kind === "call" && t.status === "open"))!;
  await openDebtor(target);
  await oneAction("task.done", () => doubleTap(page.locator(".task").getByRole("button", { name: "Fait" })));
  expect(await historyLines("Fait : Appeler le client").count()).toBe(1);
  expect(errors).toEqual([]);
});

it("places a padlock from the walk-through, removes it, suspends and restores the gate code, once each for two quick taps", async () => {
  const target = docs.find((d) => d.units.length === 1 && d.units[0]!.siteCode === "LYO" && d.tasks.some((t) => t.kind === "padlock_place" && t.status === "open" && t.dueOn < TEST_TODAY))!;
  const unit = target.units[0]!;
  await page.goto("/cadenas");
  await page.getByRole("heading", { name: "Contrôle des cadenas" }).waitFor();
  await page.locator(`li[data-unit="${unit.number}"]`).getByRole("button", { name: "Posé (photos)" }).click();
  await page.getByLabel("Photo de la porte").setInputFiles("tests/fixtures/photos/door.jpg");
  await page.locator(".photo-picker .photo-thumb img").waitFor();
  await oneAction("padlock.placed", () => doubleTap(page.getByRole("button", { name: "Double cadenas posé" })));

  await openDebtor(target);
  expect(await historyLines(`Double cadenas posé sur le box ${unit.number}`).count()).toBe(1);
  await page.getByRole("button", { name: "Retirer le double cadenas" }).click();
  await oneAction("padlock.removed", () => doubleTap(page.getByRole("button", { name: "Double cadenas retiré" })));
  await oneAction("gate.suspended", () => doubleTap(page.getByRole("button", { name: "Suspendre le code" })));
  await oneAction("gate.restored", () => doubleTap(page.getByRole("button", { name: "Rétablir le code" })));
  expect(await historyLines(`Double cadenas retiré du box ${unit.number}`).count()).toBe(1);
  expect(await historyLines(`Code d'accès suspendu (box ${unit.number})`).count()).toBe(1);
  expect(await historyLines(`Code d'accès rétabli (box ${unit.number})`).count()).toBe(1);
  // Back where it started, not toggled a second time by the second tap.
  await page.getByRole("button", { name: "Poser le double cadenas" }).waitFor();
  await page.getByRole("button", { name: "Suspendre le code" }).waitFor();
  expect(errors).toEqual([]);
});

it("lets the second tap of a slower double tap land nowhere: not on the button that replaced the first, not under a closed sheet", async () => {
  // No task open: recording the action closes none, so nothing above the button moves.
  const target = docs.find((d) => d.units.length === 1 && d.units[0]!.siteCode === "LYO" && d.units[0]!.gate === "active" && d.case?.status === "open" && d.tasks.every((t) => t.status !== "open"))!;
  await openDebtor(target);
  // "Suspendre le code" saved becomes "Rétablir le code" under the finger; the second tap must not restore it.
  let landed = "";
  await oneAction("gate.suspended", async () => {
    landed = await tapAgainOnceChanged(page.getByRole("button", { name: "Suspendre le code" }), { buttonNamed: "Rétablir le code" });
  });
  expect(landed).not.toBe("BUTTON Rétablir le code");
  await oneAction("gate.restored", () => page.getByRole("button", { name: "Rétablir le code" }).click());
  // A note's sheet closes when saved: the second tap lands on the page that was under its button.
  await page.getByRole("button", { name: "Note", exact: true }).click();
  await page.getByRole("textbox", { name: "Note" }).fill("Un tap de trop");
  await oneAction("note.added", async () => {
    landed = await tapAgainOnceChanged(page.getByRole("button", { name: "Enregistrer", exact: true }), { sheetClosed: true });
  });
  expect(landed).toBe("DIV tap-shield");
  expect(await page.getByRole("dialog").count()).toBe(0);
  expect(errors).toEqual([]);
});

it("records one box opening and one clearing for two quick taps", async () => {
  const target = docs.find((d) => d.tasks.some((t) => t.kind === "open_box" && t.status === "open"))!;
  const unit = target.units.find((u) => target.tasks.some((t) => t.kind === "open_box" && t.unitId === u.id))!;
  await page.goto(`/debiteurs/${target.customerId}/ouverture/${unit.id}`);
  await page.getByText("1. Conditions").waitFor();
  await page.getByLabel("N° lu sur la porte").fill(unit.number);
  await page.getByLabel("Nom du commissaire de justice").fill("Me Roux");
  await page.getByLabel("Étude (office)").fill("Étude Roux, Villeurbanne");
  await page.getByLabel("Référence du procès-verbal de constat").fill("PV 77");
  await drawSignature(page, "Signature du témoin");
  const png = (name: string, w: number, h: number) => ({ name, mimeType: "image/png", buffer: pngImage(w, h) });
  await page.getByLabel("Porte", { exact: true }).setInputFiles(png("porte.png", 400, 300));
  await page.getByLabel("Cadenas coupé").setInputFiles(png("cadenas.png", 300, 400));
  await page.getByLabel("Contenu", { exact: true }).setInputFiles([png("c1.png", 400, 200), png("c2.png", 200, 400)]);
  await expect.poll(() => page.locator(".photo-picker .photo-thumb img").count(), { timeout: 20_000 }).toBe(4);
  await page.getByLabel("Inventaire du contenu").fill("Deux cartons");
  await drawSignature(page, "Signature sous l'inventaire", 0.8);
  await page.getByLabel("N° du nouveau cadenas").fill("N-77");
  await oneAction("box.opened", () => doubleTap(page.getByRole("button", { name: "Enregistrer l'ouverture" })));

  await page.getByRole("heading", { name: target.name }).waitFor();
  await page.getByText("Preuves reçues par le serveur ✓").waitFor({ timeout: 30_000 });
  // The office's legal basis, and the next day: the contents may go.
  const office = await signIn(server.url, "bureau@demo.test");
  const basis = { kind: "court_order", reference: "RG 26/00077", court: "Tribunal judiciaire de Lyon" };
  expect((await call(server.url, "POST", `/api/cases/${target.case!.id}/disposal-basis`, { cookie: office, body: { unitId: unit.id, basis } })).status).toBe(204);
  moveServerClock(server, 1);
  await session.context.clock.setSystemTime(new Date(TEST_NOW.getTime() + 86_400_000));
  await page.reload();
  await page.getByText("Base légale de l'enlèvement : décision de justice RG 26/00077 (Tribunal judiciaire de Lyon).").waitFor();
  const clear = page.getByRole("button", { name: "Enlèvement du contenu" });
  await expect.poll(() => clear.isDisabled()).toBe(false);
  await clear.click();
  await oneAction("box.cleared", () => doubleTap(page.getByRole("button", { name: "Enregistrer l'enlèvement" })));
  await page.getByText(/^Contenu enlevé le/).waitFor();
  expect(errors).toEqual([]);
});

it("has tried every kind of action a phone records (a new kind needs its double tap here)", () => {
  expect([...tried].sort()).toEqual([...MUTATION_KINDS].sort());
});

/** Two taps in the same instant: both clicks are dispatched before the page can redraw or await anything. */
function doubleTap(button: Locator): Promise<void> {
  return button.evaluate((b) => {
    (b as HTMLElement).click();
    (b as HTMLElement).click();
  });
}

/**
 * A person's double tap, slower than the save: the second tap comes at the same spot as soon as the screen shows
 * the first was saved (a new button there, or the sheet gone). It is hit-tested as a finger's tap is
 * (`elementFromPoint`), so whatever covers the spot or takes no taps there decides where it lands; that is
 * returned ("BUTTON Rétablir le code", "DIV tap-shield").
 */
async function tapAgainOnceChanged(button: Locator, changed: { buttonNamed?: string; sheetClosed?: boolean }): Promise<string> {
  return button.evaluate(async (b, changed) => {
    b.scrollIntoView({ block: "center" });
    const box = b.getBoundingClientRect();
    const [x, y] = [box.left + box.width / 2, box.top + box.height / 2];
    (b as HTMLElement).click();
    const isChanged = () =>
      changed.sheetClosed
        ? !document.querySelector(".sheet")
        : [...document.querySelectorAll("button")].some((other) => other.textContent?.trim() === changed.buttonNamed);
    while (!isChanged()) await new Promise((frame) => requestAnimationFrame(frame));
    const under = document.elementFromPoint(x, y) as HTMLElement | null;
    under?.click();
    const target = under?.closest("button") ?? under;
    return `${target?.tagName} ${target?.tagName === "BUTTON" ? target.textContent?.trim() : target?.className}`;
  }, changed);
}

/**
 * Runs `tap` and checks that it made exactly one mutation of `kind` and nothing else: pushed once by the phone,
 * processed once by the server, once the phone has nothing left to send (a doubled tap's second mutation would
 * still be waiting in its outbox, so the status bar would not say "synced").
 */
async function oneAction(kind: MutationKind, tap: () => Promise<void>): Promise<void> {
  tried.add(kind);
  const before = await processedByKind();
  const pushedBefore = new Map([...pushed].map(([k, ids]) => [k, ids.size]));
  await tap();
  await expect.poll(async () => (await processedByKind())[kind] ?? 0, { timeout: 30_000 }).toBeGreaterThan(before[kind] ?? 0);
  await waitUntilSynced(page);
  const after = await processedByKind();
  const added = Object.fromEntries(Object.entries(after).flatMap(([k, n]) => (n !== (before[k] ?? 0) ? [[k, n - (before[k] ?? 0)]] : [])));
  expect(added).toEqual({ [kind]: 1 });
  const sent = Object.fromEntries([...pushed].flatMap(([k, ids]) => (ids.size !== (pushedBefore.get(k) ?? 0) ? [[k, ids.size - (pushedBefore.get(k) ?? 0)]] : [])));
  expect(sent).toEqual({ [kind]: 1 });
}

/** How many mutations of each kind the server has processed (applied or refused: a refused double is still one too many). */
async function processedByKind(): Promise<Record<string, number>> {
  const rows = await server.services.db.select({ kind: processedMutations.kind, n: count() }).from(processedMutations).groupBy(processedMutations.kind);
  return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
}

async function openDebtor(d: DebtorDoc): Promise<void> {
  await page.goto(`/debiteurs/${d.customerId}`);
  await page.getByRole("heading", { name: d.name }).waitFor();
}

function historyLines(text: string): Locator {
  return page.locator(".timeline li", { hasText: text });
}

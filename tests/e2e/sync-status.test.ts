import { eq } from "drizzle-orm";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { actions } from "../../server/cases/cases.sql";
import { injectFaults } from "../../server/sync/push";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { pngImage } from "../support/images";
import { call, signIn, type TestServer } from "../support/server";
import { type PhoneSession, signInThroughTheForm, startPhoneSession, waitUntilSynced } from "./browser";

// The status bar says what really happened: its state is exposed once the counts are read, a photo the server
// refused is named (which, and why), and an action the server keeps faulting on is set aside, shown, and sent
// once the fault stops.

let session: PhoneSession;
let server: TestServer;
let context: BrowserContext;
let page: Page;
let docs: DebtorDoc[];
const SHOTS = process.env.SHOTS_DIR;

beforeAll(async () => {
  session = await startPhoneSession();
  ({ server, context, page } = session);
  const office = await signIn(server.url, "bureau@demo.test");
  docs = (await call(server.url, "GET", "/api/today", { cookie: office })).body.debtors;
  await signInThroughTheForm(page, "gestionnaire@demo.test");
  await waitUntilSynced(page);
});
afterEach(() => injectFaults(null));
afterAll(() => session?.close());

const bar = () => page.locator(".status-bar");
const shot = (name: string) => (SHOTS ? page.screenshot({ path: `${SHOTS}/${name}.png` }) : Promise.resolve());

async function openDebtor(doc: DebtorDoc) {
  await page.goto(`/debiteurs/${doc.customerId}`);
  await page.getByRole("heading", { name: doc.name }).waitFor();
}

it("exposes the counts and the state once they are read", async () => {
  await expect.poll(() => bar().getAttribute("data-pending")).toBe("0");
  expect(await bar().getAttribute("data-photos-queued")).toBe("0");
  expect(await bar().textContent()).toContain("Tout est envoyé");
  await shot("status-synced");
});

it("names a photo the server refused, shows which and why, and sends it again on request", async () => {
  const target = docs.find((d) => d.units.length === 1 && d.units[0]!.siteCode === "LYO" && d.units[0]!.padlock === "none")!;
  const unit = target.units[0]!;
  // The server refuses the photo's bytes (as it would a file that is not a photo).
  await context.route("**/api/blobs/*", (route) =>
    route.request().method() === "PUT"
      ? route.fulfill({ status: 422, contentType: "application/json", body: JSON.stringify({ error: { code: "HASH_MISMATCH", message: "Ce fichier n'est pas une photo." } }) })
      : route.continue(),
  );
  await openDebtor(target);
  await page.getByRole("button", { name: "Poser le double cadenas" }).click();
  await page.getByLabel("Photo de la porte").setInputFiles([{ name: "porte.png", mimeType: "image/png", buffer: pngImage(320, 240, { noise: true }) }]);
  await expect.poll(() => page.locator(".photo-picker .photo-thumb img").count(), { timeout: 20_000 }).toBe(1);
  await page.getByRole("button", { name: "Double cadenas posé" }).click();

  await page.locator('.status-bar[data-sync-state="problem"][data-photos-refused="1"]').waitFor({ timeout: 30_000 });
  expect(await bar().textContent()).toContain("1 photo refusée");
  expect(await bar().textContent()).not.toContain("Tout est envoyé");
  await shot("status-photo-refused");

  await bar().getByRole("button", { name: "Voir ce qui n'est pas parti" }).click();
  const sheet = page.getByRole("dialog", { name: "Pas encore parti" });
  await sheet.getByText("Ce fichier n'est pas une photo.").waitFor();
  expect(await sheet.textContent()).toContain(`Double cadenas posé sur le box ${unit.number}`);
  await shot("status-photo-refused-sheet");

  await context.unroute("**/api/blobs/*");
  await sheet.getByRole("button", { name: "Renvoyer" }).click();
  await sheet.waitFor({ state: "detached" });
  await waitUntilSynced(page);
});

it("sets aside an action the server keeps faulting on, sends the others, and sends it once the fault stops", async () => {
  const target = docs.find((d) => d.units.some((u) => u.siteCode === "LYO"))!;
  injectFaults((m) => {
    if (m.kind === "note.added" && m.payload.text === "Note coincée") throw new Error("disk I/O error (injected)");
  });
  await openDebtor(target);
  await page.getByRole("button", { name: "Note", exact: true }).click();
  await page.getByRole("textbox", { name: "Note" }).fill("Note coincée");
  await page.getByRole("button", { name: "Enregistrer", exact: true }).click();
  await page.getByRole("dialog", { name: "Note" }).waitFor({ state: "detached" });
  await page.getByRole("button", { name: "Note", exact: true }).click();
  await page.getByRole("textbox", { name: "Note" }).fill("Note qui passe");
  await page.getByRole("button", { name: "Enregistrer", exact: true }).click();

  // The phone retries with growing pauses: its clock is moved on instead of waiting for them.
  await expect
    .poll(
      async () => {
        await page.clock.fastForward(60_000);
        return bar().getAttribute("data-set-aside");
      },
      { timeout: 30_000 },
    )
    .toBe("1");
  await page.locator('.status-bar[data-sync-state="problem"][data-pending="0"]').waitFor();
  expect(await bar().textContent()).toContain("1 action mise de côté");
  const passed = await server.services.db.select().from(actions).where(eq(actions.customerId, target.customerId));
  expect(passed.filter((a) => a.text.includes("Note qui passe"))).toHaveLength(1);
  expect(passed.filter((a) => a.text.includes("Note coincée"))).toHaveLength(0);
  await shot("status-set-aside");
  await bar().getByRole("button", { name: "Voir ce qui n'est pas parti" }).click();
  const sheet = page.getByRole("dialog", { name: "Pas encore parti" });
  await sheet.getByText("Note coincée").waitFor();
  await shot("status-set-aside-sheet");

  // The office sees it at its desk: who, which action in the phone's words, that it still fails.
  const desk = await session.browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 }, locale: "fr-FR", timezoneId: "Europe/Paris" });
  const office = await desk.newPage();
  await signInThroughTheForm(office, "bureau@demo.test");
  await office.goto("/actions-en-echec");
  const item = office.locator(".set-aside-list li").filter({ hasText: "Note coincée" });
  await item.waitFor();
  // Five faults set it aside; the phone may have tried it once more since (each app start, each hour).
  expect(await item.innerText()).toMatch(/Valérie Thomas · action n° \d+ · [5-9] échecs/);
  expect(await item.getAttribute("data-processed")).toBe("no");
  if (SHOTS) await office.screenshot({ path: `${SHOTS}/office-set-aside.png` });

  injectFaults(null);
  await sheet.getByRole("button", { name: "Réessayer maintenant" }).click();
  await waitUntilSynced(page);
  const after = await server.services.db.select().from(actions).where(eq(actions.customerId, target.customerId));
  expect(after.filter((a) => a.text.includes("Note coincée"))).toHaveLength(1);
  await office.reload();
  await office.locator('.set-aside-list li[data-processed="applied"]').filter({ hasText: "Note coincée" }).getByText(/^Enregistrée le/).waitFor();
  await desk.close();
});

import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { evidenceRecords } from "../../server/evidence/evidence.sql";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { pngImage } from "../support/images";
import { call, signIn, type TestServer } from "../support/server";
import { type PhoneSession, screenshot, signInThroughTheForm, startPhoneSession, waitForServiceWorker, waitUntilSynced } from "./browser";

// The Manager's box opening on the phone: refused with its reasons before the exit and the R3 letter; with them,
// the guided flow (typed number, witness, photos of the door, the cut lock and the contents, inventory, new
// padlock) completes offline — what is typed and photographed survives the app being closed — shows "preuves en
// cours d'envoi", and the clearing unlocks only once every photo has reached the server.

let session: PhoneSession;
let server: TestServer;
let context: BrowserContext;
let page: Page;
let errors: string[];
let docs: DebtorDoc[];

beforeAll(async () => {
  session = await startPhoneSession();
  ({ server, context, page, errors } = session);
  const office = await signIn(server.url, "bureau@demo.test");
  docs = (await call(server.url, "GET", "/api/today", { cookie: office })).body.debtors;
  await signInThroughTheForm(page, "manager@demo.test");
  await waitForServiceWorker(page);
  await waitUntilSynced(page);
});
afterAll(() => session?.close());

const photo = (name: string, buffer: Buffer) => ({ name, mimeType: "image/png", buffer });

it("says why a box cannot be opened before the exit step and the R3 letter", async () => {
  const early = docs.find((d) => d.case?.status === "open" && d.case.level === "R1" && d.units.length === 1)!;
  await page.goto(`/debiteurs/${early.customerId}/ouverture/${early.units[0]!.id}`);
  await page.getByText("1. Conditions").waitFor();
  await page.getByText("Contrat pas terminé : la sortie doit d'abord être validée par le Manager").waitFor();
  await page.getByText("Mise en demeure (R3) pas encore envoyée en recommandé").waitFor();
  await page.getByText("Ouverture impossible tant que ces conditions ne sont pas remplies").waitFor();
  expect(await page.getByRole("button", { name: "Enregistrer l'ouverture" }).count()).toBe(0);
  await screenshot(page, "opening-refused");
});

it("reads the box number from the door's QR code where the phone can (BarcodeDetector)", async () => {
  // Headless Chromium on Linux has no BarcodeDetector and no camera: a stand-in detector that reads "BOX <number>"
  // and a canvas as the camera. What is tested is the flow around them: the offer, the camera, the number filled in.
  const target = docs.find((d) => d.tasks.some((t) => t.kind === "open_box" && t.status === "open"))!;
  const unit = target.units.find((u) => target.tasks.some((t) => t.kind === "open_box" && t.unitId === u.id))!;
  const page2 = await context.newPage();
  const label = unit.number;
  await page2.addInitScript((number) => {
    (window as unknown as { BarcodeDetector: unknown }).BarcodeDetector = class {
      async detect() {
        return [{ rawValue: `CADENAS-LYO BOX ${number}` }];
      }
    };
    navigator.mediaDevices.getUserMedia = async () => {
      const canvas = document.createElement("canvas");
      canvas.width = 64;
      canvas.height = 64;
      canvas.getContext("2d")!.fillRect(0, 0, 64, 64);
      return canvas.captureStream(5);
    };
  }, label);
  await page2.goto(`/debiteurs/${target.customerId}/ouverture/${unit.id}`);
  await page2.getByRole("button", { name: "Scanner le QR code de la porte" }).click();
  await page2.getByText(`Box ${label} confirmé ✓`).waitFor();
  expect(await page2.getByLabel("N° lu sur la porte").inputValue()).toBe(label);
  await page2.close();
});

it("opens a box through the guided flow offline; clearing waits until every photo has arrived", async () => {
  const target = docs.find((d) => d.tasks.some((t) => t.kind === "open_box" && t.status === "open"))!;
  const unit = target.units.find((u) => target.tasks.some((t) => t.kind === "open_box" && t.unitId === u.id))!;
  await page.goto(`/debiteurs/${target.customerId}`);
  await page.getByRole("heading", { name: target.name }).waitFor();
  await context.setOffline(true);
  await page.getByText("Hors connexion").waitFor();
  await page.getByRole("link", { name: "Ouvrir", exact: true }).click();
  await page.getByRole("heading", { name: `Ouverture du box ${unit.number}` }).waitFor();

  // The wrong box is named before anything is sent.
  await page.getByLabel("N° lu sur la porte").fill("Z999");
  await page.getByText(`« Z999 » n'est pas le box ${unit.number} : vérifiez la porte.`).waitFor();
  await page.getByLabel("N° lu sur la porte").fill(unit.number.toLowerCase());
  await page.getByText(`Box ${unit.number} confirmé ✓`).waitFor();
  await page.getByLabel("Nom du témoin").fill("Mme Lefèvre, gardienne");
  await page.getByLabel("Porte", { exact: true }).setInputFiles(photo("porte.png", pngImage(800, 600)));
  await page.locator(".photo-picker .photo-thumb img").first().waitFor();
  // A call comes in, the app is closed: what was typed and photographed is still there.
  await page.reload();
  await page.getByText("1. Conditions").waitFor();
  expect(await page.getByLabel("Nom du témoin").inputValue()).toBe("Mme Lefèvre, gardienne");
  expect(await page.getByLabel("N° lu sur la porte").inputValue()).toBe(unit.number.toLowerCase());
  await expect.poll(() => page.locator(".photo-picker .photo-thumb img").count()).toBe(1);
  await page.getByLabel("Cadenas coupé").setInputFiles(photo("cadenas.png", pngImage(600, 800)));
  await page.getByLabel("Contenu", { exact: true }).setInputFiles([photo("c1.png", pngImage(900, 600)), photo("c2.png", pngImage(600, 900))]);
  await expect.poll(() => page.locator(".photo-picker .photo-thumb img").count(), { timeout: 20_000 }).toBe(4);
  // Not yet complete: what is missing is listed.
  await page.getByRole("button", { name: "Enregistrer l'ouverture" }).click();
  await page.getByText("Il manque : l'inventaire, le n° du nouveau cadenas.").waitFor();
  await page.getByLabel("Inventaire du contenu").fill("Trois cartons, un vélo, une commode");
  await page.getByLabel("N° du nouveau cadenas").fill("N-4410");
  await page.getByRole("button", { name: "Enregistrer l'ouverture" }).click();

  await page.getByRole("heading", { name: target.name }).waitFor();
  await page.getByText("Preuves en cours d'envoi : 4 photos").waitFor();
  const clear = page.getByRole("button", { name: "Mise à la benne" });
  expect(await clear.isDisabled()).toBe(true);
  await page.getByText("La mise à la benne attend que toutes les photos de l'ouverture soient arrivées.").waitFor();
  await page.getByText("Preuves en cours d'envoi").scrollIntoViewIfNeeded();
  await screenshot(page, "opening-evidence-pending");

  await context.setOffline(false);
  await page.getByText("Preuves reçues par le serveur ✓").waitFor({ timeout: 30_000 });
  await waitUntilSynced(page);
  expect(await clear.isDisabled()).toBe(false);
  await clear.click();
  await page.getByLabel("Remarque (facultatif)").fill("Benne enlevée par Veolia");
  await page.getByRole("button", { name: "Box vidé" }).click();
  await page.getByText(/^Vidé \(mise à la benne\) le/).waitFor();
  await waitUntilSynced(page);
  await screenshot(page, "opening-cleared");
  // The office's view of the same debtor: the server's check of the evidence chain, and the pack to download.
  await page.reload();
  await page.getByText(/^Chaîne de preuves intègre \(\d+ enregistrements\)$/).waitFor();
  expect(await page.getByRole("link", { name: "Dossier PDF" }).getAttribute("href")).toBe(`/api/cases/${target.case!.id}/evidence-pack.pdf`);

  const records = await server.services.db.select().from(evidenceRecords);
  const mine = records.filter((r) => r.unitId === unit.id).sort((a, b) => a.seq - b.seq);
  expect(mine.map((r) => r.kind)).toEqual(["box.opened", "box.cleared"]);
  expect(mine[0]!.photos).toHaveLength(4);
  expect(mine[0]!.payload).toMatchObject({ witness: "Mme Lefèvre, gardienne", inventory: "Trois cartons, un vélo, une commode", newPadlockNumber: "N-4410" });
  const office = await signIn(server.url, "bureau@demo.test");
  const log = (await call(server.url, "GET", `/api/cases/${target.case!.id}/evidence`, { cookie: office })).body;
  expect(log.integrity).toMatchObject({ ok: true, photosPending: [] });
  expect(errors).toEqual([]);
});

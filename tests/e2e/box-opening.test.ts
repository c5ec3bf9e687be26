import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { evidenceRecords } from "../../server/evidence/evidence.sql";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { pngImage } from "../support/images";
import { moveServerClock, OPENABLE, setReceipts } from "../support/opening";
import { TEST_NOW, call, signIn, type TestServer } from "../support/server";
import { formatDateFr } from "../../shared/dates";
import { drawSignature } from "./signature";
import { type PhoneSession, screenshot, signInThroughTheForm, startPhoneSession, waitForServiceWorker, waitUntilSynced } from "./browser";

// The Manager's box opening on the phone: refused with its reasons until the letters allow it (R3 and the
// termination notice received, their periods over, the contract ended); then the guided flow (typed number, the
// commissaire de justice and their signature drawn on the screen, photos of the door, the cut lock and the contents,
// the inventory signed, new padlock) completes offline — what is typed, drawn and photographed survives the app
// being closed — shows "preuves en cours d'envoi"; the clearing waits for every photo and signature, for the legal
// basis the office enters, and for the keeping period (set to 0 days here: the next day), and records its method.

let session: PhoneSession;
let server: TestServer;
let context: BrowserContext;
let page: Page;
let errors: string[];
let docs: DebtorDoc[];
let target: DebtorDoc;

beforeAll(async () => {
  session = await startPhoneSession();
  ({ server, context, page, errors } = session);
  const office = await signIn(server.url, "bureau@demo.test");
  docs = (await call(server.url, "GET", "/api/today", { cookie: office })).body.debtors;
  // The letters' receipts as the office recorded them, and goods kept 0 days: cleared the day after the opening.
  target = docs.find((d) => d.tasks.some((t) => t.kind === "open_box" && t.status === "open"))!;
  await setReceipts(server, { caseId: target.case!.id, customerId: target.customerId }, OPENABLE);
  expect((await call(server.url, "PUT", "/api/settings", { cookie: office, body: { keepGoodsDays: 0 } })).status).toBe(200);
  await signInThroughTheForm(page, "manager@demo.test");
  await waitForServiceWorker(page);
  await waitUntilSynced(page);
});
afterAll(() => session?.close());

const photo = (name: string, buffer: Buffer) => ({ name, mimeType: "image/png", buffer });

it("says why a box cannot be opened before the letters allow it", async () => {
  const early = docs.find((d) => d.case?.status === "open" && d.case.level === "R1" && d.units.length === 1)!;
  await page.goto(`/debiteurs/${early.customerId}/ouverture/${early.units[0]!.id}`);
  await page.getByText("1. Conditions").waitFor();
  await page.getByText("Mise en demeure (R3) : ni avis de réception ni retour « pli avisé et non réclamé » enregistré").waitFor();
  await page.getByText("Délai de 8 jours de la mise en demeure : il court à partir de sa réception").waitFor();
  await page.getByText("Contrat pas terminé : la sortie doit d'abord être validée par le Manager").waitFor();
  await page.getByText("Notification de la résiliation pas encore envoyée en recommandé").waitFor();
  await page.getByText("Délai de 30 jours laissé pour retirer les biens : il court à partir de la réception de la notification").waitFor();
  expect(await page.locator(".checklist li[data-ok=false]").count()).toBe(5);
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

it("opens a box through the guided flow offline, witness and signatures drawn; clearing waits for the evidence, the basis and the keeping period", async () => {
  const unit = target.units.find((u) => target.tasks.some((t) => t.kind === "open_box" && t.unitId === u.id))!;
  await page.goto(`/debiteurs/${target.customerId}`);
  await page.getByRole("heading", { name: target.name }).waitFor();
  await context.setOffline(true);
  await page.getByText("Hors connexion").waitFor();
  await page.getByRole("link", { name: "Ouvrir", exact: true }).click();
  await page.getByRole("heading", { name: `Ouverture du box ${unit.number}` }).waitFor();
  // The letters allow it: every condition met, with the days the office recorded.
  await page.getByText(`Mise en demeure (R3) reçue le ${formatDateFr(OPENABLE.r3!)}`).waitFor();
  await page.getByText(`Notification de la résiliation reçue le ${formatDateFr(OPENABLE.notice as string)}`).waitFor();
  expect(await page.locator(".checklist").getAttribute("data-allowed")).toBe("true");

  // The wrong box is named before anything is sent.
  await page.getByLabel("N° lu sur la porte").fill("Z999");
  await page.getByText(`« Z999 » n'est pas le box ${unit.number} : vérifiez la porte.`).waitFor();
  await page.getByLabel("N° lu sur la porte").fill(unit.number.toLowerCase());
  await page.getByText(`Box ${unit.number} confirmé ✓`).waitFor();
  // No plain witness on this site (the default): a commissaire de justice, and no choice offered.
  expect(await page.getByRole("button", { name: "Témoin", exact: true }).count()).toBe(0);
  await page.getByLabel("Nom du commissaire de justice").fill("Me Lefèvre");
  await page.getByLabel("Étude (office)").fill("Étude Lefèvre & Roux, Lyon");
  await page.getByLabel("Référence du procès-verbal de constat").fill("PV 2026/0418");
  await page.getByRole("img", { name: "Signature du témoin" }).scrollIntoViewIfNeeded();
  await screenshot(page, "opening-witness");
  await drawSignature(page, "Signature du témoin");
  await page.getByLabel("Porte", { exact: true }).setInputFiles(photo("porte.png", pngImage(800, 600)));
  await page.locator(".photo-picker .photo-thumb img").first().waitFor();
  // A call comes in, the app is closed: what was typed and photographed is still there.
  await page.reload();
  await page.getByText("1. Conditions").waitFor();
  expect(await page.getByLabel("Nom du commissaire de justice").inputValue()).toBe("Me Lefèvre");
  await page.getByText("Signature du témoin : signée ✓").waitFor();
  expect(await page.getByLabel("N° lu sur la porte").inputValue()).toBe(unit.number.toLowerCase());
  await expect.poll(() => page.locator(".photo-picker .photo-thumb img").count()).toBe(1);
  await page.getByLabel("Cadenas coupé").setInputFiles(photo("cadenas.png", pngImage(600, 800)));
  await page.getByLabel("Contenu", { exact: true }).setInputFiles([photo("c1.png", pngImage(900, 600)), photo("c2.png", pngImage(600, 900))]);
  await expect.poll(() => page.locator(".photo-picker .photo-thumb img").count(), { timeout: 20_000 }).toBe(4);
  // Not yet complete: what is missing is listed.
  await page.getByRole("button", { name: "Enregistrer l'ouverture" }).click();
  await page.getByText("Il manque : l'inventaire, la signature sous l'inventaire, le n° du nouveau cadenas.").waitFor();
  await page.getByLabel("Inventaire du contenu").fill("Trois cartons, un vélo, une commode");
  await drawSignature(page, "Signature sous l'inventaire", 0.8);
  await screenshot(page, "opening-signed");
  await page.getByLabel("N° du nouveau cadenas").fill("N-4410");
  await page.getByRole("button", { name: "Enregistrer l'ouverture" }).click();

  await page.getByRole("heading", { name: target.name }).waitFor();
  await page.getByText("Preuves en cours d'envoi : 6 photos ou signatures").waitFor();
  const clear = page.getByRole("button", { name: "Enlèvement du contenu" });
  expect(await clear.isDisabled()).toBe(true);
  await page.getByText("L'enlèvement attend que toutes les photos et signatures de l'ouverture soient arrivées.").waitFor();
  await page.getByText("Preuves en cours d'envoi").scrollIntoViewIfNeeded();
  await screenshot(page, "opening-evidence-pending");

  await context.setOffline(false);
  await page.getByText("Preuves reçues par le serveur ✓").waitFor({ timeout: 30_000 });
  await waitUntilSynced(page);
  // Every image arrived; the goods stay until the office has entered the legal basis.
  await page.locator("[data-refusal=NO_DISPOSAL_BASIS]").waitFor();
  expect(await clear.isDisabled()).toBe(true);
  await page.getByRole("button", { name: "Saisir la base légale de l'enlèvement" }).click();
  await page.getByLabel("Référence de la décision (ordonnance, jugement)").fill("RG 26/04321");
  await page.getByLabel("Juridiction").fill("Tribunal judiciaire de Lyon");
  await page.getByRole("button", { name: "Enregistrer la base légale" }).click();
  await page.getByText("Base légale de l'enlèvement : décision de justice RG 26/04321 (Tribunal judiciaire de Lyon).").waitFor();
  // Never the day of the opening, even with a keeping period of 0 days.
  await page.locator("[data-refusal=KEEPING_PERIOD_RUNNING]").waitFor();
  expect(await clear.isDisabled()).toBe(true);
  await screenshot(page, "opening-kept");
  // The next day, on the phone and on the server.
  moveServerClock(server, 1);
  await context.clock.setSystemTime(new Date(TEST_NOW.getTime() + 86_400_000));
  await page.reload();
  await page.getByRole("heading", { name: target.name }).waitFor();
  await expect.poll(() => clear.isDisabled()).toBe(false);
  await clear.click();
  for (const name of ["Benne", "Vente", "Don"]) expect((await page.getByRole("button", { name, exact: true }).boundingBox())!.height).toBeGreaterThanOrEqual(44);
  await page.getByRole("button", { name: "Don", exact: true }).click();
  await page.getByLabel("Remarque (facultatif)").fill("Remis à Emmaüs Lyon");
  await page.getByRole("button", { name: "Enregistrer l'enlèvement" }).click();
  await page.getByText(/^Contenu enlevé le/).waitFor();
  // The line shows as soon as the action is kept on the phone; the status bar may still read "synced" for a moment,
  // so wait on the server's record itself.
  const kinds = async () => (await server.services.db.select().from(evidenceRecords)).filter((r) => r.unitId === unit.id).map((r) => r.kind);
  await expect.poll(kinds, { timeout: 30_000 }).toContain("box.cleared");
  await waitUntilSynced(page);
  await screenshot(page, "opening-cleared");
  // The office's view of the same debtor: the server's check of the evidence chain, and the pack to download.
  await page.reload();
  await page.getByText(/^Chaîne de preuves intègre \(\d+ enregistrements\)$/).waitFor();
  expect(await page.getByRole("link", { name: "Dossier PDF" }).getAttribute("href")).toBe(`/api/cases/${target.case!.id}/evidence-pack.pdf`);

  const records = await server.services.db.select().from(evidenceRecords);
  const mine = records.filter((r) => r.unitId === unit.id).sort((a, b) => a.seq - b.seq);
  expect(mine.map((r) => r.kind)).toEqual(["box.opened", "disposal.basis", "box.cleared"]);
  expect(mine[0]!.photos).toHaveLength(6);
  expect(mine[0]!.payload).toMatchObject({
    witness: { kind: "bailiff", name: "Me Lefèvre", office: "Étude Lefèvre & Roux, Lyon", reportRef: "PV 2026/0418" },
    inventory: "Trois cartons, un vélo, une commode",
    newPadlockNumber: "N-4410",
    keepGoodsDays: 0,
  });
  expect(mine[2]!.payload).toMatchObject({ method: "charity" });
  // The signatures are PNG images drawn on the phone, received whole by the server.
  const signatures = mine[0]!.payload.signatures as { witness: string; inventory: string };
  for (const sha of [signatures.witness, signatures.inventory]) {
    const res = await fetch(`${server.url}/api/blobs/${sha}`, { headers: { cookie: await signIn(server.url, "bureau@demo.test") } });
    expect(res.headers.get("content-type")).toBe("image/png");
    expect((await res.arrayBuffer()).byteLength).toBeLessThan(60_000);
  }
  const office = await signIn(server.url, "bureau@demo.test");
  const log = (await call(server.url, "GET", `/api/cases/${target.case!.id}/evidence`, { cookie: office })).body;
  expect(log.integrity).toMatchObject({ ok: true, photosPending: [] });
  expect(errors).toEqual([]);
});


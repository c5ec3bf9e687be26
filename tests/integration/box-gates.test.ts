import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, formatDateFr } from "../../shared/dates";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { MUTATION_VERSION } from "../../shared/schemas/mutations";
import { moveServerClock, OPENABLE, setReceipts } from "../support/opening";
import { TEST_TODAY, call, signIn, startTestServer, type TestServer } from "../support/server";

// The gates of a box opening and of disposing of its contents (issue 14, "Termination and the box"): each condition
// refused with its own reason by the server, the witness a commissaire de justice unless the operator allowed a plain
// one, the signatures chained with the photos, clearing never the day of the opening nor without the office's legal
// basis — and the pack saying all of it.

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "photos");
const door = readFileSync(join(FIXTURES, "door.jpg"));
const png = readFileSync(join(FIXTURES, "padlock.png"));
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** The images of one opening: four photos and two signatures, distinct for each box. */
function shotsFor(tag: string) {
  const photos = [Buffer.concat([door, Buffer.from(`porte ${tag}`)]), Buffer.concat([png, Buffer.from(`cadenas ${tag}`)]), Buffer.concat([door, Buffer.from(`contenu ${tag}`)]), Buffer.concat([door, Buffer.from(`contenu 2 ${tag}`)])];
  const signatures = { witness: Buffer.concat([png, Buffer.from(`signature témoin ${tag}`)]), inventory: Buffer.concat([png, Buffer.from(`signature inventaire ${tag}`)]) };
  return { photos, signatures, all: [...photos, signatures.witness, signatures.inventory] };
}
const ROLES = ["door", "lock_cut", "contents", "contents"] as const;
const BAILIFF = { kind: "bailiff", name: "Me Claire Durand", office: "Étude Durand & Vial, Lyon", reportRef: "PV 2026/1187" } as const;
const PLAIN = { kind: "plain", name: "M. Karim Benali", role: "gardien du site voisin" } as const;

let server: TestServer;
let manager: string;
let office: string;
let floor: string;
let a: DebtorDoc;
let b: DebtorDoc;
let seq = 0;
const phone = uuidv7();

beforeAll(async () => {
  server = await startTestServer();
  [manager, office, floor] = await Promise.all([signIn(server.url, "manager@demo.test"), signIn(server.url, "bureau@demo.test"), signIn(server.url, "gestionnaire@demo.test")]);
  const docs = (await call<{ docs: DebtorDoc[] }>(server.url, "POST", "/api/sync/pull", { cookie: manager, body: { clientId: phone, cursor: null, page: null } })).body.docs;
  // The demo's exit stories; their contract ended by the exit step (written here, whatever day the stories end it).
  [a, b] = docs.filter((d) => d.case?.stage === "exit" && d.tasks.some((t) => t.kind === "open_box" && t.status === "open")) as [DebtorDoc, DebtorDoc];
  expect(a).toBeDefined();
  expect(b).toBeDefined();
  for (const d of [a, b]) await setReceipts(server, ids(d), { exitDone: true });
});
afterAll(() => server.close());

const push = (kind: string, payload: unknown, cookie = manager) =>
  call(server.url, "POST", "/api/sync/push", { cookie, body: { clientId: phone, mutations: [{ id: uuidv7(), seq: ++seq, v: MUTATION_VERSION, kind, payload, happenedAt: server.services.clock.now().toISOString() }] } }).then((res) => {
    if (!res.body.results) throw new Error(`push answered ${res.status}: ${JSON.stringify(res.body)}`);
    const { id: _, ...result } = res.body.results[0] as { id: string; status: string; reason?: { code: string; message: string } };
    return result;
  });
const opening = (doc: DebtorDoc, witness: object = BAILIFF) => {
  const s = shotsFor(doc.customerId);
  return {
    unitId: doc.units[0]!.id,
    confirmedNumber: doc.units[0]!.number,
    witness,
    signatures: { witness: sha(s.signatures.witness), inventory: sha(s.signatures.inventory) },
    photos: s.photos.map((p, i) => ({ sha256: sha(p), role: ROLES[i] })),
    inventory: "Un canapé deux places, six cartons fermés, un vélo de course",
    newPadlockNumber: "N-5120",
  };
};
const ids = (doc: DebtorDoc) => ({ caseId: doc.case!.id, customerId: doc.customerId });
const upload = async (doc: DebtorDoc) => {
  for (const bytes of shotsFor(doc.customerId).all) {
    const res = await fetch(`${server.url}/api/blobs/${sha(bytes)}`, { method: "PUT", headers: { cookie: manager }, body: bytes as unknown as BodyInit });
    expect(res.status).toBe(200);
  }
};
const basis = (doc: DebtorDoc, body: object, cookie = office) => call(server.url, "POST", `/api/cases/${doc.case!.id}/disposal-basis`, { cookie, body: { unitId: doc.units[0]!.id, basis: body } });

describe("opening a box", () => {
  it("is refused until R3 was received (AR or unclaimed return), each condition with its own reason", async () => {
    await setReceipts(server, ids(a), { r3: null, notice: "none" });
    expect(await push("box.opened", opening(a))).toEqual({
      status: "rejected",
      reason: { code: "R3_NOT_RECEIVED", message: "Ouverture refusée : Mise en demeure (R3) : ni avis de réception ni retour « pli avisé et non réclamé » enregistré." },
    });
  });

  it("is refused while R3's eight days run: received 8 days ago, the deadline is today", async () => {
    await setReceipts(server, ids(a), { r3: addDays(TEST_TODAY, -8) });
    expect(await push("box.opened", opening(a))).toEqual({
      status: "rejected",
      reason: { code: "R3_DEADLINE_RUNNING", message: `Ouverture refusée : Délai de 8 jours de la mise en demeure en cours, jusqu'au ${formatDateFr(TEST_TODAY)} inclus.` },
    });
  });

  it("is refused without the termination notice, then while its receipt is not recorded", async () => {
    await setReceipts(server, ids(a), { r3: addDays(TEST_TODAY, -9) });
    expect((await push("box.opened", opening(a))).reason).toEqual({ code: "NOTICE_NOT_RECEIVED", message: "Ouverture refusée : Notification de la résiliation pas encore envoyée en recommandé." });
    await setReceipts(server, ids(a), { notice: null });
    expect((await push("box.opened", opening(a))).reason).toEqual({
      code: "NOTICE_NOT_RECEIVED",
      message: "Ouverture refusée : Notification de la résiliation postée : ni avis de réception ni retour « pli avisé et non réclamé » enregistré.",
    });
  });

  it("is refused before the period to collect the goods is over (30 days from the notice's receipt)", async () => {
    await setReceipts(server, ids(a), { notice: addDays(TEST_TODAY, -30) });
    expect((await push("box.opened", opening(a))).reason).toEqual({
      code: "COLLECTION_PERIOD_RUNNING",
      message: `Ouverture refusée : Délai de 30 jours laissé pour retirer les biens en cours, jusqu'au ${formatDateFr(TEST_TODAY)} inclus.`,
    });
  });

  it("refuses a plain witness unless the operator allowed one; the phone's document carries the same facts", async () => {
    await setReceipts(server, ids(a), OPENABLE);
    await setReceipts(server, ids(b), { ...OPENABLE, noticeOutcome: "unclaimed" });
    expect((await push("box.opened", opening(b, PLAIN))).reason).toMatchObject({ code: "PLAIN_WITNESS_NOT_ALLOWED", message: expect.stringContaining("un commissaire de justice doit être présent") });
    // A witness without their quality, or a bailiff without the report's reference, is not a witness.
    const noRole = await call(server.url, "POST", "/api/sync/push", {
      cookie: manager,
      body: { clientId: phone, mutations: [{ id: uuidv7(), seq: ++seq, v: MUTATION_VERSION, kind: "box.opened", payload: { ...opening(b), witness: { kind: "bailiff", name: "Me X", office: "Étude X" } }, happenedAt: server.services.clock.now().toISOString() }] },
    });
    expect(noRole.status).toBe(400);
    expect(JSON.stringify(noRole.body)).toContain("payload.witness");
    const pulled = (await call<{ docs: DebtorDoc[] }>(server.url, "POST", "/api/sync/pull", { cookie: manager, body: { clientId: uuidv7(), cursor: null, page: null } })).body.docs;
    expect(pulled.find((d) => d.customerId === b.customerId)!.case).toMatchObject({ exitDone: true, r3ReceivedOn: OPENABLE.r3, noticeSent: true, noticeReceivedOn: OPENABLE.notice });
    expect((await call(server.url, "PUT", "/api/settings", { cookie: office, body: { allowPlainWitness: true } })).status).toBe(200);
    expect(await push("box.opened", opening(b, PLAIN))).toEqual({ status: "applied" });
  });

  it("waits while the customer is in dispute, every other condition met, until the office lifts it", async () => {
    const dispute = (on: boolean) => call(server.url, "PUT", `/api/customers/${a.customerId}/dispute`, { cookie: office, body: { dispute: on, note: on ? "Conteste le montant des pénalités" : "Accord trouvé avec le client" } });
    expect((await dispute(true)).status).toBe(200);
    expect(await push("box.opened", opening(a))).toEqual({
      status: "rejected",
      reason: { code: "IN_DISPUTE", message: `Ouverture refusée : Client en litige depuis le ${formatDateFr(TEST_TODAY)} : l'ouverture attend que le bureau lève le litige.` },
    });
    expect((await dispute(false)).status).toBe(200);
  });

  it("is recorded with a commissaire de justice, the signatures chained with the photos, and the keeping period", async () => {
    expect(await push("box.opened", opening(a))).toEqual({ status: "applied" });
    const log = (await call(server.url, "GET", `/api/cases/${a.case!.id}/evidence`, { cookie: office })).body;
    const record = log.records.find((r: { kind: string }) => r.kind === "box.opened");
    expect(record.payload).toMatchObject({ witness: BAILIFF, signatures: opening(a).signatures, keepGoodsDays: 90, inventory: opening(a).inventory });
    expect(record.payload.plainWitnessAllowed).toBeUndefined();
    expect(record.photos).toEqual(shotsFor(a.customerId).all.map(sha));
  });
});

describe("disposing of the contents", () => {
  it("is the office's basis to enter: not the floor's, not for a box never opened", async () => {
    expect((await basis(a, { kind: "court_order", reference: "RG 26/01234", court: "Tribunal judiciaire de Lyon" }, floor)).status).toBe(403);
    const docs = (await call<{ docs: DebtorDoc[] }>(server.url, "POST", "/api/sync/pull", { cookie: manager, body: { clientId: uuidv7(), cursor: null, page: null } })).body.docs;
    const closed = docs.find((d) => d.case?.status === "open" && d.case.level === "R1" && d.units.length > 0)!;
    const res = await basis(closed, { kind: "court_order", reference: "RG 26/01234", court: "Tribunal judiciaire de Lyon" });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain("n'a pas été ouvert");
  });

  it("is refused the day of the opening and until the keeping period is over, even with the basis", async () => {
    await upload(b);
    expect((await basis(b, { kind: "contract_clause", clause: "Art. 14 — biens laissés après la résiliation", bailiffReport: "PV 2026/1190" })).status).toBe(204);
    // The phones learn of the basis: the document carries it, with what the phone needs to say when the goods may go.
    const doc = (await call<{ docs: DebtorDoc[] }>(server.url, "POST", "/api/sync/pull", { cookie: manager, body: { clientId: uuidv7(), cursor: null, page: null } })).body.docs.find((d) => d.customerId === b.customerId)!;
    expect(doc.units[0]!.opening).toMatchObject({ basis: { kind: "contract_clause", bailiffReport: "PV 2026/1190" }, keepGoodsDays: 90, signatures: opening(b).signatures, receivedAt: expect.any(String) });
    const until = addDays(TEST_TODAY, 90);
    const refusal = { code: "KEEPING_PERIOD_RUNNING", message: `Enlèvement du contenu refusé : les biens inventoriés sont conservés jusqu'au ${formatDateFr(until)} inclus (90 jours après l'ouverture).` };
    expect(await push("box.cleared", { unitId: b.units[0]!.id, method: "dump" })).toEqual({ status: "rejected", reason: refusal });
    moveServerClock(server, 90);
    [manager, office] = await Promise.all([signIn(server.url, "manager@demo.test"), signIn(server.url, "bureau@demo.test")]);
    expect((await push("box.cleared", { unitId: b.units[0]!.id, method: "dump" })).reason).toEqual(refusal);
  });

  it("is refused without the office's legal basis once the period is over, then recorded with it", async () => {
    moveServerClock(server, 91);
    [manager, office] = await Promise.all([signIn(server.url, "manager@demo.test"), signIn(server.url, "bureau@demo.test")]);
    await upload(a);
    expect(await push("box.cleared", { unitId: a.units[0]!.id, method: "sale" })).toEqual({
      status: "rejected",
      reason: { code: "NO_DISPOSAL_BASIS", message: "Enlèvement du contenu refusé : le bureau n'a pas enregistré de base légale (décision de justice, ou clause du contrat et procès-verbal du commissaire de justice)." },
    });
    expect((await basis(a, { kind: "court_order", reference: "RG 26/01234", court: "Tribunal judiciaire de Lyon" })).status).toBe(204);
    expect(await push("box.cleared", { unitId: a.units[0]!.id, method: "sale" })).toEqual({ status: "applied" });
    expect((await push("box.cleared", { unitId: b.units[0]!.id, method: "dump" })).status).toBe("applied");
    expect((await basis(a, { kind: "court_order", reference: "RG 26/09999", court: "Tribunal judiciaire de Lyon" })).status).toBe(409);
    const log = (await call(server.url, "GET", `/api/cases/${a.case!.id}/evidence`, { cookie: office })).body;
    expect(log.records.map((r: { kind: string }) => r.kind).slice(-3)).toEqual(["box.opened", "disposal.basis", "box.cleared"]);
    expect(log.records.at(-1).payload).toMatchObject({ method: "sale", basis: log.records.at(-2).hash, opening: log.records.at(-3).hash });
    expect(log.integrity).toMatchObject({ ok: true, photosPending: [] });
  });

  it("shows in the pack the witness, the signatures, the inventory, the keeping period and the legal basis", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cadenas-gates-"));
    const text = async (doc: DebtorDoc) => {
      const res = await fetch(`${server.url}/api/cases/${doc.case!.id}/evidence-pack.pdf`, { headers: { cookie: office } });
      expect(res.status).toBe(200);
      const file = join(dir, `${doc.customerId}.pdf`);
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      return execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
    };
    const bailiff = await text(a);
    expect(bailiff).toContain("Ouverture du box et sort des biens");
    expect(bailiff).toContain("Me Claire Durand, commissaire de justice");
    expect(bailiff).toContain("Me Claire Durand, commissaire de justice — étude : Étude Durand & Vial, Lyon — procès-verbal de constat : PV 2026/1187");
    expect(bailiff).toContain("Un canapé deux places, six cartons fermés, un vélo de course");
    expect(bailiff).toContain(`conservé 90 jours après l'ouverture, jusqu'au ${formatDateFr(addDays(TEST_TODAY, 90))} inclus`);
    expect(bailiff).toContain("décision de justice RG 26/01234 (Tribunal judiciaire de Lyon)");
    expect(bailiff).toContain("Signature du témoin");
    expect(bailiff).toContain("Signature sous l'inventaire");
    expect(bailiff).toContain("Sort des biens Vente le 21/02/2027");
    const plain = await text(b);
    expect(plain).toContain("M. Karim Benali (gardien du site voisin), témoin");
    expect(plain).toContain("simple témoin accepté par l'exploitant");
    expect(plain).toContain("clause du contrat « Art. 14 — biens laissés après la résiliation » et procès-verbal du commissaire de justice PV 2026/1190");
  });
});

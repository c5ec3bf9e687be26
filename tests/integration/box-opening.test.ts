import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { and, eq } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tasks } from "../../server/cases/cases.sql";
import { MUTATION_VERSION } from "../../shared/schemas/mutations";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { OPENABLE, setReceipts } from "../support/opening";
import { call, signIn, startTestServer, type TestServer } from "../support/server";

// Opening a box: the Manager only, once the letters' conditions are met (box-gates.test.ts refuses each), on the box
// whose number is typed from its door, with the required photos and signatures; clearing waits for every photo and
// signature of the opening to reach the server (then for the keeping period and the office's basis: box-gates).

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "photos");
const door = readFileSync(join(FIXTURES, "door.jpg"));
const shots = [door, readFileSync(join(FIXTURES, "padlock.png")), Buffer.concat([door, Buffer.from("contenu 1")]), Buffer.concat([door, Buffer.from("contenu 2")])];
const signed = [Buffer.concat([door, Buffer.from("signature du témoin")]), Buffer.concat([door, Buffer.from("signature de l'inventaire")])];
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const roles = ["door", "lock_cut", "contents", "contents"] as const;

let server: TestServer;
let manager: string;
let floor: string;
let atExit: DebtorDoc;
let early: DebtorDoc;
let seq = 0;

beforeAll(async () => {
  server = await startTestServer();
  [manager, floor] = await Promise.all([signIn(server.url, "manager@demo.test"), signIn(server.url, "gestionnaire@demo.test")]);
  const docs = (await call<{ docs: DebtorDoc[] }>(server.url, "POST", "/api/sync/pull", { cookie: manager, body: { clientId: uuidv7(), cursor: null, page: null } })).body.docs;
  atExit = docs.find((d) => d.tasks.some((t) => t.kind === "open_box" && t.status === "open"))!;
  early = docs.find((d) => d.case?.status === "open" && !d.tasks.some((t) => t.kind === "open_box") && (d.case.level === "none" || d.case.level === "R1"))!;
  expect(atExit).toBeDefined();
  expect(early).toBeDefined();
  await setReceipts(server, { caseId: atExit.case!.id, customerId: atExit.customerId }, OPENABLE);
});
afterAll(() => server.close());

/** One phone per user: a client id belongs to the user who first used it. */
const phones = new Map<string, string>();
const push = (cookie: string, kind: string, payload: unknown) =>
  call(server.url, "POST", "/api/sync/push", { cookie, body: { clientId: phones.get(cookie) ?? (phones.set(cookie, uuidv7()).get(cookie) as string), mutations: [{ id: uuidv7(), seq: ++seq, v: MUTATION_VERSION, kind, payload, happenedAt: server.services.clock.now().toISOString() }] } });
const opening = (doc: DebtorDoc, over: Record<string, unknown> = {}) => ({
  unitId: doc.units[0]!.id,
  confirmedNumber: doc.units[0]!.number.toLowerCase(),
  witness: { kind: "bailiff", name: "Me Lefèvre", office: "Étude Lefèvre, Lyon", reportRef: "PV 2026/0042" },
  signatures: { witness: sha(signed[0]!), inventory: sha(signed[1]!) },
  photos: shots.map((b, i) => ({ sha256: sha(b), role: roles[i] })),
  inventory: "Trois cartons, un vélo, une commode",
  newPadlockNumber: "C-9001",
  ...over,
});
const refusal = (res: { status: number; body: { results: { status: string; reason?: { code: string; message: string } }[] } }) => {
  if (!res.body.results) throw new Error(`push answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.results[0]!;
};

/** The manager's phone pulling what changed since `cursor`: the debtor's document if it changed. */
async function pullDoc(customerId: string, cursor: string | null) {
  const clientId = phones.get(manager) ?? (phones.set(manager, uuidv7()).get(manager) as string);
  const body = (await call<{ docs: DebtorDoc[]; cursor: string }>(server.url, "POST", "/api/sync/pull", { cookie: manager, body: { clientId, cursor, page: null } })).body;
  return { doc: body.docs.find((d) => d.customerId === customerId) ?? null, cursor: body.cursor };
}

describe("opening a box", () => {
  it("is refused to the site manager, on a wrong number, before the letters allow it, without the required photos — each with its reason", async () => {
    const task = atExit.tasks.find((t) => t.kind === "open_box")!;
    expect(refusal(await push(manager, "task.done", { taskId: task.id })).reason!.code).toBe("LAWFUL_PATH");
    expect(refusal(await push(floor, "box.opened", opening(atExit)))).toMatchObject({ status: "rejected", reason: { code: "MANAGER_ONLY" } });
    const wrong = refusal(await push(manager, "box.opened", opening(atExit, { confirmedNumber: "Z000" })));
    expect(wrong.reason).toEqual({ code: "WRONG_BOX", message: `Numéro tapé « Z000 » : ce n'est pas le box ${atExit.units[0]!.number}. Vérifiez le numéro sur la porte.` });
    const tooEarly = refusal(await push(manager, "box.opened", opening(early)));
    expect(tooEarly.reason!.code).toBe("R3_NOT_RECEIVED");
    // A day not yet recorded is left out of the document (read as null).
    expect(early.case).toMatchObject({ exitDone: false });
    expect([early.case!.r3ReceivedOn ?? null, early.case!.noticeReceivedOn ?? null]).toEqual([null, null]);
    expect(tooEarly.reason!.message).toContain("Mise en demeure (R3)");
    const noContents = refusal(await push(manager, "box.opened", opening(atExit, { photos: shots.map((b) => ({ sha256: sha(b), role: "door" })) })));
    expect(noContents.reason).toEqual({ code: "PHOTOS_MISSING", message: "Photos manquantes : le cadenas coupé, le contenu." });
    const three = await push(manager, "box.opened", opening(atExit, { photos: opening(atExit).photos.slice(0, 3) }));
    expect(three.status).toBe(400);
    expect(JSON.stringify(three.body)).toContain("payload.photos");
  });

  it("completes with them; clearing waits for every photo and signature", async () => {
    const opened = refusal(await push(manager, "box.opened", opening(atExit)));
    expect(opened.status).toBe("applied");
    const open = await server.services.db.select().from(tasks).where(and(eq(tasks.customerId, atExit.customerId), eq(tasks.kind, "open_box"), eq(tasks.status, "open")));
    expect(open).toEqual([]);
    // The phones learn of the opening, its photos, and which of them the server still waits for.
    let pulled = await pullDoc(atExit.customerId, null);
    expect(pulled.doc!.case).toMatchObject({ exitDone: true, r3ReceivedOn: OPENABLE.r3, noticeReceivedOn: OPENABLE.notice });
    const all = [...shots, ...signed].map(sha);
    expect(pulled.doc!.units[0]!.opening).toMatchObject({ initials: "MG", photos: opening(atExit).photos, missing: all, clearedAt: null });
    expect(pulled.doc!.history.find((h) => h.kind === "box_opened")!.photos).toEqual(all);
    const pending = refusal(await push(manager, "box.cleared", { unitId: atExit.units[0]!.id, method: "dump" }));
    expect(pending.reason).toEqual({ code: "EVIDENCE_PENDING", message: "Preuves en cours d'envoi : 6 photos de l'ouverture pas encore reçues. La mise à la benne attend qu'elles soient arrivées." });
    for (const b of [...shots.slice(0, 3), ...signed]) await fetch(`${server.url}/api/blobs/${sha(b)}`, { method: "PUT", headers: { cookie: manager }, body: b as unknown as BodyInit });
    expect(refusal(await push(manager, "box.cleared", { unitId: atExit.units[0]!.id, method: "dump" })).reason!.message).toContain("1 photo de l'ouverture pas encore reçue.");
    // A photo arriving changes the debtor for every phone: "preuves en cours d'envoi" goes down without any action.
    pulled = await pullDoc(atExit.customerId, pulled.cursor);
    expect(pulled.doc!.units[0]!.opening!.missing).toEqual([sha(shots[3]!)]);
    await fetch(`${server.url}/api/blobs/${sha(shots[3]!)}`, { method: "PUT", headers: { cookie: manager }, body: shots[3] as unknown as BodyInit });
    pulled = await pullDoc(atExit.customerId, pulled.cursor);
    expect(pulled.doc!.units[0]!.opening!.missing).toEqual([]);
    // Every image arrived: what holds the clearing back now is the law (box-gates.test.ts), never the evidence.
    expect(refusal(await push(manager, "box.cleared", { unitId: atExit.units[0]!.id, method: "dump" })).reason!.code).toBe("NO_DISPOSAL_BASIS");
    expect(refusal(await push(manager, "box.opened", opening(atExit))).reason!.code).toBe("ALREADY_OPENED");
    const log = (await call(server.url, "GET", `/api/cases/${atExit.case!.id}/evidence`, { cookie: manager })).body;
    const kinds = log.records.map((r: { kind: string }) => r.kind);
    expect(kinds.slice(-1)).toEqual(["box.opened"]);
    expect(log.records.at(-1).payload).toMatchObject({ witness: opening(atExit).witness, newPadlockNumber: "C-9001" });
    expect(log.integrity).toMatchObject({ ok: true, photosPending: [] });
  });
});

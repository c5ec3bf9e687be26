import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { strFromU8, unzipSync } from "fflate";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MUTATION_VERSION } from "../../shared/schemas/mutations";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { call, signIn, startTestServer, TEST_NOW, type TestServer } from "../support/server";

// A padlock placed with two photos whose camera originals the phone described (SHA-256, EXIF capture time and
// device): the pack prints them with each photo, says the original was not uploaded, and flags a capture time
// 40 minutes away from the server's receipt.

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "photos");
const door = readFileSync(join(FIXTURES, "door.jpg"));
const padlock = readFileSync(join(FIXTURES, "padlock.png"));
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const originalDoor = { sha256: "a".repeat(64), bytes: 4_123_456, capturedAt: "2026-11-22T09:20:00+01:00", device: "Apple iPhone 13" };
const originalPadlock = { sha256: "b".repeat(64), bytes: 812_000, capturedAt: null, device: null };

let server: TestServer;
let office: string;
let doc: DebtorDoc;

beforeAll(async () => {
  server = await startTestServer();
  const floor = await signIn(server.url, "gestionnaire@demo.test");
  office = await signIn(server.url, "bureau@demo.test");
  const clientId = uuidv7();
  const pulled = await call<{ docs: DebtorDoc[] }>(server.url, "POST", "/api/sync/pull", { cookie: floor, body: { clientId, cursor: null, page: null } });
  doc = pulled.body.docs.find((d) => d.case?.status === "open" && d.units.some((u) => u.padlock === "none"))!;
  const unit = doc.units.find((u) => u.padlock === "none")!;
  const payload = { unitId: unit.id, photos: [sha(door), sha(padlock)], originals: { [sha(door)]: originalDoor, [sha(padlock)]: originalPadlock } };
  // Saved on the phone a minute before the server receives it: no gap on the record itself.
  const happenedAt = new Date(TEST_NOW.getTime() - 60_000).toISOString();
  const pushed = await call(server.url, "POST", "/api/sync/push", { cookie: floor, body: { clientId, mutations: [{ id: uuidv7(), seq: 1, v: MUTATION_VERSION, kind: "padlock.placed", payload, happenedAt }] } });
  expect(pushed.body.results[0].status).toBe("applied");
  for (const bytes of [door, padlock]) {
    const put = await fetch(`${server.url}/api/blobs/${sha(bytes)}`, { method: "PUT", headers: { cookie: floor }, body: bytes as unknown as BodyInit });
    expect(put.status).toBe(200);
  }
});
afterAll(() => server.close());

const download = async (path: string) => new Uint8Array(await (await fetch(`${server.url}${path}`, { headers: { cookie: office } })).arrayBuffer());

describe("the camera originals in the evidence pack", () => {
  it("prints each original's SHA-256, capture time and device, says it was not uploaded, and flags the clock gap", async () => {
    const file = join(server.dir, "originals.pdf");
    writeFileSync(file, await download(`/api/cases/${doc.case!.id}/evidence-pack.pdf`));
    const text = execFileSync("pdftotext", [file, "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
    expect(text).toContain(`Original : SHA-256 ${"a".repeat(64)}`);
    expect(text).toContain("pris le 22/11/2026 09:20:00 (UTC+01:00) (horloge de l'appareil), appareil Apple iPhone 13");
    expect(text).toContain(`Original : SHA-256 ${"b".repeat(64)}`);
    expect(text).toContain("pas d'heure de prise de vue dans le fichier, appareil non indiqué dans le fichier");
    expect(text).toContain("L'original n'est pas envoyé au serveur");
    // 09:20 at UTC+01:00 is 08:20Z; the server received the action at 09:00Z or a moment after.
    expect(text).toMatch(/Écart d'horloge de 4\d min entre la prise de vue/);
    // The record's own phone time was a minute off: not flagged; and the originals are not dumped as JSON.
    expect(text).not.toContain("entre l'heure du téléphone");
    expect(text).not.toContain("originals");
  });

  it("keeps the originals in the chained record and the manifest", async () => {
    const files = unzipSync(await download(`/api/cases/${doc.case!.id}/evidence-pack.zip`));
    const manifest = JSON.parse(strFromU8(files["manifest.json"]!));
    expect(manifest.records[0].payload.originals[sha(door)]).toEqual(originalDoor);
    expect(manifest.photos.find((p: { sha256: string }) => p.sha256 === sha(door)).original).toEqual(originalDoor);
  });
});

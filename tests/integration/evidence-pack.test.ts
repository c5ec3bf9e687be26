import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { strFromU8, unzipSync } from "fflate";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MUTATION_VERSION } from "../../shared/schemas/mutations";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { call, signIn, startTestServer, type TestServer } from "../support/server";

// The evidence pack of a case: a PDF the office can hand over (read back here with poppler's pdftotext) and a
// ZIP of the original photos with their hashes. A padlock placed with two photos, one of which never reached the
// server: the pack says so, with its hash, rather than leaving it out.

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "photos");
const door = readFileSync(join(FIXTURES, "door.jpg"));
const padlock = readFileSync(join(FIXTURES, "padlock.png"));
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

let server: TestServer;
let floor: string;
let office: string;
let otherSite: string;
let doc: DebtorDoc;
let unitNumber: string;

beforeAll(async () => {
  server = await startTestServer();
  [floor, office, otherSite] = await Promise.all([signIn(server.url, "gestionnaire@demo.test"), signIn(server.url, "bureau@demo.test"), signIn(server.url, "gestionnaire2@demo.test")]);
  const clientId = uuidv7();
  const pulled = await call<{ docs: DebtorDoc[] }>(server.url, "POST", "/api/sync/pull", { cookie: floor, body: { clientId, cursor: null, page: null } });
  doc = pulled.body.docs.find((d) => d.case?.status === "open" && d.units.some((u) => u.padlock === "none"))!;
  const unit = doc.units.find((u) => u.padlock === "none")!;
  unitNumber = unit.number;
  const mutation = { id: uuidv7(), seq: 1, v: MUTATION_VERSION, kind: "padlock.placed", payload: { unitId: unit.id, padlockNumber: "7788", photos: [sha(door), sha(padlock)] }, happenedAt: "2026-11-22T09:30:00.000Z" };
  const pushed = await call(server.url, "POST", "/api/sync/push", { cookie: floor, body: { clientId, mutations: [mutation] } });
  expect(pushed.body.results[0].status).toBe("applied");
  // The door's photo arrives; the padlock's never does.
  const put = await fetch(`${server.url}/api/blobs/${sha(door)}`, { method: "PUT", headers: { cookie: floor }, body: door as unknown as BodyInit });
  expect(put.status).toBe(200);
});
afterAll(() => server.close());

const download = async (path: string, cookie: string) => {
  const res = await fetch(`${server.url}${path}`, { headers: { cookie } });
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
};
const pdfText = (pdf: Uint8Array) => {
  const file = join(server.dir, `pack-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync("pdftotext", [file, "-"], { encoding: "utf8" });
};
const fileName = (headers: Headers) => /attachment; filename="([^"]+)"/.exec(headers.get("content-disposition") ?? "")?.[1];

describe("the evidence pack as a PDF", () => {
  it("names the customer, the padlock's history line, both photos' full hashes and the one not received yet", async () => {
    const res = await download(`/api/cases/${doc.case!.id}/evidence-pack.pdf`, office);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(fileName(res.headers)).toMatch(new RegExp(`^preuves-${doc.ref}-\\d{4}-\\d{2}-\\d{2}\\.pdf$`));
    expect(Buffer.from(res.bytes.subarray(0, 5)).toString("latin1")).toBe("%PDF-");
    const text = pdfText(res.bytes);
    const flat = text.replace(/\s+/g, " ");
    expect(flat).toContain(doc.name);
    expect(flat).toContain("Chaîne de preuves intègre (1 enregistrement)");
    expect(flat).toContain("Chronologie");
    // The chronology in sentences: when, who (name and role), what.
    expect(flat).toMatch(new RegExp(`Le 22/11/2026 à \\d{2}:\\d{2}, Valérie Thomas \\(gestionnaire de site\\) : double cadenas posé sur le box ${unitNumber} \\(cadenas n° 7788\\)`));
    expect(flat).toContain("22/11/2026 10:30");
    expect(flat).toContain("Pose du double cadenas");
    expect(flat).toContain(`box ${unitNumber} ; cadenas n° 7788`);
    expect(text).toContain(sha(door));
    expect(text).toContain(sha(padlock));
    expect(flat).toContain("Photo pas encore reçue par le serveur");
    expect(flat).toContain("Page 1 /");
  });

  it("is refused to a site manager of another site, and an unknown case is not found", async () => {
    const elsewhere = await call(server.url, "GET", `/api/cases/${doc.case!.id}/evidence-pack.pdf`, { cookie: otherSite });
    expect(elsewhere.status).toBe(404);
    const unknown = await call(server.url, "GET", `/api/cases/${uuidv7()}/evidence-pack.pdf`, { cookie: office });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toEqual({ code: "NOT_FOUND", message: "Dossier introuvable à vos sites." });
    expect((await call(server.url, "GET", `/api/cases/${uuidv7()}/evidence-pack.zip`, { cookie: office })).status).toBe(404);
  });

  it("is given to the site manager of the case's site", async () => {
    expect((await download(`/api/cases/${doc.case!.id}/evidence-pack.pdf`, floor)).status).toBe(200);
  });
});

describe("the evidence pack as a ZIP", () => {
  it("holds the original photo received, the PDF, the manifest with both hashes and a sha256sum list", async () => {
    const res = await download(`/api/cases/${doc.case!.id}/evidence-pack.zip`, office);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/zip");
    expect(fileName(res.headers)).toMatch(new RegExp(`^preuves-${doc.ref}-\\d{4}-\\d{2}-\\d{2}\\.zip$`));
    const files = unzipSync(res.bytes);
    const doorFile = `photos/1-padlock-placed-${sha(door).slice(0, 12)}.jpg`;
    // The customer's statement of account at the pack's date is in it too.
    const statement = fileName(res.headers)!.replace(/^preuves-/, "releve-").replace(/\.zip$/, ".pdf");
    expect(Object.keys(files).sort()).toEqual(["empreintes.txt", "manifest.json", doorFile, fileName(res.headers)!.replace(/\.zip$/, ".pdf"), statement].sort());
    expect(sha(files[doorFile]!)).toBe(sha(door));
    expect(Buffer.from(files[fileName(res.headers)!.replace(/\.zip$/, ".pdf")]!.subarray(0, 5)).toString("latin1")).toBe("%PDF-");

    const manifest = JSON.parse(strFromU8(files["manifest.json"]!));
    expect(manifest.case).toMatchObject({ id: doc.case!.id, customerRef: doc.ref, customer: doc.name });
    expect(manifest.integrity).toEqual({ ok: true, records: 1, photosPending: [sha(padlock)], problems: [] });
    expect(manifest.photos).toEqual([
      expect.objectContaining({ sha256: sha(door), records: [1], file: doorFile, received: true, mime: "image/jpeg", size: door.length, intact: true }),
      expect.objectContaining({ sha256: sha(padlock), records: [1], file: null, received: false }),
    ]);
    expect(manifest.records).toEqual([expect.objectContaining({ seq: 1, kind: "padlock.placed", photos: [sha(door), sha(padlock)], authorInitials: "VT" })]);

    const sums = strFromU8(files["empreintes.txt"]!).trim().split("\n");
    expect(sums).toContain(`${sha(door)}  ${doorFile}`);
    expect(sums).toContain(`${sha(files["manifest.json"]!)}  manifest.json`);
  });
});

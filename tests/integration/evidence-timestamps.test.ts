import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { asc, eq } from "drizzle-orm";
import { unzipSync } from "fflate";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evidencePackPdf } from "../../server/evidence/pack";
import { sweepTimestamps } from "../../server/evidence/timestamps";
import { evidenceTimestamps } from "../../server/evidence/timestamps.sql";
import { MUTATION_VERSION } from "../../shared/schemas/mutations";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { call, signIn, startTestServer, TEST_NOW, type TestServer } from "../support/server";
import { OPENSSL, startFakeTsa, type FakeTsa } from "../support/tsa";

// Trusted timestamps: each new head of a case's evidence chain is stamped by the TSA (here OpenSSL's, local, with
// certificates made when the test runs) outside the request; the pack's ZIP carries each token, the data it stamps
// and the TSA's chain, and `openssl ts -verify` accepts them. A TSA down delays the stamp, never the record.

const run = promisify(execFile);

let tsa: FakeTsa;
let server: TestServer;
let floor: string;
let office: string;
let doc: DebtorDoc;
let unitId: string;
const clientId = uuidv7();
let seq = 0;

const rows = (caseId: string) => server.services.db.select().from(evidenceTimestamps).where(eq(evidenceTimestamps.caseId, caseId)).orderBy(asc(evidenceTimestamps.recordSeq));

/** Polls the database until `ok` holds (the worker runs every 50 ms here); fails with the last rows seen. */
async function until(caseId: string, ok: (r: Awaited<ReturnType<typeof rows>>) => boolean) {
  for (let i = 0; i < 400; i++) {
    const r = await rows(caseId);
    if (ok(r)) return r;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timestamps never reached the state: ${JSON.stringify((await rows(caseId)).map(({ token: _, ...r }) => r))}`);
}

async function push(kind: "padlock.placed" | "padlock.removed") {
  // A photo's hash is enough: its bytes may come later.
  const photos = [createHash("sha256").update(`${kind} ${seq}`).digest("hex")];
  const payload = kind === "padlock.placed" ? { unitId, padlockNumber: "4242", photos } : { unitId, photos };
  const mutation = { id: uuidv7(), seq: ++seq, v: MUTATION_VERSION, kind, payload, happenedAt: new Date(TEST_NOW.getTime() + seq * 60_000).toISOString() };
  const pushed = await call(server.url, "POST", "/api/sync/push", { cookie: floor, body: { clientId, mutations: [mutation] } });
  expect(pushed.body.results?.[0], JSON.stringify(pushed.body)).toMatchObject({ status: "applied" });
}

beforeAll(async () => {
  tsa = await startFakeTsa();
  server = await startTestServer({ env: { TSA_URL: tsa.url }, start: { timestampEveryMs: 50, timestampRetryMs: 50 } });
  [floor, office] = await Promise.all([signIn(server.url, "gestionnaire@demo.test"), signIn(server.url, "bureau@demo.test")]);
  const pulled = await call<{ docs: DebtorDoc[] }>(server.url, "POST", "/api/sync/pull", { cookie: floor, body: { clientId, cursor: null, page: null } });
  doc = pulled.body.docs.find((d) => d.case?.status === "open" && d.units.some((u) => u.padlock === "none"))!;
  unitId = doc.units.find((u) => u.padlock === "none")!.id;
}, 120_000);
afterAll(async () => {
  await server?.close();
  await tsa?.close();
});

const download = async (path: string) => new Uint8Array(await (await fetch(`${server.url}${path}`, { headers: { cookie: office } })).arrayBuffer());
const pdfText = async (pdf: Uint8Array) => {
  const file = join(server.dir, `pack-${uuidv7()}.pdf`);
  writeFileSync(file, pdf);
  return (await run("pdftotext", [file, "-"])).stdout.replace(/\s+/g, " ");
};

describe("trusted timestamps of the evidence chain", () => {
  it("stamps the head after a record; the pack lists it and its ZIP's token verifies with openssl ts -verify", async () => {
    await push("padlock.placed");
    const [stamp] = await until(doc.case!.id, (r) => r.length === 1 && r[0]!.genTime !== null);
    expect(stamp!.recordSeq).toBe(1);
    expect(stamp!.tsaUrl).toBe(tsa.url);
    expect(stamp!.token!.length).toBeGreaterThan(500);

    const zip = unzipSync(await download(`/api/cases/${doc.case!.id}/evidence-pack.zip`));
    expect(Object.keys(zip)).toEqual(expect.arrayContaining(["timestamps/1.tsr", "timestamps/1.data", "tsa-ca.pem", "timestamps/LISEZMOI.txt"]));
    expect(Buffer.from(zip["timestamps/1.data"]!).toString("ascii")).toBe(stamp!.headHash);
    const dir = join(server.dir, "zip");
    for (const [name, bytes] of Object.entries(zip)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), bytes);
    }
    // As the pack says to, with the chain the token carries…
    const carried = await run(OPENSSL, ["ts", "-verify", "-data", "timestamps/1.data", "-in", "timestamps/1.tsr", "-CAfile", "tsa-ca.pem"], { cwd: dir });
    expect(carried.stdout).toMatch(/Verification: OK/);
    // …and against the TSA's own CA, known apart from the pack.
    const own = await run(OPENSSL, ["ts", "-verify", "-data", "timestamps/1.data", "-in", "timestamps/1.tsr", "-CAfile", tsa.caFile], { cwd: dir });
    expect(own.stdout).toMatch(/Verification: OK/);
    // Other data does not verify.
    writeFileSync(join(dir, "other.data"), "0".repeat(64));
    await expect(run(OPENSSL, ["ts", "-verify", "-data", "other.data", "-in", "timestamps/1.tsr", "-CAfile", tsa.caFile], { cwd: dir })).rejects.toThrow();

    const pdfBytes = await download(`/api/cases/${doc.case!.id}/evidence-pack.pdf`);
    const text = await pdfText(pdfBytes);
    expect(text).toContain("Horodatage qualifié (RFC 3161)");
    expect(text).toMatch(/Enregistrement n° 1 — horodaté par l'autorité 127\.0\.0\.1:\d+ le \d{2}\/\d{2}\/\d{4} \d{2}:\d{2} — jeton timestamps\/1\.tsr/);
    expect(text.replace(/ /g, "")).toContain(stamp!.headHash);
    expect(text).toContain("openssl ts -verify -data timestamps/1.data -in timestamps/1.tsr -CAfile tsa-ca.pem");
    expect(text).not.toContain("auto-certifiée");
  });

  it("with the TSA down the record still goes in, and is stamped once the TSA is back", async () => {
    tsa.down = true;
    try {
      const before = tsa.requests;
      await push("padlock.removed");
      const failing = await until(doc.case!.id, (r) => r.length === 2 && r[1]!.attempts >= 2);
      expect(failing[1]!.genTime).toBeNull();
      expect(failing[1]!.lastError).toMatch(/HTTP 503/);
      expect(tsa.requests - before).toBeGreaterThanOrEqual(2);
    } finally {
      tsa.down = false;
    }
    const stamped = await until(doc.case!.id, (r) => r.length === 2 && r[1]!.genTime !== null);
    expect(stamped[1]!.lastError).toBeNull();

    const zip = unzipSync(await download(`/api/cases/${doc.case!.id}/evidence-pack.zip`));
    const dir = join(server.dir, "zip2");
    mkdirSync(join(dir, "timestamps"), { recursive: true });
    for (const name of ["timestamps/2.tsr", "timestamps/2.data", "tsa-ca.pem"]) writeFileSync(join(dir, name), zip[name]!);
    const verified = await run(OPENSSL, ["ts", "-verify", "-data", "timestamps/2.data", "-in", "timestamps/2.tsr", "-CAfile", "tsa-ca.pem"], { cwd: dir });
    expect(verified.stdout).toMatch(/Verification: OK/);
  });

  it("the daily sweep queues a head left without a timestamp, and the worker stamps it", async () => {
    await server.services.db.delete(evidenceTimestamps).where(eq(evidenceTimestamps.caseId, doc.case!.id));
    expect(await sweepTimestamps(server.services.db, server.services.clock.now())).toBeGreaterThanOrEqual(1);
    const r = await until(doc.case!.id, (x) => x.length === 1 && x[0]!.genTime !== null);
    expect(r[0]!.recordSeq).toBe(2);
  });

  it("without TSA_URL the pack says the chain is self-certified", async () => {
    const [other] = (await call<{ docs: DebtorDoc[] }>(server.url, "POST", "/api/sync/pull", { cookie: floor, body: { clientId: uuidv7(), cursor: null, page: null } })).body.docs.filter((d) => d.case && d.case.id !== doc.case!.id);
    const pdf = await evidencePackPdf(server.services.db, other!.case!.id, { dataDir: server.dir, now: server.services.clock.now(), timeZone: "Europe/Paris" });
    expect(await pdfText(pdf.bytes)).toContain("Chaîne auto-certifiée : aucun horodatage qualifié");
  });
});

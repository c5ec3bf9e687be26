import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MUTATION_VERSION } from "../../shared/schemas/mutations";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { call, signIn, startTestServer, type TestServer } from "../support/server";

// The evidence log: a padlock placed with its photos is a record chained to the case's earlier ones; records
// cannot be changed through the database's front door, and a change made behind it — a row edited, a row
// removed, a photo's bytes replaced — is named by the integrity check.

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "photos");
const door = readFileSync(join(FIXTURES, "door.jpg"));
const padlock = readFileSync(join(FIXTURES, "padlock.png"));
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

let server: TestServer;
let vt: string;
let office: string;
let caseId: string;
let unitId: string;
const clientId = uuidv7();
let seq = 0;

beforeAll(async () => {
  server = await startTestServer();
  [vt, office] = await Promise.all([signIn(server.url, "gestionnaire@demo.test"), signIn(server.url, "bureau@demo.test")]);
  const pulled = await call<{ docs: DebtorDoc[] }>(server.url, "POST", "/api/sync/pull", { cookie: vt, body: { clientId, cursor: null, page: null } });
  const doc = pulled.body.docs.find((d) => d.case?.status === "open" && d.units.some((u) => u.padlock === "none"))!;
  caseId = doc.case!.id;
  unitId = doc.units.find((u) => u.padlock === "none")!.id;
});
afterAll(() => server.close());

const push = (kind: string, payload: unknown, happenedAt = server.services.clock.now().toISOString()) =>
  call(server.url, "POST", "/api/sync/push", { cookie: vt, body: { clientId, mutations: [{ id: uuidv7(), seq: ++seq, v: MUTATION_VERSION, kind, payload, happenedAt }] } });
const evidence = async () => (await call(server.url, "GET", `/api/cases/${caseId}/evidence`, { cookie: office })).body;
const upload = (b: Buffer) => fetch(`${server.url}/api/blobs/${sha(b)}`, { method: "PUT", headers: { cookie: vt }, body: b as unknown as BodyInit });
/** The database's own refusal, under drizzle's "Failed query" wrapper. */
const refusal = async (work: Promise<unknown>) => {
  try {
    await work;
    return "accepted";
  } catch (e) {
    return String((e as { cause?: Error }).cause?.message ?? e);
  }
};

describe("a padlock placed with photos", () => {
  it("is recorded with its photo hashes, author and both times; the photos may come after the mutation", async () => {
    const res = await push("padlock.placed", { unitId, padlockNumber: "7788", photos: [sha(door), sha(padlock)] }, "2026-11-22T09:30:00.000Z");
    expect(res.body.results[0].status).toBe("applied");
    let log = await evidence();
    expect(log.records).toHaveLength(1);
    expect(log.records[0]).toMatchObject({ seq: 1, kind: "padlock.placed", unitId, photos: [sha(door), sha(padlock)], authorInitials: "VT", deviceTime: "2026-11-22T09:30:00.000Z", payload: { padlockNumber: "7788" } });
    expect(log.integrity).toMatchObject({ ok: true, photosPending: [sha(door), sha(padlock)] });
    await upload(door);
    await upload(padlock);
    log = await evidence();
    expect(log.integrity).toEqual({ ok: true, records: 1, photosPending: [], problems: [] });
  });

  it("the next record is chained to it", async () => {
    await push("padlock.removed", { unitId });
    const log = await evidence();
    expect(log.records.map((r: { seq: number }) => r.seq)).toEqual([1, 2]);
    expect(log.integrity.ok).toBe(true);
  });

  it("a malformed photo hash is refused with the field named", async () => {
    const res = await push("padlock.placed", { unitId, photos: ["not-a-hash"] });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain("payload.photos.0");
  });
});

describe("tampering", () => {
  it("the database refuses to change or delete a record", async () => {
    expect(await refusal(server.services.db.run(sql`update evidence_records set payload = '{}'`))).toContain("evidence is append-only");
    expect(await refusal(server.services.db.run(sql`delete from evidence_records`))).toContain("evidence is append-only");
    expect(await refusal(server.services.db.run(sql`update photos set size_bytes = 1`))).toContain("photos are append-only");
  });

  it("a photo's bytes replaced on disk are named", async () => {
    const h = sha(door);
    const file = join(server.dir, "blobs", h.slice(0, 2), h.slice(2, 4), h);
    const original = readFileSync(file);
    writeFileSync(file, Buffer.concat([original, Buffer.from("retouche")]));
    const log = await evidence();
    expect(log.integrity.ok).toBe(false);
    expect(log.integrity.problems).toEqual([`photo ${h.slice(0, 12)}… : fichier modifié (son empreinte ne correspond plus)`]);
    writeFileSync(file, original);
    expect((await evidence()).integrity.ok).toBe(true);
  });

  it("a record edited or removed behind the triggers' back is named", async () => {
    const db = server.services.db;
    await db.run(sql`drop trigger evidence_records_append_only_update`);
    await db.run(sql`drop trigger evidence_records_append_only_delete`);
    await db.run(sql`update evidence_records set payload = '{"unitNumber":"Z999","padlockNumber":"0000"}' where seq = 1 and chain = ${caseId}`);
    let log = await evidence();
    expect(log.integrity.ok).toBe(false);
    expect(log.integrity.problems[0]).toMatch(/^enregistrement 1 \(padlock\.placed, 2026-11-22T09:30:00\.000Z\) : contenu modifié après coup/);
    await db.run(sql`delete from evidence_records where seq = 1 and chain = ${caseId}`);
    log = await evidence();
    expect(log.integrity.problems).toContain("enregistrement 2 (padlock.removed, " + log.records[0].deviceTime + ") : numéro 2 au lieu de 1 (un enregistrement manque)");
    expect(log.integrity.problems.some((p: string) => p.includes("chaîne rompue"))).toBe(true);
  });
});

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { and, count, eq, ne, sql } from "drizzle-orm";
import { getTableName, is } from "drizzle-orm";
import { SQLiteTable } from "drizzle-orm/sqlite-core";
import { strFromU8, unzipSync } from "fflate";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "../../server/audit/audit.sql";
import { users } from "../../server/auth/auth.sql";
import { invoices, payments } from "../../server/billing/billing.sql";
import { actions, cases, tasks } from "../../server/cases/cases.sql";
import { contracts, customers } from "../../server/customers/customers.sql";
import * as schema from "../../server/db/schema";
import { plannedActions } from "../../server/engine/engine.sql";
import { evidenceRecords } from "../../server/evidence/evidence.sql";
import { queueMessages } from "../../server/messaging/outbox";
import { letterPrints } from "../../server/messaging/letters.sql";
import { messages } from "../../server/messaging/messaging.sql";
import { units, sites } from "../../server/sites/sites.sql";
import { LEFT_OUT } from "../../server/privacy/access";
import { MUTATION_VERSION } from "../../shared/schemas/mutations";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { call, signIn, startTestServer, TEST_NOW, TEST_TODAY, type TestServer } from "../support/server";

// A person's right of access: for one demo customer with evidence photos, messages and a printed letter, the office
// downloads one ZIP holding every row Cadenas keeps about them (donnees.json, checked against the database), a
// readable PDF (read back with poppler's pdftotext), the photos' original bytes and the letter as printed — and
// nothing about anyone else. The office alone may; the download is audited.

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "photos");
const door = readFileSync(join(FIXTURES, "door.jpg"));
const padlock = readFileSync(join(FIXTURES, "padlock.png"));
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

let server: TestServer;
let floor: string;
let office: string;
let manager: string;
let doc: DebtorDoc;
let letterId: string;
let other: { lyo: { name: string; ref: string }; vil: { name: string; ref: string } };

const path = () => `/api/customers/${doc.customerId}/personal-data.zip`;

beforeAll(async () => {
  server = await startTestServer();
  const db = server.services.db;
  [floor, office, manager] = await Promise.all([signIn(server.url, "gestionnaire@demo.test"), signIn(server.url, "bureau@demo.test"), signIn(server.url, "manager@demo.test")]);
  // A LYO debtor with an open case, a box without a padlock and an e-mail address.
  const clientId = uuidv7();
  const pulled = await call<{ docs: DebtorDoc[] }>(server.url, "POST", "/api/sync/pull", { cookie: floor, body: { clientId, cursor: null, page: null } });
  doc = pulled.body.docs.find((d) => d.case?.status === "open" && d.units.some((u) => u.padlock === "none") && d.email)!;
  expect(doc).toBeDefined();

  // Evidence: a padlock placed with two photos, both received.
  const unit = doc.units.find((u) => u.padlock === "none")!;
  const mutation = { id: uuidv7(), seq: 1, v: MUTATION_VERSION, kind: "padlock.placed", payload: { unitId: unit.id, padlockNumber: "4242", photos: [sha(door), sha(padlock)] }, happenedAt: TEST_NOW.toISOString() };
  const pushed = await call(server.url, "POST", "/api/sync/push", { cookie: floor, body: { clientId, mutations: [mutation] } });
  expect(pushed.body.results[0].status).toBe("applied");
  for (const bytes of [door, padlock]) {
    const put = await fetch(`${server.url}/api/blobs/${sha(bytes)}`, { method: "PUT", headers: { cookie: floor }, body: bytes as unknown as BodyInit });
    expect(put.status).toBe(200);
  }

  // An e-mail, and a letter printed for posting: its stored print goes into the archive.
  const queued = (key: string, template: string, channel: "email" | "letter") => ({ customerId: doc.customerId, caseId: doc.case!.id, plannedActionId: key, key, step: "R1", template, channel, purpose: "reminder" as const });
  await db.transaction((tx) => queueMessages(tx, [queued("access|email", "box-R1", "email"), queued("access|letter", "standard-R5", "letter")], TEST_TODAY));
  letterId = (await db.select({ id: messages.id }).from(messages).where(eq(messages.idempotencyKey, `engine:${doc.customerId}|access|letter`)))[0]!.id;
  const printed = await call(server.url, "POST", "/api/letters/print", { cookie: office, body: { ids: [letterId] } });
  expect(printed.status).toBe(200);
  expect(printed.body.batch).not.toBeNull();

  // Others, whose names and refs must appear nowhere in the export: one at the same site, one at the other.
  const someoneAt = async (code: string) => {
    const [row] = await db
      .select({ name: customers.name, ref: customers.ref })
      .from(customers)
      .innerJoin(contracts, eq(contracts.customerId, customers.id))
      .innerJoin(units, eq(units.id, contracts.unitId))
      .innerJoin(sites, eq(sites.id, units.siteId))
      .innerJoin(messages, eq(messages.customerId, customers.id))
      .where(and(eq(sites.code, code), ne(customers.id, doc.customerId)))
      .limit(1);
    return row!;
  };
  other = { lyo: await someoneAt("LYO"), vil: await someoneAt("VIL") };
});
afterAll(() => server.close());

const download = async (cookie: string, at = path()) => {
  const res = await fetch(`${server.url}${at}`, { headers: { cookie } });
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
};
const pdfText = (pdf: Uint8Array) => {
  const file = join(server.dir, `access-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync("pdftotext", [file, "-"], { encoding: "utf8" });
};

describe("the personal-data archive of one customer", () => {
  let files: Record<string, Uint8Array>;
  let data: any;
  beforeAll(async () => {
    const res = await download(office);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/zip");
    expect(res.headers.get("content-disposition")).toMatch(new RegExp(`^attachment; filename="donnees-personnelles-${doc.ref}-${TEST_TODAY}\\.zip"$`));
    files = unzipSync(res.bytes);
    data = JSON.parse(strFromU8(files["donnees.json"]!));
  });

  it("holds the JSON, the PDF, both photos named by their hash, the printed letter and a checksum list", () => {
    const names = Object.keys(files).sort();
    expect(names).toContain("donnees.json");
    expect(names).toContain("donnees.pdf");
    expect(names).toContain("empreintes.txt");
    const photoFiles = names.filter((n) => n.startsWith("photos/"));
    expect(photoFiles.sort()).toEqual([`photos/${sha(door)}.jpg`, `photos/${sha(padlock)}.png`].sort());
    for (const name of photoFiles) expect(sha(files[name]!)).toBe(name.slice("photos/".length).split(".")[0]);
    const letters = names.filter((n) => n.startsWith("courriers/"));
    expect(letters).toHaveLength(1);
    expect(letters[0]).toContain(letterId);
    expect(Buffer.from(files[letters[0]!]!.subarray(0, 5)).toString("latin1")).toBe("%PDF-");
    const sums = strFromU8(files["empreintes.txt"]!).trim().split("\n");
    for (const name of names.filter((n) => n !== "empreintes.txt")) expect(sums).toContain(`${sha(files[name]!)}  ${name}`);
    expect(data.files.map((f: { name: string }) => f.name).sort()).toEqual([...photoFiles, ...letters].sort());
  });

  it("is also given alone as the contract names it: the data as JSON and the readable PDF, the same as the archive's", async () => {
    const json = await download(office, path().replace(/\.zip$/, ".json"));
    expect(json.status).toBe(200);
    expect(json.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(json.headers.get("content-disposition")).toBe(`attachment; filename="donnees-personnelles-${doc.ref}-${TEST_TODAY}.json"`);
    // The same rows, but for the audit log, which now holds the archive's own download.
    const alone = JSON.parse(strFromU8(json.bytes));
    expect({ ...alone, generatedAt: "", tables: { ...alone.tables, audit_log: [] } }).toEqual({ ...data, generatedAt: "", tables: { ...data.tables, audit_log: [] } });
    expect(alone.tables.audit_log.length).toBeGreaterThan(data.tables.audit_log.length);
    const pdf = await download(office, path().replace(/\.zip$/, ".pdf"));
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    // The archive's document, but for its time of making and the downloads since (the audit lines it lists).
    const firstPage = (text: string) => text.split("\f")[0]!.replace(/\d{2}\/\d{2}\/\d{4} (à )?\d{2}[:h]\d{2}/g, "");
    expect(firstPage(pdfText(pdf.bytes))).toBe(firstPage(pdfText(files["donnees.pdf"]!)));
    expect(pdfText(pdf.bytes)).toContain(doc.name);
  });

  it("has every table of the schema either exported or left out with a reason", () => {
    const tables = Object.values(schema).filter((t) => is(t, SQLiteTable)).map((t) => getTableName(t as SQLiteTable));
    expect(data.format).toBe("cadenas.personal-data/1");
    for (const name of tables) expect(name in data.tables || name in data.leftOut, `table ${name} neither exported nor left out`).toBe(true);
    for (const name of Object.keys(data.tables)) expect(tables, `exported key ${name} is not a table`).toContain(name);
    for (const name of Object.keys(LEFT_OUT)) expect(name in data.tables, `${name} both exported and left out`).toBe(false);
  });

  it("holds every row about the customer, as many as the database has", async () => {
    const db = server.services.db;
    const id = doc.customerId;
    const n = async (table: any, where: any) => (await db.select({ n: count() }).from(table).where(where))[0]!.n;
    expect(data.customer).toMatchObject({ id, ref: doc.ref, name: doc.name });
    expect(data.tables.customers).toHaveLength(1);
    expect(data.tables.contracts).toHaveLength(await n(contracts, eq(contracts.customerId, id)));
    expect(data.tables.invoices).toHaveLength(await n(invoices, eq(invoices.customerId, id)));
    expect(data.tables.payments).toHaveLength(await n(payments, eq(payments.customerId, id)));
    expect(data.tables.cases).toHaveLength(await n(cases, eq(cases.customerId, id)));
    expect(data.tables.actions).toHaveLength(await n(actions, eq(actions.customerId, id)));
    expect(data.tables.tasks).toHaveLength(await n(tasks, eq(tasks.customerId, id)));
    expect(data.tables.planned_actions).toHaveLength(await n(plannedActions, eq(plannedActions.customerId, id)));
    expect(data.tables.messages).toHaveLength(await n(messages, eq(messages.customerId, id)));
    expect(data.tables.evidence_records).toHaveLength(await n(evidenceRecords, eq(evidenceRecords.customerId, id)));
    expect(data.tables.letter_prints).toHaveLength(await n(letterPrints, eq(letterPrints.messageId, letterId)));
    expect(data.tables.invoices.length).toBeGreaterThan(0);
    expect(data.tables.messages.length).toBeGreaterThan(1);
    expect(data.tables.evidence_records).toEqual([expect.objectContaining({ kind: "padlock.placed", photos: [sha(door), sha(padlock)], authorInitials: "VT" })]);
    expect(data.tables.photos.map((p: { sha256: string }) => p.sha256).sort()).toEqual([sha(door), sha(padlock)].sort());
    // Who did what: each history line keeps its author's initials.
    expect(data.tables.actions.some((a: { initials: string; kind: string }) => a.kind === "padlock_placed" && a.initials === "VT")).toBe(true);
  });

  it("holds nothing about another customer, at the same site or another", () => {
    const json = strFromU8(files["donnees.json"]!);
    const text = pdfText(files["donnees.pdf"]!);
    for (const o of [other.lyo, other.vil]) {
      expect(json).not.toContain(o.name);
      expect(json).not.toContain(`"${o.ref}"`);
      expect(text).not.toContain(o.name);
    }
  });

  it("reads in French: the name, an invoice, a message's subject, the photos' hashes and the person's rights", () => {
    const text = pdfText(files["donnees.pdf"]!);
    const flat = text.replace(/\s+/g, " ");
    expect(flat).toContain("Vos données personnelles");
    expect(flat).toContain(doc.name);
    expect(flat).toContain(data.tables.invoices[0].ref);
    const subject: string = data.tables.messages.find((m: { subject: string | null }) => m.subject)?.subject;
    expect(subject).toBeTruthy();
    expect(flat).toContain(subject.replace(/\s+/g, " "));
    for (const title of ["Identité et coordonnées", "Contrats et box", "Factures et règlements", "Relances et courriers", "Actions sur le terrain", "Photos", "Pourquoi ces données, combien de temps, vos droits"]) {
      expect(flat).toContain(title);
    }
    expect(text).toContain(sha(door));
    expect(flat).toContain("3 ans après le règlement de la dernière somme due");
    expect(flat).toContain("CNIL");
  });
});

describe("who may download it", () => {
  it("is refused to a site manager and to a Manager, even of the customer's site", async () => {
    for (const cookie of [floor, manager]) {
      const res = await call(server.url, "GET", path(), { cookie });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("FORBIDDEN");
    }
  });

  it("answers 404 for a customer that does not exist", async () => {
    const res = await call(server.url, "GET", `/api/customers/${uuidv7()}/personal-data.zip`, { cookie: office });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("NOT_FOUND");
  });

  it("is audited, and the next export lists the earlier downloads and refusals of the file", async () => {
    const db = server.services.db;
    expect((await download(office)).status).toBe(200);
    const [bureau] = await db.select({ id: users.id }).from(users).where(eq(users.email, "bureau@demo.test"));
    const lines = await db.select().from(auditLog).where(and(eq(auditLog.event, "export.downloaded"), eq(auditLog.userId, bureau!.id)));
    const ours = lines.filter((l) => (l.details as { path?: string }).path === path());
    expect(ours.length).toBeGreaterThanOrEqual(1);
    expect(ours.at(-1)!.details).toEqual({ path: path(), file: `donnees-personnelles-${doc.ref}-${TEST_TODAY}.zip` });
    expect(ours.at(-1)!.entity).toBe("customers");

    const again = JSON.parse(strFromU8(unzipSync((await download(office)).bytes)["donnees.json"]!));
    const listed = again.tables.audit_log as { event: string; details: { path?: string } }[];
    expect(listed.filter((l) => l.event === "export.downloaded" && l.details.path === path())).toHaveLength(ours.length);
    const refusals = await db.select({ n: count() }).from(auditLog).where(and(eq(auditLog.event, "access.refused"), sql`instr(${auditLog.details}, ${doc.customerId}) > 0`));
    expect(listed.filter((l) => l.event === "access.refused")).toHaveLength(refusals[0]!.n);
  });
});

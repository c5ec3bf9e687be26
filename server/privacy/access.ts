import { and, asc, eq, inArray, isNotNull, or, sql, type SQL } from "drizzle-orm";
import { zipSync, type Zippable } from "fflate";
import { dateOfInstant } from "../../shared/dates";
import { photosOfPayload } from "../../shared/floor/photos";
import { users } from "../auth/auth.sql";
import { auditLog } from "../audit/audit.sql";
import { invoices, paymentIncidents, payments } from "../billing/billing.sql";
import { actions, cases, tasks } from "../cases/cases.sql";
import { handOvers } from "../cases/hand-over.sql";
import { contracts, customers } from "../customers/customers.sql";
import type { Database } from "../db/client";
import { paymentPlans, plannedActions } from "../engine/engine.sql";
import { loadSettings } from "../engine/settings";
import { AppError } from "../errors";
import { loadBlob, sha256Hex } from "../evidence/blobs";
import { chainOf } from "../evidence/chain";
import { evidenceRecords, photos } from "../evidence/evidence.sql";
import { EXTENSION } from "../evidence/pack";
import { evidenceTimestamps } from "../evidence/timestamps.sql";
import { importRuns } from "../imports/imports.sql";
import { storedLetterPdf } from "../messaging/letters";
import { letterPrints } from "../messaging/letters.sql";
import { messageAttempts, messages } from "../messaging/messaging.sql";
import { sites, units } from "../sites/sites.sql";
import { setAsideMutations } from "../sync/sync.sql";
import { renderPersonalDataPdf } from "./access-pdf";

/**
 * A person's right of access (RGPD art. 15): everything Cadenas holds about one customer, for the office to hand
 * over. One ZIP, because that is what a DPO sends back: `donnees.pdf` for the person to read (French, by theme,
 * with the register's "why, how long, your rights"), `donnees.json` with every row as the database holds it (the
 * portable copy, art. 20, and what the PDF was written from), the photos of their box as the phones sent them
 * (`photos/<sha256>.<ext>`: each file hashes to its name) and each letter as printed for posting
 * (`courriers/…pdf`), with `empreintes.txt` (`sha256sum -c`). Reading it changes nothing; the route's download is
 * audited (`export.downloaded`).
 *
 * `donnees.json` is stable (`format` says its version): `customer` is the customer's row; `tables` holds, under
 * each database table's own name, the rows about them with the database's column names (camelCase), untouched
 * but for binary columns (base64); `files` lists the archive's other files; `leftOut` names each table not
 * exported and why. Every table of the schema is in `tables` or `leftOut` (a test holds it to that).
 */

export const PERSONAL_DATA_FORMAT = "cadenas.personal-data/1";

/**
 * The tables deliberately not exported, and why; every other table of the schema has its key in `tables`.
 * A table added later must be put in one or the other (tests/integration/personal-data.test.ts).
 */
export const LEFT_OUT: Record<string, string> = {
  provider_alerts: "A sending provider refusing every message (key, sender, credit): about the operator's configuration, nobody's data.",
  users: "Staff accounts (name, e-mail, password hash): the operator's staff, not the customer. Each action keeps its author's initials.",
  user_sites: "Which staff work at which site.",
  sessions: "Staff sign-in sessions.",
  user_tokens: "Staff invitation and password links.",
  sign_in_throttle: "Counters of failed staff sign-ins.",
  sign_in_devices: "Browsers staff signed in from.",
  sign_in_challenges: "Staff two-factor sign-in steps.",
  recovery_codes: "Staff two-factor recovery codes.",
  photo_uploads: "Photos being received from a phone, before anything names them; the photos of the customer's box are exported once received.",
  letter_batches: "A printed batch holds other customers' letters; the customer's own letters are in letter_prints and courriers/.",
  message_templates: "The general texts of messages; the text each message said to the customer is in messages.",
  scenarios: "The general reminder procedure; the steps planned for the customer are in planned_actions.",
  settings: "The operator's general settings.",
  engine_runs: "Daily runs of the reminder engine over every customer (a count, no one named).",
  sync_clients: "Staff phones.",
  processed_mutations: "Which phone actions the server applied (id, outcome): their effect about the customer is in actions.",
  sync_changes: "Pointers telling phones that a customer's record changed (customer id, site, a counter): nothing more than what the other tables hold.",
  saved_views: "Follow-up table views a staff member saved under a name (filters, about no one in particular).",
  ledger_version: "A counter of changes to invoices and payments, for the office's table: no one named.",
  customer_totals: "The sums of the customer's invoices and payments, kept for the office's table: worked out from invoices and payments, which are given.",
  ledger_days: "Per site and day, the sums of all customers' payments and invoices, for the dashboards: no one named.",
  leases: "Which server process runs a job (the migrations, the daily engine run): no one named.",
  setup_codes: "Hashes of the first run's setup codes, until the first account exists: no one named.",
  floor_stamp: "A counter of changes to the templates, sites and settings the phones copy: no one named.",
  hand_over_recipients: "The bailiffs and collection agencies the office works with; which one a case of the customer went to is in hand_overs.",
};

export interface AccessOptions {
  dataDir: string;
  now: Date;
  timeZone: string;
  /** The operator's retention period after settlement and contract end, for the register's text. */
  retentionYears?: number;
}

type Row = Record<string, unknown>;

/** The rows about one customer, by table. */
export interface PersonalData {
  format: typeof PERSONAL_DATA_FORMAT;
  generatedAt: string;
  timeZone: string;
  customer: typeof customers.$inferSelect;
  tables: {
    customers: (typeof customers.$inferSelect)[];
    contracts: (typeof contracts.$inferSelect)[];
    units: (typeof units.$inferSelect)[];
    /** The sites of their boxes: who the operator is and where (no bank details, no logo). */
    sites: Row[];
    invoices: (typeof invoices.$inferSelect)[];
    payments: (typeof payments.$inferSelect)[];
    payment_incidents: (typeof paymentIncidents.$inferSelect)[];
    payment_plans: (typeof paymentPlans.$inferSelect)[];
    cases: (typeof cases.$inferSelect)[];
    planned_actions: (typeof plannedActions.$inferSelect)[];
    tasks: (typeof tasks.$inferSelect)[];
    actions: (typeof actions.$inferSelect)[];
    messages: (typeof messages.$inferSelect)[];
    message_attempts: (typeof messageAttempts.$inferSelect)[];
    letter_prints: (typeof letterPrints.$inferSelect)[];
    evidence_records: (typeof evidenceRecords.$inferSelect)[];
    /** Trusted timestamps of their evidence chains; `token` (the TSA's reply) in base64. */
    evidence_timestamps: Row[];
    photos: (typeof photos.$inferSelect)[];
    /** Refused import files' report lines that quote one of their values (ref, name, contact, a contract's ref…). */
    import_runs: Row[];
    /** Actions a phone could not send and reported, whose summary names them. */
    set_aside_mutations: (typeof setAsideMutations.$inferSelect)[];
    /** Their cases handed over to a bailiff or a collection agency: to whom, when, what was owed then. */
    hand_overs: (typeof handOvers.$inferSelect)[];
    /** Audit lines about them: their record, a case, a message, or a download naming them. */
    audit_log: (typeof auditLog.$inferSelect & { userInitials: string | null })[];
  };
  /** The archive's other files: what each is, its SHA-256 and size. */
  files: { name: string; what: string; sha256: string; size: number }[];
  leftOut: Record<string, string>;
}

/** What is held about the customer, or NOT_FOUND. Photo bytes and letter prints come with it for the archive. */
export async function personalDataOf(db: Database, customerId: string, options: AccessOptions): Promise<{ data: PersonalData; attachments: Map<string, { bytes: Uint8Array; what: string }> }> {
  const [customer] = await db.select().from(customers).where(eq(customers.id, customerId));
  if (!customer) throw new AppError("NOT_FOUND", "Client introuvable.");

  const [contractRows, invoiceRows, paymentRows, incidentRows, planRows, caseRows, plannedRows, taskRows, actionRows, messageRows, recordRows] = await Promise.all([
    db.select().from(contracts).where(eq(contracts.customerId, customerId)).orderBy(asc(contracts.startDate), asc(contracts.ref)),
    db.select().from(invoices).where(eq(invoices.customerId, customerId)).orderBy(asc(invoices.dueDate), asc(invoices.ref)),
    db.select().from(payments).where(eq(payments.customerId, customerId)).orderBy(asc(payments.date), asc(payments.ref)),
    db.select().from(paymentIncidents).where(eq(paymentIncidents.customerId, customerId)).orderBy(asc(paymentIncidents.occurredOn)),
    db.select().from(paymentPlans).where(eq(paymentPlans.customerId, customerId)).orderBy(asc(paymentPlans.agreedOn)),
    db.select().from(cases).where(eq(cases.customerId, customerId)).orderBy(asc(cases.openedOn)),
    db.select().from(plannedActions).where(eq(plannedActions.customerId, customerId)).orderBy(asc(plannedActions.date), asc(plannedActions.key)),
    db.select().from(tasks).where(eq(tasks.customerId, customerId)).orderBy(asc(tasks.dueOn), asc(tasks.createdAt)),
    db.select().from(actions).where(eq(actions.customerId, customerId)).orderBy(asc(actions.happenedAt), asc(actions.recordedAt)),
    db.select().from(messages).where(eq(messages.customerId, customerId)).orderBy(asc(messages.createdAt)),
    db.select().from(evidenceRecords).where(eq(evidenceRecords.customerId, customerId)).orderBy(asc(evidenceRecords.chain), asc(evidenceRecords.seq)),
  ]);

  const unitIds = [...new Set(contractRows.map((c) => c.unitId))];
  const unitRows = unitIds.length > 0 ? await db.select().from(units).where(inArray(units.id, unitIds)).orderBy(asc(units.number)) : [];
  const siteIds = [...new Set([...unitRows.map((u) => u.siteId), ...messageRows.map((m) => m.siteId).filter((s): s is string => s !== null)])];
  const siteRows = siteIds.length > 0 ? await db.select(SITE_COLUMNS).from(sites).where(inArray(sites.id, siteIds)).orderBy(asc(sites.code)) : [];

  const messageIds = messageRows.map((m) => m.id);
  const [attemptRows, printRows] = messageIds.length > 0
    ? await Promise.all([
        db.select().from(messageAttempts).where(inArray(messageAttempts.messageId, messageIds)).orderBy(asc(messageAttempts.at)),
        db.select().from(letterPrints).where(inArray(letterPrints.messageId, messageIds)).orderBy(asc(letterPrints.printedAt)),
      ])
    : [[], []];

  const chains = [...new Set([...recordRows.map((r) => r.chain), ...caseRows.map((k) => chainOf(k.id, customerId)), chainOf(null, customerId)])];
  const stampRows = await db.select().from(evidenceTimestamps).where(inArray(evidenceTimestamps.chain, chains)).orderBy(asc(evidenceTimestamps.chain), asc(evidenceTimestamps.recordSeq));

  // Their photos: those their evidence records name, and those a history line carries (an AR card's photo).
  const shas = new Set<string>();
  for (const r of recordRows) for (const s of r.photos) shas.add(s);
  for (const a of actionRows) {
    for (const s of photosOfPayload(a.data)) shas.add(s);
    if (typeof a.data?.photoSha256 === "string") shas.add(a.data.photoSha256);
  }
  const photoRows = shas.size > 0 ? await db.select().from(photos).where(inArray(photos.sha256, [...shas])).orderBy(asc(photos.receivedAt)) : [];

  const attachments = new Map<string, { bytes: Uint8Array; what: string }>();
  for (const p of photoRows) {
    const bytes = await loadBlob(options.dataDir, p.sha256);
    // Only bytes that still are the photo: a changed file is the evidence check's business, not a copy to hand out.
    if (bytes && sha256Hex(bytes) === p.sha256) attachments.set(`photos/${p.sha256}.${EXTENSION[p.mime] ?? "bin"}`, { bytes, what: "Photo (fichier original reçu du téléphone)" });
  }
  for (const [i, m] of messageRows.filter((m) => printRows.some((p) => p.messageId === m.id)).entries()) {
    const pdf = await storedLetterPdf(db, options.dataDir, m.id);
    const step = (m.stepCode ?? "courrier").toLowerCase().replace(/[^a-z0-9]+/g, "-");
    if (pdf) attachments.set(`courriers/${i + 1}-${step}-${m.id}.pdf`, { bytes: pdf, what: "Courrier tel qu'imprimé pour l'envoi" });
  }

  const caseIds = caseRows.map((k) => k.id);
  const values = [customer.ref, customer.name, customer.email, customer.phone, ...contractRows.map((c) => c.ref), ...invoiceRows.map((i) => i.ref), ...paymentRows.map((p) => p.ref)].filter(
    (v): v is string => typeof v === "string" && v.trim().length >= 3,
  );

  const data: PersonalData = {
    format: PERSONAL_DATA_FORMAT,
    generatedAt: options.now.toISOString(),
    timeZone: options.timeZone,
    customer,
    tables: {
      customers: [customer],
      contracts: contractRows,
      units: unitRows,
      sites: siteRows,
      invoices: invoiceRows,
      payments: paymentRows,
      payment_incidents: incidentRows,
      payment_plans: planRows,
      cases: caseRows,
      planned_actions: plannedRows,
      tasks: taskRows,
      actions: actionRows,
      messages: messageRows,
      message_attempts: attemptRows,
      letter_prints: printRows,
      evidence_records: recordRows,
      evidence_timestamps: stampRows.map((t) => ({ ...t, token: t.token ? Buffer.from(t.token).toString("base64") : null })),
      photos: photoRows,
      import_runs: await importLinesNaming(db, values),
      set_aside_mutations: await setAsideNaming(db, [customer.name, customer.ref]),
      hand_overs: await db.select().from(handOvers).where(eq(handOvers.customerId, customerId)).orderBy(asc(handOvers.handedAt)),
      audit_log: await auditLinesAbout(db, [customerId, ...caseIds, ...messageIds]),
    },
    files: [],
    leftOut: LEFT_OUT,
  };
  return { data, attachments };
}

/** What one customer's access request is answered with: the data (JSON), the readable PDF, the files they name. */
export async function personalDataDocuments(db: Database, customerId: string, options: AccessOptions) {
  const retentionYears = options.retentionYears ?? (await loadSettings(db)).retentionYears;
  const { data, attachments } = await personalDataOf(db, customerId, { ...options, retentionYears });
  data.files = [...attachments].map(([name, f]) => ({ name, what: f.what, sha256: sha256Hex(f.bytes), size: f.bytes.length }));
  const pdf = await renderPersonalDataPdf(data, new Map([...attachments].map(([name, f]) => [name, f.bytes])), { ...options, retentionYears });
  const base = `donnees-personnelles-${data.customer.ref.replace(/[^A-Za-z0-9_-]+/g, "_")}-${dateOfInstant(options.now, options.timeZone)}`;
  return { data, pdf, attachments, base };
}

/** The archive: `donnees.json`, `donnees.pdf`, the photos, the letters and `empreintes.txt`. */
export async function personalDataZip(db: Database, customerId: string, options: AccessOptions): Promise<{ fileName: string; bytes: Uint8Array }> {
  const { data, pdf, attachments, base } = await personalDataDocuments(db, customerId, options);
  const files = new Map<string, Uint8Array>([
    ["donnees.pdf", pdf],
    ["donnees.json", new TextEncoder().encode(`${JSON.stringify(data, null, 2)}\n`)],
    ...[...attachments].map(([name, f]) => [name, f.bytes] as [string, Uint8Array]),
  ]);
  const sums = [...files].map(([name, bytes]) => `${sha256Hex(bytes)}  ${name}`).join("\n");
  files.set("empreintes.txt", new TextEncoder().encode(`${sums}\n`));
  const mtime = options.now;
  // Level 0 for photos and PDFs, compressed already; the JSON shrinks a lot.
  const entries: Zippable = Object.fromEntries([...files].map(([name, bytes]) => [name, [bytes, { level: name.endsWith(".json") || name.endsWith(".txt") ? 6 : 0, mtime }]]));
  return { fileName: `${base}.zip`, bytes: zipSync(entries) };
}

// ————— helpers —————

const SITE_COLUMNS = {
  id: sites.id,
  code: sites.code,
  name: sites.name,
  address: sites.address,
  postalCode: sites.postalCode,
  city: sites.city,
  phone: sites.phone,
  email: sites.email,
  legalName: sites.legalName,
  legalForm: sites.legalForm,
  shareCapital: sites.shareCapital,
  siret: sites.siret,
  rcs: sites.rcs,
  registeredOffice: sites.registeredOffice,
};

/**
 * Import runs keep no copy of the files; a refused file's report quotes the cells it refused, which may be one of
 * this customer's values. Only those report lines are given, never the lines about others.
 */
async function importLinesNaming(db: Database, values: readonly string[]): Promise<Row[]> {
  if (values.length === 0) return [];
  const refused = await db.select().from(importRuns).where(and(eq(importRuns.ok, false), isNotNull(importRuns.errors))).orderBy(asc(importRuns.createdAt));
  const out: Row[] = [];
  for (const run of refused) {
    const lines = (run.errors ?? []).filter((e) => values.some((v) => e.message.includes(v)));
    if (lines.length > 0) out.push({ id: run.id, kind: run.kind, fileName: run.fileName, source: run.source, createdAt: run.createdAt, errors: lines });
  }
  return out;
}

async function setAsideNaming(db: Database, values: readonly string[]): Promise<(typeof setAsideMutations.$inferSelect)[]> {
  const named = values.filter((v) => v.trim().length >= 3).map((v) => sql`instr(${setAsideMutations.summary}, ${v}) > 0`);
  if (named.length === 0) return [];
  return db.select().from(setAsideMutations).where(or(...named)).orderBy(asc(setAsideMutations.firstReportedAt));
}

/** Audit lines whose entity is the customer, one of their cases or messages, or whose details name one of them. */
async function auditLinesAbout(db: Database, ids: readonly string[]): Promise<PersonalData["tables"]["audit_log"]> {
  const about: SQL[] = [inArray(auditLog.entityId, [...ids]), ...ids.map((id) => sql`instr(${auditLog.details}, ${id}) > 0`)];
  const rows = await db
    .select({ entry: auditLog, userInitials: users.initials })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.userId))
    .where(or(...about))
    .orderBy(asc(auditLog.id));
  return rows.map((r) => ({ ...r.entry, userInitials: r.userInitials }));
}

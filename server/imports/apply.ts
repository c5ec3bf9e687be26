import { and, desc, eq, getTableColumns, inArray, max, sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { IncidentKind, PaymentMethod } from "../../shared/enums";
import { users } from "../auth/auth.sql";
import { invoices, paymentIncidents, payments } from "../billing/billing.sql";
import { contracts, customers } from "../customers/customers.sql";
import type { Database, Transaction } from "../db/client";
import { sites, units } from "../sites/sites.sql";
import { customersChangedStatements } from "../sync/changes";
import { writeAll, type Write } from "../db/write";
import { COLUMNS, readLine, type ContractLine, type CustomerLine, type ImportIssue, type InvoiceLine, type LineOf, type PaymentLine } from "./columns";
import { importRuns, type ImportKind, type ImportSource } from "./imports.sql";
import { parseCsv } from "./parse-csv";

export interface ImportReport {
  ok: boolean;
  kind: ImportKind;
  fileName: string;
  encoding: "utf-8" | "windows-1252";
  lines: number;
  created: number;
  updated: number;
  errors: ImportIssue[];
}

/** Where an import stands, for a progress bar: lines read, then references checked, then rows written. */
export interface ImportProgress {
  phase: "read" | "check" | "write";
  done: number;
  total: number;
}

export interface ImportOptions {
  fileName: string;
  userId: string | null;
  /** When the import ran (the server's clock); now by default. */
  at?: Date;
  /** How the file came in; `office` by default. */
  source?: ImportSource;
  /** The run's id in `import_runs` (a job started from the screen names it beforehand). */
  id?: string;
  onProgress?: (progress: ImportProgress) => void;
}

/** Lines read between two yields to the event loop, so that a server reading a large file still answers. */
const READ_SLICE = 5_000;

const INCIDENT_OF: Record<PaymentMethod, IncidentKind> = {
  card: "card_rejected",
  sepa: "sepa_rejected",
  cheque: "cheque_bounced",
  transfer: "transfer_missing",
  cash: "transfer_missing",
};

/**
 * Imports one CSV file of a kind, all or nothing: every line is read and checked first (values, and references to
 * customers, contracts and invoices, in the database or earlier in the file); one bad line refuses the file with
 * every problem listed. A good file updates the rows whose ref exists and creates the others, in one transaction.
 * Either way the attempt is kept in `import_runs`.
 */
export async function importCsv(db: Database, kind: ImportKind, bytes: Uint8Array, who: ImportOptions): Promise<ImportReport> {
  // When the import ran, on the server's clock: the engine holds its day when the last import is a day old.
  const createdAt = (who.at ?? new Date()).toISOString();
  const run = { id: who.id ?? uuidv7(), kind, fileName: who.fileName, userId: who.userId, source: who.source ?? "office", createdAt };
  const progress = who.onProgress ?? (() => {});
  const file = parseCsv(bytes);
  const report: ImportReport = { ok: false, kind, fileName: who.fileName, encoding: file.encoding, lines: file.rows.length, created: 0, updated: 0, errors: [] };
  const position = new Map(file.header.map((h, i) => [h.toLowerCase(), i]));
  const missing = COLUMNS[kind].required.filter((c) => !position.has(c));
  if (file.header.length === 0 || missing.length > 0) {
    report.errors.push({ line: 1, column: missing[0] ?? null, message: `Ligne 1 : colonne(s) manquante(s) : ${missing.join(", ") || COLUMNS[kind].required.join(", ")}` });
  } else if (file.rows.length === 0) {
    report.errors.push({ line: 2, column: null, message: "Le fichier ne contient aucune ligne de données." });
  }
  const lines: { line: number; value: LineOf<typeof kind> }[] = [];
  if (report.errors.length === 0) {
    progress({ phase: "read", done: 0, total: file.rows.length });
    for (const [i, row] of file.rows.entries()) {
      if (i > 0 && i % READ_SLICE === 0) {
        progress({ phase: "read", done: i, total: file.rows.length });
        await new Promise((resolve) => setImmediate(resolve));
      }
      const read = readLine(kind, row.line, (column) => {
        const i = position.get(column);
        return i === undefined ? "" : (row.cells[i] ?? "");
      });
      report.errors.push(...read.issues);
      if (read.value) lines.push({ line: row.line, value: read.value });
    }
  }
  // Every bad line is reported at once: references are checked on the lines whose values are right.
  progress({ phase: "check", done: 0, total: file.rows.length });
  report.errors.push(...duplicates(lines.map((l) => ({ line: l.line, ref: l.value.ref })), COLUMNS[kind].required[0]!));
  report.errors.push(...(await missingReferences(db, kind, lines)));
  report.errors.sort((a, b) => a.line - b.line);

  if (report.errors.length > 0) {
    await db.insert(importRuns).values({ ...run, ok: false, lines: report.lines, errors: report.errors });
    return report;
  }
  // All or nothing, and the write lock held only while the database applies it: what the lines need is read
  // first, then every row and the run's record are written as one batch (db/write.ts) — over a libSQL server one
  // request, where an interactive transaction would hold the lock across a round trip a statement, past sqld's 5 s.
  progress({ phase: "write", done: 0, total: lines.length });
  const { writes, counts } = await writesFor(db, kind, lines.map((l) => l.value));
  writes.push(db.insert(importRuns).values({ ...run, ok: true, lines: report.lines, created: counts.created, updated: counts.updated }));
  await writeAll(db, writes, (built) => progress({ phase: "write", done: Math.min(lines.length, Math.round((built / writes.length) * lines.length)), total: lines.length }));
  report.created = counts.created;
  report.updated = counts.updated;
  report.ok = true;
  return report;
}

/** When the billing data was last imported successfully (the engine acts on nothing older than a day). */
export async function lastSuccessfulImport(db: Database): Promise<Date | null> {
  const [row] = await db.select({ at: max(importRuns.createdAt) }).from(importRuns).where(eq(importRuns.ok, true));
  return row?.at ? new Date(row.at) : null;
}

/** Kind → when it was last imported without error (kinds never imported are left out). */
export async function lastSuccessfulByKind(db: Database): Promise<Record<string, string>> {
  const rows = await db.select({ kind: importRuns.kind, at: max(importRuns.createdAt) }).from(importRuns).where(eq(importRuns.ok, true)).groupBy(importRuns.kind);
  return Object.fromEntries(rows.filter((r) => r.at).map((r) => [r.kind, r.at!]));
}

/** The latest imports, newest first, with the name of who uploaded each (null from the command line or the drop folder). */
export async function recentImports(db: Database, limit = 30): Promise<ImportRunRow[]> {
  // Ids are UUID v7, in the order the runs were made: they part runs of the same millisecond.
  return runsQuery(db).orderBy(desc(importRuns.createdAt), desc(importRuns.id)).limit(limit);
}

export async function importRunById(db: Database, id: string): Promise<ImportRunRow | null> {
  const [row] = await runsQuery(db).where(eq(importRuns.id, id)).limit(1);
  return row ?? null;
}

export type ImportRunRow = typeof importRuns.$inferSelect & { userName: string | null };

function runsQuery(db: Database) {
  const { ...columns } = getTableColumns(importRuns);
  return db
    .select({ ...columns, userName: users.name })
    .from(importRuns)
    .leftJoin(users, eq(users.id, importRuns.userId))
    .$dynamic();
}

function duplicates(refs: { line: number; ref: string }[], column: string): ImportIssue[] {
  const first = new Map<string, number>();
  const issues: ImportIssue[] = [];
  for (const { line, ref } of refs) {
    const seen = first.get(ref);
    if (seen !== undefined) issues.push({ line, column, message: `Ligne ${line}, colonne ${column} : « ${ref} » figure déjà ligne ${seen}` });
    else first.set(ref, line);
  }
  return issues;
}

/** References to customers, contracts and invoices that are neither in the database nor earlier in the file. */
async function missingReferences(db: Database, kind: ImportKind, lines: { line: number; value: LineOf<ImportKind> }[]): Promise<ImportIssue[]> {
  if (kind === "customers") return [];
  const values = lines.map((l) => l.value as ContractLine | InvoiceLine | PaymentLine);
  const customerRefs = await existing(db, "customers", values.map((v) => v.customerRef));
  const contractRefs = kind === "invoices" ? await existing(db, "contracts", values.map((v) => (v as InvoiceLine).contractRef).filter((r): r is string => Boolean(r))) : new Set<string>();
  const invoiceRefs = kind === "payments" ? await existing(db, "invoices", values.map((v) => (v as PaymentLine).invoiceRef).filter((r): r is string => Boolean(r))) : new Set<string>();
  const issues: ImportIssue[] = [];
  for (const { line, value } of lines) {
    const v = value as ContractLine | InvoiceLine | PaymentLine;
    if (!customerRefs.has(v.customerRef)) issues.push({ line, column: "customer_ref", message: `Ligne ${line}, colonne customer_ref : client « ${v.customerRef} » inconnu` });
    if (kind === "invoices" && (v as InvoiceLine).contractRef && !contractRefs.has((v as InvoiceLine).contractRef!)) {
      issues.push({ line, column: "contract_ref", message: `Ligne ${line}, colonne contract_ref : contrat « ${(v as InvoiceLine).contractRef} » inconnu` });
    }
    if (kind === "payments" && (v as PaymentLine).invoiceRef && !invoiceRefs.has((v as PaymentLine).invoiceRef!)) {
      issues.push({ line, column: "invoice_ref", message: `Ligne ${line}, colonne invoice_ref : facture « ${(v as PaymentLine).invoiceRef} » inconnue` });
    }
  }
  return issues;
}

async function existing(db: Database | Transaction, table: "customers" | "contracts" | "invoices", refs: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  const unique = [...new Set(refs)];
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await db.all<{ ref: string }>(sql`select ref from ${sql.raw(table)} where ${inArray(sql.raw("ref"), unique.slice(i, i + 500))}`);
    for (const r of rows) found.add(r.ref);
  }
  return found;
}

/** Ref → id of the rows of `table` with these refs. */
async function idsOf(tx: Database | Transaction, table: "customers" | "contracts" | "invoices" | "payments", refs: string[]): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  const unique = [...new Set(refs)];
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await tx.all<{ ref: string; id: string }>(sql`select ref, id from ${sql.raw(table)} where ${inArray(sql.raw("ref"), unique.slice(i, i + 500))}`);
    for (const r of rows) map.set(r.ref, r.id);
  }
  return map;
}

/**
 * The statements that create or update every line by its ref, built on what is read now; and how many of each.
 * Rows are upserted by ref, so a row another import created meanwhile is updated, not doubled.
 */
async function writesFor(tx: Database, kind: ImportKind, values: LineOf<ImportKind>[]): Promise<{ writes: Write[]; counts: { created: number; updated: number } }> {
  const out: Write[] = [];
  const table = { customers: "customers", contracts: "contracts", invoices: "invoices", payments: "payments" } as const;
  const known = await idsOf(tx, table[kind], values.map((v) => v.ref));
  const idOf = (ref: string) => known.get(ref) ?? uuidv7();
  const now = new Date().toISOString();
  const changedCustomers = new Set<string>();
  const customerIds = kind === "customers" ? new Map<string, string>() : await idsOf(tx, "customers", values.map((v) => (v as { customerRef: string }).customerRef));

  if (kind === "customers") {
    const rows = (values as CustomerLine[]).map((v) => ({ id: idOf(v.ref), ...v }));
    for (let i = 0; i < rows.length; i += 200) {
      out.push(tx
        .insert(customers)
        .values(rows.slice(i, i + 200))
        .onConflictDoUpdate({
          target: customers.ref,
          set: {
            kind: sql`excluded.kind`,
            name: sql`excluded.name`,
            email: sql`excluded.email`,
            phone: sql`excluded.phone`,
            address: sql`excluded.address`,
            postalCode: sql`excluded.postal_code`,
            city: sql`excluded.city`,
            paymentMethod: sql`excluded.payment_method`,
            segment: sql`excluded.segment`,
            stop: sql`excluded.stop`,
            updatedAt: now,
          },
          // A pseudonymised customer stays so: the billing software's files still name them, and must not bring
          // back what retention or an erasure request took out (server/privacy/erase.ts).
          setWhere: sql`${customers.pseudonymisedAt} is null`,
        }));
    }
    for (const r of rows) changedCustomers.add(r.id);
  } else if (kind === "contracts") {
    const lines = values as ContractLine[];
    const unitIds = await unitsFor(tx, lines, out);
    const rows = lines.map((v) => ({
      id: idOf(v.ref),
      ref: v.ref,
      customerId: customerIds.get(v.customerRef)!,
      unitId: unitIds.get(`${v.siteCode}\u0000${v.unitNumber}`)!,
      monthlyRentCents: v.monthlyRentCents,
      startDate: v.startDate,
      endDate: v.endDate,
    }));
    for (let i = 0; i < rows.length; i += 200) {
      out.push(tx
        .insert(contracts)
        .values(rows.slice(i, i + 200))
        .onConflictDoUpdate({
          target: contracts.ref,
          set: {
            customerId: sql`excluded.customer_id`,
            unitId: sql`excluded.unit_id`,
            monthlyRentCents: sql`excluded.monthly_rent_cents`,
            startDate: sql`excluded.start_date`,
            endDate: sql`excluded.end_date`,
            updatedAt: now,
          },
        }));
    }
    for (const r of rows) changedCustomers.add(r.customerId);
  } else if (kind === "invoices") {
    const lines = values as InvoiceLine[];
    const contractIds = await idsOf(tx, "contracts", lines.flatMap((v) => (v.contractRef ? [v.contractRef] : [])));
    const rows = lines.map((v) => ({
      id: idOf(v.ref),
      ref: v.ref,
      customerId: customerIds.get(v.customerRef)!,
      contractId: v.contractRef ? contractIds.get(v.contractRef)! : null,
      kind: v.amountCents < 0 ? ("credit_note" as const) : ("rent" as const),
      issueDate: v.issueDate,
      dueDate: v.dueDate,
      amountCents: v.amountCents,
    }));
    for (let i = 0; i < rows.length; i += 200) {
      out.push(tx
        .insert(invoices)
        .values(rows.slice(i, i + 200))
        .onConflictDoUpdate({
          target: invoices.ref,
          set: {
            customerId: sql`excluded.customer_id`,
            contractId: sql`excluded.contract_id`,
            // A fee or a write-off made by Cadenas and entered in the billing software comes back under its ref:
            // it stays what it is.
            kind: sql`case when ${invoices.kind} in ('fee', 'write_off') then ${invoices.kind} else excluded.kind end`,
            issueDate: sql`excluded.issue_date`,
            dueDate: sql`excluded.due_date`,
            amountCents: sql`excluded.amount_cents`,
            updatedAt: now,
          },
        }));
    }
    for (const r of rows) changedCustomers.add(r.customerId);
  } else {
    const lines = values as PaymentLine[];
    const invoiceIds = await idsOf(tx, "invoices", lines.flatMap((v) => (v.invoiceRef ? [v.invoiceRef] : [])));
    const rows = lines.map((v) => ({
      id: idOf(v.ref),
      ref: v.ref,
      customerId: customerIds.get(v.customerRef)!,
      invoiceId: v.invoiceRef ? invoiceIds.get(v.invoiceRef)! : null,
      date: v.date,
      amountCents: v.amountCents,
      method: v.method,
      status: v.status,
      reason: v.reason,
    }));
    for (let i = 0; i < rows.length; i += 200) {
      out.push(tx
        .insert(payments)
        .values(rows.slice(i, i + 200))
        .onConflictDoUpdate({
          target: payments.ref,
          set: {
            customerId: sql`excluded.customer_id`,
            invoiceId: sql`excluded.invoice_id`,
            date: sql`excluded.date`,
            amountCents: sql`excluded.amount_cents`,
            method: sql`excluded.method`,
            status: sql`excluded.status`,
            reason: sql`excluded.reason`,
            updatedAt: now,
          },
        }));
    }
    // A rejected payment is a payment incident, recorded once however often the file comes.
    const rejected = rows.filter((r) => r.status === "rejected");
    const recorded = new Set<string>();
    for (let i = 0; i < rejected.length; i += 500) {
      const ids = rejected.slice(i, i + 500).map((r) => r.id);
      for (const r of await tx.select({ id: paymentIncidents.paymentId }).from(paymentIncidents).where(inArray(paymentIncidents.paymentId, ids))) recorded.add(r.id!);
    }
    const incidents = rejected
      .filter((r) => !recorded.has(r.id))
      .map((r) => ({ id: uuidv7(), customer_id: r.customerId, payment_id: r.id, invoice_id: r.invoiceId, kind: INCIDENT_OF[r.method], occurred_on: r.date, reason: r.reason }));
    // Not if one was recorded since it was read (another import of the same file).
    for (let i = 0; i < incidents.length; i += 500) {
      out.push(
        tx.run(sql`insert into ${paymentIncidents} (id, customer_id, payment_id, invoice_id, kind, occurred_on, reason, created_at)
          select json_extract(j.value, '$.id'), json_extract(j.value, '$.customer_id'), json_extract(j.value, '$.payment_id'), json_extract(j.value, '$.invoice_id'),
            json_extract(j.value, '$.kind'), json_extract(j.value, '$.occurred_on'), json_extract(j.value, '$.reason'), ${now}
          from json_each(${JSON.stringify(incidents.slice(i, i + 500))}) j
          where not exists (select 1 from ${paymentIncidents} p where p.payment_id = json_extract(j.value, '$.payment_id'))`),
      );
    }
    for (const r of rows) changedCustomers.add(r.customerId);
  }
  out.push(...customersChangedStatements(tx, [...changedCustomers]));
  const created = values.filter((v) => !known.has(v.ref)).length;
  return { writes: out, counts: { created, updated: values.length - created } };
}

/** The units the contracts name, site code and number; sites and units not known yet are created. */
async function unitsFor(tx: Database, lines: ContractLine[], out: Write[]): Promise<Map<string, string>> {
  const codes = [...new Set(lines.map((l) => l.siteCode))];
  const siteRows = await tx.select({ id: sites.id, code: sites.code }).from(sites).where(inArray(sites.code, codes));
  const siteIds = new Map(siteRows.map((s) => [s.code, s.id]));
  for (const code of codes.filter((c) => !siteIds.has(c))) {
    const id = uuidv7();
    out.push(tx.insert(sites).values({ id, code, name: code }));
    siteIds.set(code, id);
  }
  const unitIds = new Map<string, string>();
  for (const code of codes) {
    const siteId = siteIds.get(code)!;
    const numbers = [...new Set(lines.filter((l) => l.siteCode === code).map((l) => l.unitNumber))];
    for (let i = 0; i < numbers.length; i += 500) {
      const rows = await tx
        .select({ id: units.id, number: units.number })
        .from(units)
        .where(and(eq(units.siteId, siteId), inArray(units.number, numbers.slice(i, i + 500))));
      for (const r of rows) unitIds.set(`${code}\u0000${r.number}`, r.id);
    }
    const fresh = numbers.filter((n) => !unitIds.has(`${code}\u0000${n}`)).map((number) => ({ id: uuidv7(), siteId, number }));
    for (let i = 0; i < fresh.length; i += 200) out.push(tx.insert(units).values(fresh.slice(i, i + 200)));
    for (const u of fresh) unitIds.set(`${code}\u0000${u.number}`, u.id);
  }
  return unitIds;
}

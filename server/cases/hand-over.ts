import { and, asc, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import { strToU8, unzipSync, zipSync, type Zippable } from "fflate";
import { v7 as uuidv7 } from "uuid";
import { dateOfInstant, formatDateFr, type CalendarDate } from "../../shared/dates";
import { formatEurosPlain } from "../../shared/money";
import { STAGE_LABEL } from "../../shared/labels";
import { RECIPIENT_KIND_LABEL, type HandOverBody, type HandOverRow, type Recipient, type RecipientBody, type RecipientPatch } from "../../shared/schemas/hand-over";
import type { SessionUser } from "../../shared/schemas/auth";
import { changes, recordAudit } from "../audit/audit";
import { users } from "../auth/auth.sql";
import { inScope, type Scope } from "../auth/scope";
import { balanceSql } from "../billing/balance";
import { unpaidInvoices } from "../billing/ledger";
import { csvCell, csvEuros, csvFile } from "../csv";
import { contracts, customers } from "../customers/customers.sql";
import type { Database, Transaction } from "../db/client";
import { customersAtScopedSites } from "../debtors/queries";
import { AppError } from "../errors";
import { loadBlob, sha256Hex } from "../evidence/blobs";
import { blobKey, storeOf } from "../storage/store";
import { photos } from "../evidence/evidence.sql";
import { CHANNEL_WORD, DELIVERY_WORD, EXTENSION, evidencePackZip } from "../evidence/pack";
import { storedLetterPdf } from "../messaging/letters";
import { messages } from "../messaging/messaging.sql";
import { customerSiteIds } from "../messaging/outbox";
import { applyLegalHold } from "../privacy/privacy";
import { sites, units } from "../sites/sites.sql";
import { statementPdf } from "../statement/statement";
import { markCustomersChanged } from "../sync/changes";
import { actions, cases } from "./cases.sql";
import { handOverRecipients, handOvers } from "./hand-over.sql";

/**
 * The hand-over of a case to a bailiff or a collection agency (*transmis au contentieux*). The office picks a
 * recipient from the list it keeps and gets one ZIP: the evidence pack, the statement of account, every letter sent
 * to the customer as printed with its tracking number and its acknowledgement of receipt, a CSV summary, and a
 * manifest of every file with its SHA-256. The ZIP is kept in the blob store (the same file can be downloaded again)
 * and, in one transaction once it is built, the case is marked handed over, the customer's history says to whom,
 * and the legal hold is set. From then on the customer is held (`server/customers/hold.ts`): no automatic step, no
 * message. A case is handed over once.
 */

type Db = Database | Transaction;

export interface HandOverContext {
  user: SessionUser;
  scope: Scope;
  address: string | null;
  now: Date;
  today: CalendarDate;
  timeZone: string;
  dataDir: string;
  tsaUrl?: string;
}

// ————— Recipients —————

export async function listRecipients(db: Db): Promise<Recipient[]> {
  return db
    .select({ id: handOverRecipients.id, kind: handOverRecipients.kind, name: handOverRecipients.name, address: handOverRecipients.address, email: handOverRecipients.email, archivedAt: handOverRecipients.archivedAt })
    .from(handOverRecipients)
    .orderBy(sql`${handOverRecipients.archivedAt} is not null`, asc(handOverRecipients.name));
}

export async function createRecipient(db: Database, body: RecipientBody, ctx: Pick<HandOverContext, "user" | "address" | "now">): Promise<Recipient> {
  const id = uuidv7();
  const at = ctx.now.toISOString();
  await db.transaction(async (tx) => {
    await tx.insert(handOverRecipients).values({ id, ...body, createdAt: at, updatedAt: at });
    await recordAudit(tx, { event: "hand_over_recipient.created", userId: ctx.user.id, address: ctx.address, entity: "hand_over_recipient", entityId: id, details: { ...body } });
  });
  return recipientById(db, id);
}

export async function updateRecipient(db: Database, id: string, patch: RecipientPatch, ctx: Pick<HandOverContext, "user" | "address" | "now">): Promise<Recipient> {
  const before = await recipientById(db, id);
  const { archived, ...fields } = patch;
  const archivedAt = archived === undefined ? before.archivedAt : archived ? (before.archivedAt ?? ctx.now.toISOString()) : null;
  await db.transaction(async (tx) => {
    await tx.update(handOverRecipients).set({ ...fields, archivedAt, updatedAt: ctx.now.toISOString() }).where(eq(handOverRecipients.id, id));
    const after = { ...before, ...fields, archivedAt };
    await recordAudit(tx, { event: "hand_over_recipient.updated", userId: ctx.user.id, address: ctx.address, entity: "hand_over_recipient", entityId: id, details: changes(before, after) });
  });
  return recipientById(db, id);
}

async function recipientById(db: Db, id: string): Promise<Recipient> {
  const [row] = await db
    .select({ id: handOverRecipients.id, kind: handOverRecipients.kind, name: handOverRecipients.name, address: handOverRecipients.address, email: handOverRecipients.email, archivedAt: handOverRecipients.archivedAt })
    .from(handOverRecipients)
    .where(eq(handOverRecipients.id, id));
  if (!row) throw new AppError("NOT_FOUND", "Destinataire introuvable.");
  return row;
}

// ————— The hand-over —————

/** Hands the case over: refused (409, in French) for a case not open, already handed over, or of a customer who owes nothing. */
export async function handOverCase(db: Database, caseId: string, body: HandOverBody, ctx: HandOverContext): Promise<HandOverRow> {
  const kase = await scopedCase(db, ctx.scope, caseId);
  refusal(kase);
  const recipient = await recipientById(db, body.recipientId);
  if (recipient.archivedAt) throw new AppError("CONFLICT", `${recipient.name} est archivé : choisissez un destinataire de la liste.`);
  const statement = await statementPdf(db, kase.customerId, ctx.today);
  const owed = statement.statement.balanceCents;
  if (owed <= 0) throw new AppError("CONFLICT", "Ce client ne doit rien à ce jour : rien à transmettre au contentieux.");

  const siteId = (await customerSiteIds(db, [kase.customerId])).get(kase.customerId) ?? null;
  const zip = await buildZip(db, kase, { ...ctx, statement, owed, recipient, note: body.note ?? null });
  const zipSha = await storeBlob(ctx.dataDir, zip.bytes);

  const id = uuidv7();
  const handedAt = ctx.now.toISOString();
  const text = `Dossier transmis au contentieux : ${recipient.name} (${RECIPIENT_KIND_LABEL[recipient.kind].toLowerCase()}), ${formatEurosPlain(owed)} dus${body.note ? ` — ${body.note}` : ""}`;
  await db.transaction(
    async (tx) => {
      // Checked again inside: two clicks, or two people, never make two hand-overs.
      const [now] = await tx.select().from(cases).where(eq(cases.id, caseId));
      refusal(now!);
      await tx.insert(handOvers).values({
        id,
        caseId,
        customerId: kase.customerId,
        siteId,
        recipientId: recipient.id,
        handedOn: ctx.today,
        handedAt,
        handedBy: ctx.user.id,
        amountCents: owed,
        zipSha256: zipSha,
        zipBytes: zip.bytes.length,
        note: body.note ?? null,
        createdAt: handedAt,
      });
      await tx.update(cases).set({ handedOverAt: handedAt, handOverId: id, updatedAt: handedAt }).where(eq(cases.id, caseId));
      await tx.insert(actions).values({
        id: uuidv7(),
        caseId,
        customerId: kase.customerId,
        siteId,
        userId: ctx.user.id,
        initials: ctx.user.initials,
        kind: "handed_over",
        text,
        happenedAt: handedAt,
        data: { handOverId: id, recipientId: recipient.id, recipient: recipient.name, amountCents: owed, zipSha256: zipSha },
      });
      await applyLegalHold(tx, kase.customerId, { held: true, reason: `Transmis au contentieux (${recipient.name}) le ${formatDateFr(ctx.today)}` }, ctx);
      await recordAudit(tx, {
        event: "case.handed_over",
        userId: ctx.user.id,
        address: ctx.address,
        entity: "case",
        entityId: caseId,
        details: { handOverId: id, recipientId: recipient.id, amountCents: owed, zipSha256: zipSha, zipBytes: zip.bytes.length },
      });
      await markCustomersChanged(tx, [kase.customerId]);
    },
    { behavior: "immediate" },
  ).catch((error: unknown) => {
    if (error instanceof AppError) throw error;
    if (/UNIQUE constraint failed: hand_overs\.case_id/.test(String((error as Error)?.message ?? error) + String((error as { cause?: Error })?.cause?.message ?? ""))) {
      throw new AppError("CONFLICT", "Ce dossier a déjà été transmis au contentieux.");
    }
    throw error;
  });
  const [made] = await handOverRows(db, ctx.scope, ctx.today, id);
  return made!;
}

/** The hand-overs the user may see, newest first: to whom, what was owed then, paid since, owed now. */
export async function listHandOvers(db: Db, scope: Scope, today: CalendarDate): Promise<HandOverRow[]> {
  return handOverRows(db, scope, today);
}

/** The stored ZIP of a hand-over the user may see (404 otherwise, as an unknown one). */
export async function handOverZip(db: Db, scope: Scope, id: string, dataDir: string): Promise<{ fileName: string; bytes: Uint8Array }> {
  const [row] = await db
    .select({ sha: handOvers.zipSha256, ref: customers.ref, handedOn: handOvers.handedOn })
    .from(handOvers)
    .innerJoin(customers, eq(customers.id, handOvers.customerId))
    .where(and(eq(handOvers.id, id), inScope(scope, handOvers.siteId)));
  if (!row) throw new AppError("NOT_FOUND", "Transmission introuvable à vos sites.");
  const bytes = await loadBlob(dataDir, row.sha);
  if (!bytes || sha256Hex(bytes) !== row.sha) throw new AppError("CONFLICT", "Le fichier de cette transmission manque ou a changé depuis qu'il a été fait : il n'est pas servi.");
  return { fileName: zipName(row.ref, row.handedOn), bytes: new Uint8Array(bytes) };
}

// ————— helpers —————

type CaseRow = typeof cases.$inferSelect;

async function scopedCase(db: Db, scope: Scope, caseId: string): Promise<CaseRow> {
  const [kase] = await db
    .select()
    .from(cases)
    .where(and(eq(cases.id, caseId), inArray(cases.customerId, customersAtScopedSites(db, scope))));
  if (!kase) throw new AppError("NOT_FOUND", "Dossier introuvable à vos sites.");
  return kase;
}

const CLOSED_WORD: Record<string, string> = { paid: "soldé", written_off: "passé en perte", contract_ended: "clos après la fin du contrat" };

function refusal(kase: CaseRow): void {
  if (kase.handedOverAt) throw new AppError("CONFLICT", `Ce dossier a déjà été transmis au contentieux le ${formatDateFr(kase.handedOverAt.slice(0, 10))}.`);
  if (kase.status !== "open") throw new AppError("CONFLICT", `Ce dossier n'est pas ouvert (${CLOSED_WORD[kase.status] ?? kase.status}${kase.closedOn ? ` le ${formatDateFr(kase.closedOn)}` : ""}) : rien à transmettre.`);
}

const zipName = (ref: string, on: CalendarDate) => `contentieux-${ref.replace(/[^A-Za-z0-9_-]+/g, "_")}-${on}.zip`;

/** Kept in the store under its SHA-256, as photos are (written whole or not at all); a changed copy is replaced. */
async function storeBlob(dataDir: string, bytes: Uint8Array): Promise<string> {
  const sha = sha256Hex(bytes);
  const store = storeOf(dataDir);
  const held = await store.get(blobKey(sha));
  if (!held || sha256Hex(held) !== sha) await store.put(blobKey(sha), bytes, "application/zip");
  return sha;
}

interface ZipInputs extends HandOverContext {
  statement: Awaited<ReturnType<typeof statementPdf>>;
  owed: number;
  recipient: Recipient;
  note: string | null;
}

async function buildZip(db: Database, kase: CaseRow, z: ZipInputs): Promise<{ bytes: Uint8Array }> {
  const [customer] = await db.select().from(customers).where(eq(customers.id, kase.customerId));
  const files = new Map<string, Uint8Array>();
  // The evidence pack, as its own ZIP holds it (its manifest and checksums included), in a folder.
  const pack = await evidencePackZip(db, kase.id, { dataDir: z.dataDir, now: z.now, timeZone: z.timeZone, tsaUrl: z.tsaUrl });
  for (const [name, bytes] of Object.entries(unzipSync(pack.bytes))) files.set(`dossier-de-preuves/${name}`, bytes);
  files.set(z.statement.fileName, z.statement.bytes);

  // Every letter sent to the customer, whatever the case, with what came back.
  const letters = await db
    .select()
    .from(messages)
    .where(and(eq(messages.customerId, kase.customerId), inArray(messages.channel, ["letter", "registered_letter"]), inArray(messages.status, ["sent", "written"])))
    .orderBy(asc(messages.sentAt), asc(messages.createdAt));
  const receipts = await db
    .select({ data: actions.data })
    .from(actions)
    .where(and(eq(actions.customerId, kase.customerId), eq(actions.kind, "note"), isNull(actions.rejectedReason)));
  const letterLines: { m: typeof messages.$inferSelect; file: string | null; ar: string | null }[] = [];
  for (const [i, m] of letters.entries()) {
    const step = (m.stepCode ?? "courrier").toLowerCase().replace(/[^a-z0-9]+/g, "-");
    const pdf = await storedLetterPdf(db, z.dataDir, m.id);
    const file = pdf ? `courriers/${i + 1}-${step}-${m.channel === "registered_letter" ? "lrar" : "lettre"}.pdf` : null;
    if (pdf && file) files.set(file, pdf);
    const sha = receipts.map((r) => r.data as Record<string, unknown> | null).find((d) => d?.messageId === m.id && typeof d.photoSha256 === "string")?.photoSha256 as string | undefined;
    let ar: string | null = null;
    if (sha) {
      const [stored] = await db.select({ mime: photos.mime }).from(photos).where(eq(photos.sha256, sha));
      const bytes = stored ? await loadBlob(z.dataDir, sha) : null;
      if (bytes && sha256Hex(bytes) === sha) {
        ar = `courriers/${i + 1}-avis-de-reception.${EXTENSION[stored!.mime] ?? "bin"}`;
        files.set(ar, new Uint8Array(bytes));
      }
    }
    letterLines.push({ m, file, ar });
  }

  files.set("synthese.csv", strToU8(await summaryCsv(db, kase, customer!, z, letterLines)));
  const manifest = {
    format: "cadenas.hand-over/1",
    generatedAt: z.now.toISOString(),
    timeZone: z.timeZone,
    case: { id: kase.id, openedOn: kase.openedOn, stage: kase.stage, level: kase.level },
    customer: { ref: customer!.ref, name: customer!.name },
    recipient: { kind: z.recipient.kind, name: z.recipient.name, address: z.recipient.address, email: z.recipient.email },
    handedOn: z.today,
    handedBy: z.user.name,
    amountCents: z.owed,
    note: z.note,
    letters: letterLines.map(({ m, file, ar }) => ({
      messageId: m.id,
      step: m.stepCode,
      channel: m.channel,
      postedAt: m.sentAt,
      trackingNumber: m.channel === "registered_letter" ? m.providerId : null,
      received: m.deliveryStatus ? { outcome: m.deliveryStatus, on: m.deliveredAt } : null,
      file,
      arPhoto: ar,
    })),
    // Every other file of the archive, with its SHA-256: `sha256sum -c empreintes.txt` checks them too.
    files: [...files].map(([name, bytes]) => ({ name, sha256: sha256Hex(bytes), size: bytes.length })),
  };
  files.set("manifeste.json", strToU8(`${JSON.stringify(manifest, null, 2)}\n`));
  files.set("empreintes.txt", strToU8(`${manifest.files.map((f) => `${f.sha256}  ${f.name}`).join("\n")}\n`));
  const entries: Zippable = Object.fromEntries([...files].map(([name, bytes]) => [name, [bytes, { level: /\.(csv|json|txt)$/.test(name) ? 6 : 0, mtime: z.now }]]));
  return { bytes: zipSync(entries) };
}

const SUMMARY_HEADER = ["Rubrique", "Date", "Référence", "Libellé", "Montant (€)", "Reste dû (€)", "Détail"];

/**
 * One CSV for French Excel, a line per fact: the customer, their site(s) and boxes, the amount owed at the hand-over,
 * each unpaid invoice, each step taken in the case (date and what), each letter with its tracking and receipt.
 */
async function summaryCsv(db: Database, kase: CaseRow, customer: typeof customers.$inferSelect, z: ZipInputs, letters: { m: typeof messages.$inferSelect }[]): Promise<string> {
  const boxes = await db
    .select({ number: units.number, siteCode: sites.code, siteName: sites.name, contract: contracts.ref, endDate: contracts.endDate })
    .from(contracts)
    .innerJoin(units, eq(units.id, contracts.unitId))
    .innerJoin(sites, eq(sites.id, units.siteId))
    .where(eq(contracts.customerId, kase.customerId))
    .orderBy(asc(sites.code), asc(units.number));
  const unpaid = await unpaidInvoices(db, kase.customerId);
  const steps = await db
    .select({ happenedAt: actions.happenedAt, kind: actions.kind, text: actions.text, initials: actions.initials })
    .from(actions)
    .where(and(eq(actions.customerId, kase.customerId), eq(actions.caseId, kase.id), isNull(actions.rejectedReason)))
    .orderBy(asc(actions.happenedAt));
  const t = (s: string | null | undefined) => csvCell(s ?? "");
  const day = (instant: string | null) => (instant ? dateOfInstant(instant, z.timeZone) : "");
  const rows: string[][] = [SUMMARY_HEADER.map(t)];
  const address = [customer.address, [customer.postalCode, customer.city].filter(Boolean).join(" ")].filter(Boolean).join(", ");
  rows.push([t("Client"), "", t(customer.ref), t(customer.name), "", "", t([address, customer.email, customer.phone].filter(Boolean).join(" ; "))]);
  for (const s of new Map(boxes.map((b) => [b.siteCode, b.siteName]))) rows.push([t("Site"), "", t(s[0]), t(s[1]), "", "", ""]);
  for (const b of boxes) rows.push([t("Box"), "", t(b.number), t(`Box ${b.number} (${b.siteCode})`), "", "", t(`Contrat ${b.contract}${b.endDate ? `, fin le ${formatDateFr(b.endDate)}` : ""}`)]);
  rows.push([t("Dossier"), kase.openedOn, t(kase.id), t(`Ouvert le ${formatDateFr(kase.openedOn)}${kase.stage ? `, étape : ${STAGE_LABEL[kase.stage] ?? kase.stage}` : ""}`), "", "", t(kase.level !== "none" ? `Niveau ${kase.level}` : "")]);
  rows.push([t("Montant dû"), z.today, "", t(`Solde dû à la transmission à ${z.recipient.name}`), csvEuros(z.owed), csvEuros(z.owed), t(z.note)]);
  for (const i of unpaid) rows.push([t("Facture"), i.dueDate, t(i.ref), t(i.description ?? "Facture"), csvEuros(i.amountCents), csvEuros(i.remainingCents), ""]);
  for (const s of steps) rows.push([t("Démarche"), day(s.happenedAt), t(s.kind), t(s.text), "", "", t(s.initials)]);
  for (const { m } of letters) {
    const tracking = m.channel === "registered_letter" && m.providerId ? `n° de suivi ${m.providerId}` : "";
    const received = m.deliveryStatus ? `${DELIVERY_WORD[m.deliveryStatus] ?? m.deliveryStatus}${m.deliveredAt ? ` le ${formatDateFr(m.deliveredAt)}` : ""}` : "";
    rows.push([t("Courrier"), day(m.sentAt ?? m.createdAt), t(m.stepCode), t(`${CHANNEL_WORD[m.channel]} — ${m.subject ?? ""}`), "", "", t([tracking, received].filter(Boolean).join(" ; "))]);
  }
  return csvFile(rows);
}

async function handOverRows(db: Db, scope: Scope, today: CalendarDate, id?: string): Promise<HandOverRow[]> {
  const rows = await db
    .select({
      id: handOvers.id,
      caseId: handOvers.caseId,
      customerId: handOvers.customerId,
      customerRef: customers.ref,
      customerName: customers.name,
      siteCode: sites.code,
      siteName: sites.name,
      recipientId: handOverRecipients.id,
      recipientKind: handOverRecipients.kind,
      recipientName: handOverRecipients.name,
      handedOn: handOvers.handedOn,
      handedAt: handOvers.handedAt,
      handedBy: users.name,
      amountCents: handOvers.amountCents,
      paidSinceCents: sql<number>`coalesce((select sum(p.amount_cents) from payments p where p.customer_id = ${handOvers.customerId} and p.status = 'ok' and p.date > ${handOvers.handedOn}), 0)`,
      balanceCents: balanceSql(today, sql.raw(`"hand_overs"."customer_id"`)),
      zipBytes: handOvers.zipBytes,
      zipSha256: handOvers.zipSha256,
      note: handOvers.note,
    })
    .from(handOvers)
    .innerJoin(customers, eq(customers.id, handOvers.customerId))
    .innerJoin(handOverRecipients, eq(handOverRecipients.id, handOvers.recipientId))
    .leftJoin(sites, eq(sites.id, handOvers.siteId))
    .leftJoin(users, eq(users.id, handOvers.handedBy))
    .where(and(inScope(scope, handOvers.siteId), id ? eq(handOvers.id, id) : undefined))
    .orderBy(desc(handOvers.handedAt));
  return rows.map(({ recipientId, recipientKind, recipientName, ...r }) => ({
    ...r,
    paidSinceCents: Number(r.paidSinceCents),
    balanceCents: Number(r.balanceCents),
    recipient: { id: recipientId, kind: recipientKind, name: recipientName },
  }));
}

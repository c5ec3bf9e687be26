import { createHash } from "node:crypto";
import { posix } from "node:path";
import { and, desc, eq, inArray } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { dateOfInstant, formatDateFr, type CalendarDate } from "../../shared/dates";
import { letterCopies, LETTER_COPY, redated, withLetterhead, type LetterContent } from "../../shared/messaging/compose";
import { siteZone } from "../../shared/sites/zone";
import { recordAudit } from "../audit/audit";
import type { Clock } from "../context";
import type { Database, Transaction } from "../db/client";
import { customersAtScopedSites } from "../debtors/queries";
import { AppError } from "../errors";
import { logosOf, senderSites, siteSendings } from "../sites/sites";
import { storeOf } from "../storage/store";
import { pagesOf, renderLetterPdf, renderLetters } from "./letter-pdf";
import { letterBatches, letterPrints } from "./letters.sql";
import { messageAttempts, messages } from "./messaging.sql";
import { reasonNotToSend, standingOf, type Row } from "./worker";

type Db = Database | Transaction;

/**
 * Letters are printed, then posted by hand. Printing is what dates a letter: each one is dated the day it is
 * printed for posting (its "Lyon, le …" line and the deadlines counted from it), printed with its site's letterhead
 * as the office last set it, and the PDF is stored (letters/<batch>.pdf in the store — DATA_DIR or object storage —
 * and each letter's own pages beside it) with a record of who printed what and when. Downloading a printed batch, or a letter, reads the stored file and
 * changes nothing. A letter printed again before it is posted is dated again and stored again; once posted (status
 * `sent`) it is never printed again: the last print is the letter that went, the one the evidence pack embeds.
 */

const LETTER_CHANNELS = ["letter", "registered_letter"] as const;

export interface UnpostedLetter {
  /** The message; null for a preview, which stores nothing. */
  id: string | null;
  siteId: string | null;
  letter: LetterContent;
}

/** The letters with their sites' current letterheads (read only). */
async function withCurrentLetterheads(db: Db, letters: readonly UnpostedLetter[]): Promise<LetterContent[]> {
  const sites = await senderSites(db, letters.map((l) => l.siteId));
  return letters.map((l) => {
    const site = l.siteId ? sites.get(l.siteId) : undefined;
    return site ? withLetterhead(l.letter, site) : l.letter;
  });
}

/** A preview's PDF (nothing stored): the letter with its site's current letterhead and logo. */
export async function unpostedLettersPdf(db: Db, letters: readonly UnpostedLetter[], options: { title?: string } = {}): Promise<Uint8Array> {
  const current = await withCurrentLetterheads(db, letters);
  return renderLetterPdf(current, { ...options, logos: await logosOf(db, letters.map((l) => l.siteId)) });
}

export interface PrintRequest {
  /** These letters; else every letter waiting (written up to `upTo`, when given). */
  ids?: readonly string[];
  upTo?: CalendarDate;
}

export interface PrintContext {
  dataDir: string;
  /** `TZ_SITE`: the zone of a letter whose site has none. */
  timeZone: string;
  clock: Clock;
  user: { id: string; initials: string; name: string };
  /** The customers the user may see (`customersAtScopedSites`). */
  customersInScope: ReturnType<typeof customersAtScopedSites>;
  address?: string;
}

export interface PrintResult {
  batch: {
    id: string;
    printedOn: CalendarDate;
    printedAt: string;
    pdf: string;
    pages: number;
    letters: { id: string; channel: Row["channel"]; printedOn: CalendarDate; copies: string[]; pdf: string }[];
  } | null;
  cancelled: { id: string; reason: string }[];
}

/** Where a batch, and a letter of it, are stored: their keys in the store (paths relative to DATA_DIR). */
const batchFile = (batchId: string) => posix.join("letters", `${batchId}.pdf`);
const letterFile = (batchId: string, messageId: string) => posix.join("letters", batchId, `${messageId}.pdf`);
export const batchPdfPath = (batchId: string) => `/api/letters/batches/${batchId}.pdf`;
export const letterPdfPath = (messageId: string) => `/api/messages/${messageId}/letter.pdf`;

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/**
 * Prints letters for posting: each checked as any message is before it goes (one no longer due is cancelled, with
 * the reason), dated the day it is printed in its site's zone, rendered in its copies (a registered letter: the
 * one sent with AR, its copy by simple letter — the step's simple letter, when it has one — and the file copy; a
 * simple letter once), stored, and recorded as a batch.
 */
export async function printLetters(db: Database, request: PrintRequest, ctx: PrintContext): Promise<PrintResult> {
  const rows = await db
    .select()
    .from(messages)
    .where(
      and(
        inArray(messages.channel, [...LETTER_CHANNELS]),
        inArray(messages.customerId, ctx.customersInScope),
        request.ids ? inArray(messages.id, [...request.ids]) : eq(messages.status, "queued"),
      ),
    )
    .orderBy(messages.createdAt, messages.id);
  if (request.ids) {
    const missing = request.ids.filter((id) => !rows.some((r) => r.id === id));
    if (missing.length > 0) throw new AppError("NOT_FOUND", "Lettre introuvable à vos sites.", { ids: missing });
    const done = rows.filter((r) => r.status !== "queued");
    if (done.length > 0) {
      throw new AppError(
        "CONFLICT",
        done.map((r) => `${r.subject ?? "Lettre"} : ${r.status === "sent" ? "déjà postée, elle n'est plus réimprimée" : "annulée"}`).join(" ; "),
        { ids: done.map((r) => r.id) },
      );
    }
  }
  const sendings = await siteSendings(db, rows.map((m) => m.siteId));
  const zoneOf = (m: Row) => siteZone(m.siteId ? sendings.get(m.siteId) : undefined, ctx.timeZone);
  const waiting = rows.filter((m) => !request.upTo || dateOfInstant(m.createdAt, zoneOf(m)) <= request.upTo);

  // Checked as any message is before it goes: a letter whose debt was paid meanwhile is not printed.
  const now = ctx.clock.now();
  const printedAt = now.toISOString();
  const cancelled: PrintResult["cancelled"] = [];
  const printable: Row[] = [];
  for (const zone of new Set(waiting.map(zoneOf))) {
    const inZone = waiting.filter((m) => zoneOf(m) === zone);
    const today = ctx.clock.todayIn(zone);
    const standing = await standingOf(db, [...new Set(inZone.flatMap((m) => (m.customerId ? [m.customerId] : [])))], [...new Set(inZone.flatMap((m) => (m.caseId ? [m.caseId] : [])))], today, zone);
    for (const m of inZone) {
      const why = reasonNotToSend(m, m.customerId ? standing.get(m.customerId) : undefined, today);
      if (why) {
        await db.update(messages).set({ status: "cancelled", lastError: why }).where(eq(messages.id, m.id));
        await db.insert(messageAttempts).values({ id: uuidv7(), messageId: m.id, worker: "impression", at: printedAt, outcome: "cancelled", detail: why });
        cancelled.push({ id: m.id, reason: why });
      } else if (m.letter) printable.push(m);
    }
  }
  printable.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id.localeCompare(b.id)));
  if (printable.length === 0) {
    if (cancelled.length > 0) return { batch: null, cancelled };
    throw new AppError("NOT_FOUND", request.upTo ? `Aucune lettre à imprimer au ${formatDateFr(request.upTo)}.` : "Aucune lettre à imprimer.");
  }

  // Dated today in its site's zone, with its site's letterhead as it stands now, in the copies its channel prints.
  const heads = await withCurrentLetterheads(db, printable.map((m) => ({ id: m.id, siteId: m.siteId, letter: m.letter! })));
  const dated = new Map(printable.map((m, i) => [m.id, { ...redated(heads[i]!, ctx.clock.todayIn(zoneOf(m))), copies: letterCopies(m.channel) }]));

  // A step that sends a registered letter and a simple one sends the same letter twice: the simple one is the
  // registered letter's copy by simple post, printed once among its three copies.
  const stepOf = (m: Row) => (m.caseId && m.stepCode ? [m.customerId, m.caseId, m.stepCode, m.templateCode].join("|") : null);
  const registeredByStep = new Map(printable.filter((m) => m.channel === "registered_letter" && stepOf(m)).map((m) => [stepOf(m)!, m]));
  const companionOf = new Map<string, Row>();
  for (const m of printable) {
    const registered = m.channel === "letter" && stepOf(m) ? registeredByStep.get(stepOf(m)!) : undefined;
    if (registered) companionOf.set(m.id, registered);
  }
  const rendered = printable.filter((m) => !companionOf.has(m.id));
  const batchId = uuidv7();
  const printedOn = ctx.clock.today();
  const title = `Courriers imprimés le ${formatDateFr(printedOn)}`;
  const pdf = await renderLetters(
    rendered.map((m) => dated.get(m.id)!),
    { title, logos: await logosOf(db, rendered.map((m) => m.siteId)) },
  );
  const pagesOfMessage = new Map<string, { copies: string[]; pages: number[] }>();
  const range = (first: number, count: number) => Array.from({ length: count }, (_, i) => first + i);
  rendered.forEach((m, i) => {
    const copies = pdf.copies[i]!;
    pagesOfMessage.set(m.id, { copies: copies.map((c) => c.copy), pages: copies.flatMap((c) => range(c.first, c.count)) });
  });
  for (const [simpleId, registered] of companionOf) {
    const copy = pdf.copies[rendered.indexOf(registered)]!.find((c) => c.copy === LETTER_COPY.simple)!;
    pagesOfMessage.set(simpleId, { copies: [LETTER_COPY.simple], pages: range(copy.first, copy.count) });
  }

  // Stored before they are recorded: a record never points at a file that is not there (a store that fails stops
  // the printing before anything is recorded: printed again, the letters are dated again).
  const files = storeOf(ctx.dataDir);
  const store = async (file: string, bytes: Uint8Array) => {
    await files.put(file, bytes, "application/pdf");
    return sha256(bytes);
  };
  const batchSha = await store(batchFile(batchId), pdf.bytes);
  const prints: (typeof letterPrints.$inferInsert)[] = [];
  for (const m of printable) {
    const own = pagesOfMessage.get(m.id)!;
    const bytes = await pagesOf(pdf.doc, own.pages, `${m.subject ?? "Courrier"} — ${formatDateFr(dated.get(m.id)!.datedOn!)}`);
    const file = letterFile(batchId, m.id);
    prints.push({ id: uuidv7(), batchId, messageId: m.id, printedOn: dated.get(m.id)!.datedOn!, printedAt, copies: own.copies, file, sha256: await store(file, bytes) });
  }

  await db.transaction(async (tx) => {
    await tx.insert(letterBatches).values({
      id: batchId,
      printedOn,
      printedAt,
      userId: ctx.user.id,
      initials: ctx.user.initials,
      messageIds: printable.map((m) => m.id),
      file: batchFile(batchId),
      sha256: batchSha,
      pages: pdf.doc.getPageCount(),
    });
    for (const m of printable) {
      // The message says what was printed: its text as dated, the letterhead it went with.
      const letter = dated.get(m.id)!;
      await tx.update(messages).set({ letter, subject: letter.subject, body: letter.body }).where(eq(messages.id, m.id));
    }
    await tx.insert(letterPrints).values(prints);
    await recordAudit(tx, {
      event: "letters.printed",
      userId: ctx.user.id,
      address: ctx.address,
      entity: "letter_batch",
      entityId: batchId,
      details: { printedOn, letters: printable.map((m) => m.id), cancelled },
    });
  });

  return {
    batch: {
      id: batchId,
      printedOn,
      printedAt,
      pdf: batchPdfPath(batchId),
      pages: pdf.doc.getPageCount(),
      letters: prints.map((p) => ({ id: p.messageId, channel: printable.find((m) => m.id === p.messageId)!.channel, printedOn: p.printedOn, copies: p.copies, pdf: letterPdfPath(p.messageId) })),
    },
    cancelled,
  };
}

/** A stored file, if it is there and still the bytes recorded (a changed file is not served as the letter sent). */
async function readStored(dataDir: string, file: string, sha: string): Promise<Uint8Array | null> {
  const bytes = await storeOf(dataDir).get(file);
  return bytes && sha256(bytes) === sha ? new Uint8Array(bytes) : null;
}

/** A message's last print: for a posted letter, the letter as it was sent. */
export async function lastPrintOf(db: Db, messageId: string) {
  const [row] = await db.select().from(letterPrints).where(eq(letterPrints.messageId, messageId)).orderBy(desc(letterPrints.printedAt), desc(letterPrints.id)).limit(1);
  return row ?? null;
}

/** Which of these messages were printed for posting at least once. */
export async function printedAmong(db: Db, messageIds: readonly string[]): Promise<Set<string>> {
  if (messageIds.length === 0) return new Set();
  const rows = await db.selectDistinct({ id: letterPrints.messageId }).from(letterPrints).where(inArray(letterPrints.messageId, [...messageIds]));
  return new Set(rows.map((r) => r.id));
}

/**
 * The letter as printed for posting (its copies, each marked), for the evidence pack: the last print of the message,
 * null if it was never printed or its file is missing or changed.
 */
export async function storedLetterPdf(db: Db, dataDir: string, messageId: string): Promise<Uint8Array | null> {
  const print = await lastPrintOf(db, messageId);
  return print ? readStored(dataDir, print.file, print.sha256) : null;
}

/** A printed batch and its stored PDF (null: no such batch; `bytes` null: its file is missing or changed). */
export async function storedBatch(db: Db, dataDir: string, batchId: string) {
  const [batch] = await db.select().from(letterBatches).where(eq(letterBatches.id, batchId));
  if (!batch) return null;
  return { batch, bytes: await readStored(dataDir, batch.file, batch.sha256) };
}

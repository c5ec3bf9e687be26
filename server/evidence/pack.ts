import { and, asc, eq, gte, inArray, isNull, lt, or, type SQL } from "drizzle-orm";
import { zipSync, type Zippable } from "fflate";
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFImage, type RGB } from "pdf-lib";
import { addDays, dateOfInstant, formatDateFr, zonedInstant } from "../../shared/dates";
import type { MessageStatus } from "../../shared/enums";
import { users } from "../auth/auth.sql";
import { actions, cases } from "../cases/cases.sql";
import { contracts, customers } from "../customers/customers.sql";
import type { Database } from "../db/client";
import { AppError } from "../errors";
import { messages } from "../messaging/messaging.sql";
import { A4, INK, LEFT, MM, MUTED, PageWriter, printable, RIGHT, WIDTH, wrap, type Fonts } from "../pdf";
import { sites, units } from "../sites/sites.sql";
import { senderSites } from "../sites/sites";
import { legalMentions, type SenderSite } from "../../shared/messaging/compose";
import { loadBlob, sha256Hex } from "./blobs";
import { chainOf, ERASURE_KIND, recordHash, tombstoneOf, verifyChain, type ChainReport, type ErasedEntry, type ErasureReason } from "./chain";
import { evidenceRecords, photos } from "./evidence.sql";
import { drawTimestamps, timestampFiles } from "./timestamp-pack";
import { timestampsOf, type TimestampRow } from "./timestamps";
import { deviceClockNote, originalLines } from "./originals";
import type { PhotoOriginal } from "../../shared/floor/original";
import { loadSettings } from "../engine/settings";
import { storedLetterPdf } from "../messaging/letters";
import { statementPdf } from "../statement/statement";
import { ROLE_LABEL, STAGE_LABEL } from "../../shared/labels";
import type { Role } from "../../shared/enums";
import { basisText, DISPOSAL_WORD, keptUntil, openedOnOf, witnessText, type DisposalBasis, type DisposalMethod, type Witness } from "../../shared/floor/opening";

/**
 * The evidence pack of a case, for a lawyer, a bailiff or a court: one PDF — who the customer is, whether the
 * evidence chain is intact, every line of the case's history with its author and time, the letters, e-mails and
 * SMS with what became of each (sent, or only written to the server's folder), each evidence record with its hashes, and each photo with its SHA-256 — and one ZIP of the original
 * photo files, a manifest, a checksum list (`sha256sum -c empreintes.txt`) and the PDF. Every time is printed in
 * the sites' time zone.
 */

export interface PackOptions {
  dataDir: string;
  /** When the pack is made: printed on it, and the date of its file name. */
  now: Date;
  timeZone: string;
  /** `TSA_URL`: unset, the pack says the chain is self-certified. */
  tsaUrl?: string;
}

export interface PackFile {
  /** `preuves-CL1003-2026-11-23.pdf` */
  fileName: string;
  bytes: Uint8Array;
}

export async function evidencePackPdf(db: Database, caseId: string, options: PackOptions): Promise<PackFile> {
  const pack = await loadPack(db, caseId, options);
  return { fileName: `${pack.baseName}.pdf`, bytes: await renderPdf(pack, options) };
}

/** The original photos (as the phones sent them: not re-encoded), `manifest.json`, `empreintes.txt` and the PDF. */
export async function evidencePackZip(db: Database, caseId: string, options: PackOptions): Promise<PackFile> {
  const pack = await loadPack(db, caseId, options);
  const pdf = await renderPdf(pack, options);
  const files = new Map<string, Uint8Array>([[`${pack.baseName}.pdf`, pdf]]);
  for (const p of pack.photos) if (p.bytes && p.fileName) files.set(p.fileName, p.bytes);
  for (const [name, bytes] of timestampFiles(pack.timestamps)) files.set(name, bytes);
  for (const l of pack.letters) {
    if (l.pdf) files.set(l.pdfName, l.pdf);
    if (l.ar?.bytes && l.ar.fileName) files.set(l.ar.fileName, l.ar.bytes);
  }
  // The customer's statement of account at the pack's date: what they owed, invoice by invoice, payment by payment.
  const statement = await statementPdf(db, pack.kase.customerId, dateOfInstant(options.now, options.timeZone));
  files.set(statement.fileName, statement.bytes);
  files.set("manifest.json", new TextEncoder().encode(`${JSON.stringify(manifestOf(pack, files, options), null, 2)}\n`));
  // The list sha256sum checks: every file of the archive but itself.
  const sums = [...files].map(([name, bytes]) => `${sha256Hex(bytes)}  ${name}`).join("\n");
  files.set("empreintes.txt", new TextEncoder().encode(`${sums}\n`));
  // Level 0: JPEG, PNG and WebP are compressed already; the archive only gathers them.
  const mtime = options.now;
  const entries: Zippable = Object.fromEntries([...files].map(([name, bytes]) => [name, [bytes, { level: 0, mtime }]]));
  return { fileName: `${pack.baseName}.zip`, bytes: zipSync(entries) };
}

// ————— What goes into the pack —————

interface Pack {
  baseName: string;
  kase: typeof cases.$inferSelect;
  customer: { name: string; ref: string };
  sites: string[];
  /** The boxes' sites as the office set them up: address and the operator's legal mentions. */
  siteDetails: SenderSite[];
  boxes: string[];
  history: HistoryRow[];
  sent: Sending[];
  /** The case's letters, each with the PDF printed for posting and the AR card's photo. */
  letters: PackLetter[];
  /** What a judge would find missing, said first. */
  attention: string[];
  /** The case's messages by id, for the history's sentences. */
  outbox: Map<string, typeof messages.$inferSelect>;
  records: (typeof evidenceRecords.$inferSelect & { authorName: string | null })[];
  photos: PackPhoto[];
  integrity: ChainReport;
  /** The keeping period the operator's settings give now (the longer of it and the one recorded applies). */
  keepGoodsDays: number;
  /** The chain's RFC 3161 timestamps, stamped or waiting. */
  timestamps: TimestampRow[];
}

interface HistoryRow {
  happenedAt: string;
  initials: string;
  userName: string | null;
  role: Role | null;
  kind: string;
  text: string;
  data: Record<string, unknown> | null;
  rejectedReason: string | null;
}

/** A letter of the case as it went: its stored print (null: never printed, or the file is gone) and what came back. */
interface PackLetter {
  message: typeof messages.$inferSelect;
  pdf: Uint8Array | null;
  /** Its name in the ZIP. */
  pdfName: string;
  /** The photo of the AR card (or of the envelope back unclaimed) the office attached, when it did. */
  ar: { sha256: string; mime: string | null; bytes: Buffer | null; fileName: string | null } | null;
}

/** A letter, e-mail or SMS: from the outbox, or a line of the history when it went another way. */
interface Sending {
  at: string;
  channel: string;
  lines: string[];
}

interface PackPhoto {
  sha256: string;
  /** Numbers of the records that name it. */
  seqs: number[];
  /** What it shows, in French. */
  label: string;
  stored: typeof photos.$inferSelect | null;
  bytes: Buffer | null;
  /** Whether the bytes held still hash to the photo's address (null: none held). */
  intact: boolean | null;
  /** Its name in the ZIP, when the server holds it. */
  fileName: string | null;
  /** The camera's original as the phone described it (null: not described); undefined for a drawn signature. */
  original: PhotoOriginal | null | undefined;
  /** The phone's and the server's times of the first record naming it, for the clock gap. */
  times: { deviceTime: string; receivedAt: string };
}

async function loadPack(db: Database, caseId: string, options: PackOptions): Promise<Pack> {
  const [kase] = await db.select().from(cases).where(eq(cases.id, caseId));
  if (!kase) throw new AppError("NOT_FOUND", "Dossier introuvable à vos sites.");
  const [customer] = await db.select({ name: customers.name, ref: customers.ref }).from(customers).where(eq(customers.id, kase.customerId));
  // A line without a case is the case's when it happened while the case was open (an acknowledgement of receipt).
  const from = zonedInstant(kase.openedOn, "00:00", options.timeZone);
  const until = kase.closedOn ? zonedInstant(addDays(kase.closedOn, 1), "00:00", options.timeZone) : null;
  const during = (column: typeof actions.happenedAt | typeof messages.createdAt): SQL => and(gte(column, from), until ? lt(column, until) : undefined)!;
  const chain = chainOf(kase.id, kase.customerId);
  const at = moments(options.timeZone);

  const [rented, history, outbox, records, integrity] = await Promise.all([
    db
      .select({ number: units.number, siteId: sites.id, site: sites.name, endDate: contracts.endDate })
      .from(contracts)
      .innerJoin(units, eq(units.id, contracts.unitId))
      .innerJoin(sites, eq(sites.id, units.siteId))
      .where(eq(contracts.customerId, kase.customerId))
      .orderBy(asc(sites.name), asc(units.number)),
    db
      .select({ happenedAt: actions.happenedAt, initials: actions.initials, userName: users.name, role: users.role, text: actions.text, kind: actions.kind, data: actions.data, rejectedReason: actions.rejectedReason })
      .from(actions)
      .leftJoin(users, eq(users.id, actions.userId))
      .where(and(eq(actions.customerId, kase.customerId), or(eq(actions.caseId, kase.id), and(isNull(actions.caseId), during(actions.happenedAt)))))
      .orderBy(asc(actions.happenedAt), asc(actions.recordedAt)),
    db
      .select()
      .from(messages)
      .where(and(eq(messages.customerId, kase.customerId), or(eq(messages.caseId, kase.id), and(isNull(messages.caseId), during(messages.createdAt)))))
      .orderBy(asc(messages.createdAt)),
    db
      .select({ record: evidenceRecords, authorName: users.name })
      .from(evidenceRecords)
      .leftJoin(users, eq(users.id, evidenceRecords.authorId))
      .where(eq(evidenceRecords.chain, chain))
      .orderBy(asc(evidenceRecords.seq)),
    verifyChain(db, options.dataDir, chain),
  ]);

  // The boxes the case is about: those still rented when it opened (all of them for a customer with none left).
  const current = rented.filter((r) => r.endDate === null || r.endDate >= kase.openedOn);
  const boxes = current.length > 0 ? current : rented;
  const sent: Sending[] = [
    ...outbox.map((m) => ({ at: m.sentAt ?? m.createdAt, channel: CHANNEL_WORD[m.channel], lines: sendingLines(m, at) })),
    // Lines of the history for a sending the outbox did not make (written on the floor, or before Cadenas).
    ...history
      .filter((a) => SENDING_KINDS.has(a.kind) && !a.data?.messageId)
      .map((a) => {
        const tracking = typeof a.data?.trackingNumber === "string" ? [`N° de suivi : ${a.data.trackingNumber}`] : [];
        return { at: a.happenedAt, channel: CHANNEL_WORD[a.kind as keyof typeof CHANNEL_WORD], lines: [a.text, ...tracking, `Inscrit à l'historique par ${authorOf({ ...a, role: a.role as Role | null, data: null })}`] };
      }),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));

  const letters = await lettersOf(db, options.dataDir, outbox, history);
  const records_ = records.map((r) => ({ ...r.record, authorName: r.authorName }));
  return {
    baseName: `preuves-${customer!.ref.replace(/[^A-Za-z0-9_-]+/g, "_")}-${dateOfInstant(options.now, options.timeZone)}`,
    kase,
    customer: customer!,
    sites: [...new Set(boxes.map((b) => b.site))],
    siteDetails: [...(await senderSites(db, boxes.map((b) => b.siteId))).values()].sort((a, b) => a.name.localeCompare(b.name, "fr")),
    boxes: [...new Set(boxes.map((b) => b.number))],
    history: history.map((a) => ({ ...a, role: (a.role as Role | null) ?? null, data: (a.data as Record<string, unknown> | null) ?? null })),
    sent,
    letters,
    outbox: new Map(outbox.map((m) => [m.id, m])),
    attention: [...erasureAttention(records_, at), ...attentionOf(letters, records_, at)],
    records: records_,
    photos: await photosOf(db, options.dataDir, records.map((r) => r.record)),
    integrity,
    keepGoodsDays: (await loadSettings(db)).keepGoodsDays,
    timestamps: await timestampsOf(db, chain),
  };
}

/** Each photo once, in the order the records name them, with what it shows and its bytes when the server holds them. */
async function photosOf(db: Database, dataDir: string, records: (typeof evidenceRecords.$inferSelect)[]): Promise<PackPhoto[]> {
  const bySha = new Map<string, PackPhoto>();
  for (const r of records) {
    const roles = Array.isArray(r.payload.roles) ? [...(r.payload.roles as { sha256?: string; role?: string }[])] : [];
    const signed = r.payload.signatures as { witness?: string; inventory?: string } | undefined;
    if (signed?.witness) roles.push({ sha256: signed.witness, role: "signature_witness" });
    if (signed?.inventory) roles.push({ sha256: signed.inventory, role: "signature_inventory" });
    for (const sha of r.photos) {
      const known = bySha.get(sha);
      if (known) {
        known.seqs.push(r.seq);
        continue;
      }
      const role = roles.find((x) => x.sha256 === sha)?.role;
      const label = role ? (ROLE_WORD[role] ?? role) : (KIND_WORD[r.kind] ?? r.kind);
      const slug = (role ?? r.kind).toLowerCase().replace(/[^a-z0-9]+/g, "-");
      const originals = (r.payload.originals ?? {}) as Record<string, PhotoOriginal>;
      const original = role?.startsWith("signature") ? undefined : (originals[sha] ?? null);
      const times = { deviceTime: r.deviceTime, receivedAt: r.receivedAt };
      bySha.set(sha, { sha256: sha, seqs: [r.seq], label, stored: null, bytes: null, intact: null, fileName: `photos/${r.seq}-${slug}-${sha.slice(0, 12)}`, original, times });
    }
  }
  const all = [...bySha.values()];
  const stored = all.length > 0 ? await db.select().from(photos).where(inArray(photos.sha256, [...bySha.keys()])) : [];
  for (const p of all) {
    p.stored = stored.find((s) => s.sha256 === p.sha256) ?? null;
    p.bytes = p.stored ? await loadBlob(dataDir, p.sha256) : null;
    p.intact = p.bytes ? sha256Hex(p.bytes) === p.sha256 : null;
    p.fileName = p.bytes ? `${p.fileName}.${EXTENSION[p.stored!.mime] ?? "bin"}` : null;
  }
  return all;
}

const LETTER_KINDS = new Set<string>(["letter", "registered_letter"]);

/** The case's letters with the print that went (stored when printed for posting) and the AR card's photo. */
async function lettersOf(db: Database, dataDir: string, outbox: (typeof messages.$inferSelect)[], history: { kind: string; data: unknown }[]): Promise<PackLetter[]> {
  const letters = outbox.filter((m) => LETTER_KINDS.has(m.channel) && m.status !== "cancelled");
  const out: PackLetter[] = [];
  for (const [i, m] of letters.entries()) {
    const receipt = history.find((a) => {
      const d = a.data as Record<string, unknown> | null;
      return a.kind === "note" && d?.messageId === m.id && typeof d.outcome === "string";
    });
    const sha = (receipt?.data as { photoSha256?: unknown } | undefined)?.photoSha256;
    let ar: PackLetter["ar"] = null;
    if (typeof sha === "string" && sha) {
      const [stored] = await db.select().from(photos).where(eq(photos.sha256, sha));
      const bytes = stored ? await loadBlob(dataDir, sha) : null;
      const intact = bytes && sha256Hex(bytes) === sha ? bytes : null;
      ar = { sha256: sha, mime: stored?.mime ?? null, bytes: intact, fileName: intact ? `courriers/${i + 1}-avis-de-reception-${sha.slice(0, 12)}.${EXTENSION[stored!.mime] ?? "bin"}` : null };
    }
    const step = (m.stepCode ?? "courrier").toLowerCase().replace(/[^a-z0-9]+/g, "-");
    out.push({ message: m, pdf: await storedLetterPdf(db, dataDir, m.id), pdfName: `courriers/${i + 1}-${step}-${m.channel === "registered_letter" ? "lrar" : "lettre"}.pdf`, ar });
  }
  return out;
}

const isTermination = (m: typeof messages.$inferSelect) => m.templateCode === "box-termination" || m.stepCode === "exit";
const isReceived = (m: typeof messages.$inferSelect) => m.deliveryStatus === "acknowledged" || m.deliveryStatus === "unclaimed";

/** "la mise en demeure (R3)", "la lettre de résiliation", "la relance 2 (LRAR)": what a letter is, in words. */
function letterName(m: typeof messages.$inferSelect): string {
  if (isTermination(m)) return "la lettre de résiliation (fin de contrat)";
  if (!m.stepCode) return m.subject ? `le courrier « ${m.subject} »` : "un courrier";
  const word = stepWord(m.stepCode);
  // Reminders and the formal notice are feminine nouns ("la relance 2", "la mise en demeure"); other steps are named.
  return /^(Relance|Mise en demeure)/.test(word) ? `la ${word.charAt(0).toLowerCase()}${word.slice(1)}` : `le courrier « ${word} »`;
}

/**
 * What a judge would look for and not find, said on the first page: a formal notice or a termination notice with
 * no receipt (its deadlines do not run), a letter never posted or posted without the print that went, an opening
 * without the witness's signature.
 */
function attentionOf(letters: PackLetter[], records: (typeof evidenceRecords.$inferSelect)[], at: Moments): string[] {
  const said: string[] = [];
  for (const { message: m, pdf } of letters) {
    const name = letterName(m);
    if (m.status !== "sent") {
      said.push(`${capitalized(name)} n'a jamais été postée (${STATUS_WORD[m.status] ?? m.status}).`);
      continue;
    }
    const posted = m.sentAt ? ` le ${at.minute(m.sentAt).slice(0, 10)}` : "";
    if (!pdf) said.push(`${capitalized(name)}, postée${posted}, n'a pas d'impression conservée : le texte exact envoyé n'est pas joint.`);
    if (m.channel === "registered_letter" && !isReceived(m)) {
      const tracking = m.providerId ? ` n° ${m.providerId}` : "";
      if (m.stepCode === "R3") said.push(`Mise en demeure envoyée en recommandé${tracking}${posted} : ni avis de réception signé ni pli avisé et non réclamé enregistré — le délai de 8 jours ne court pas.`);
      else if (isTermination(m)) said.push(`Lettre de résiliation envoyée en recommandé${tracking}${posted} : pas reçue (ni avis de réception ni pli avisé et non réclamé) — le délai de retrait des biens ne court pas.`);
      else said.push(`${capitalized(name)} envoyée en recommandé${tracking}${posted} : ni avis de réception ni pli avisé et non réclamé enregistré.`);
    }
  }
  for (const r of records.filter((x) => x.kind === "box.opened" && !tombstoneOf(x.payload))) {
    const signed = r.payload.signatures as { witness?: string } | undefined;
    if (!signed?.witness) said.push(`Ouverture du box ${String(r.payload.unitNumber ?? "")} le ${at.minute(r.deviceTime)} (enregistrement n° ${r.seq}) : sans signature du témoin.`);
  }
  return said;
}

function manifestOf(pack: Pack, files: Map<string, Uint8Array>, options: PackOptions) {
  return {
    case: { id: pack.kase.id, customerRef: pack.customer.ref, customer: pack.customer.name, openedOn: pack.kase.openedOn, status: pack.kase.status, closedOn: pack.kase.closedOn },
    generatedAt: options.now.toISOString(),
    timeZone: options.timeZone,
    integrity: { ok: pack.integrity.ok, records: pack.integrity.records, photosPending: pack.integrity.photosPending, problems: pack.integrity.problems },
    files: [...files].map(([name, bytes]) => ({ name, sha256: sha256Hex(bytes), size: bytes.length })),
    photos: pack.photos.map((p) => ({
      sha256: p.sha256,
      records: p.seqs,
      shows: p.label,
      file: p.fileName,
      received: p.stored !== null,
      mime: p.stored?.mime ?? null,
      size: p.stored?.sizeBytes ?? null,
      width: p.stored?.width ?? null,
      height: p.stored?.height ?? null,
      receivedAt: p.stored?.receivedAt ?? null,
      original: p.original ?? null,
      // False when the file held no longer hashes to its address: the integrity check names it.
      intact: p.intact,
    })),
    records: pack.records.map(({ authorName: _, ...r }) => r),
    // Each stamped head: its token and data are timestamps/<seq>.tsr and .data (openssl ts -verify).
    timestamps: pack.timestamps.map((t) => ({ recordSeq: t.recordSeq, headHash: t.headHash, genTime: t.genTime, tsa: t.tsaUrl, token: t.token ? `timestamps/${t.recordSeq}.tsr` : null })),
    letters: pack.letters.map(({ message: m, pdf, pdfName, ar }) => ({
      messageId: m.id,
      step: m.stepCode,
      channel: m.channel,
      postedAt: m.status === "sent" ? m.sentAt : null,
      trackingNumber: m.providerId,
      received: m.deliveryStatus && isReceived(m) ? { outcome: m.deliveryStatus, on: m.deliveredAt } : null,
      file: pdf ? pdfName : null,
      sha256: pdf ? sha256Hex(pdf) : null,
      arPhoto: ar ? { sha256: ar.sha256, file: ar.fileName } : null,
    })),
    attention: pack.attention,
  };
}

// ————— The PDF —————

const RED = rgb(0.7, 0.1, 0.1);
const GREEN = rgb(0.1, 0.45, 0.2);
const RULE = rgb(0.85, 0.87, 0.9);
const TINT = rgb(0.95, 0.96, 0.97);
const LINE = 1.4;

interface PackFonts extends Fonts {
  mono: PDFFont;
}

async function renderPdf(pack: Pack, options: PackOptions): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(`Dossier de preuves — ${pack.customer.name} (${pack.customer.ref})`);
  doc.setCreator("Cadenas");
  doc.setLanguage("fr-FR");
  doc.setCreationDate(options.now);
  doc.setModificationDate(options.now);
  const fonts: PackFonts = {
    regular: await doc.embedFont(StandardFonts.Helvetica),
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
    mono: await doc.embedFont(StandardFonts.Courier),
  };
  const at = moments(options.timeZone);
  const generated = at.minute(options.now);
  const w = new PageWriter(doc, fonts, (page, total) => ({
    left: `Dossier de preuves — ${pack.customer.name} (${pack.customer.ref}) — généré le ${generated}`,
    right: `Page ${page} / ${total}`,
  }));
  const numberOf = new Map(pack.photos.map((p, i) => [p.sha256, i + 1]));

  drawHeader(w, pack, generated, options.timeZone);
  drawAttention(w, pack);
  drawHistory(w, pack, at);
  drawSendings(w, pack, at);
  await drawOpenings(doc, w, pack, at, options.timeZone, numberOf);
  drawRecords(w, pack, at, fonts, numberOf);
  drawTimestamps(w, pack.timestamps, { tsaUrl: options.tsaUrl, mono: fonts.mono, minute: at.minute });
  await drawPhotos(doc, w, pack, at, fonts, options.timeZone);
  await drawLetters(doc, w, pack, at, fonts);
  w.finish();
  return doc.save();
}

function drawHeader(w: PageWriter, pack: Pack, generated: string, timeZone: string): void {
  const { kase } = pack;
  w.text("Dossier de preuves", { size: 18, bold: true, gap: 2 });
  w.text(`${pack.customer.name} — client ${pack.customer.ref}`, { size: 13, bold: true, gap: 8 });
  const zone = timeZone === "Europe/Paris" ? "heure de Paris" : `heure ${timeZone}`;
  const facts: [string, string][] = [
    [pack.sites.length > 1 ? "Sites" : "Site", pack.sites.join(", ") || "—"],
    ...pack.siteDetails.flatMap((s): [string, string][] => [
      ...(s.address ? [[pack.siteDetails.length > 1 ? `Adresse (${s.name})` : "Adresse du site", `${s.address}${s.phone ? ` — tél. ${s.phone}` : ""}`] as [string, string]] : []),
      ...(operatorLine(s) ? [[pack.siteDetails.length > 1 ? `Exploitant (${s.name})` : "Exploitant", operatorLine(s)!] as [string, string]] : []),
    ]),
    ["Box", pack.boxes.join(", ") || "—"],
    ["Dossier ouvert le", formatDateFr(kase.openedOn)],
    ["État du dossier", `${CASE_STATUS_WORD[kase.status] ?? kase.status}${kase.closedOn ? ` le ${formatDateFr(kase.closedOn)}` : ""}${kase.level !== "none" ? ` — niveau ${kase.level}` : ""}`],
    ["Généré le", `${generated} (toutes les heures du document sont en ${zone})`],
  ];
  for (const [label, value] of facts) row(w, [{ text: label, width: 42 * MM, color: MUTED }, { text: value }], { size: 10 });
  w.y -= 8;

  const { integrity } = pack;
  const pending = integrity.photosPending.length;
  const lines: Line[] = integrity.ok
    ? [{ text: `Chaîne de preuves intègre (${integrity.records} enregistrement${integrity.records > 1 ? "s" : ""})`, bold: true, color: GREEN }]
    : [{ text: "Chaîne de preuves : anomalies détectées", bold: true, color: RED }, ...integrity.problems.map((p) => ({ text: `• ${p}`, color: RED }))];
  lines.push({ text: "Chaque enregistrement porte l'empreinte SHA-256 du précédent : une modification ou une suppression après coup se voit ici.", color: MUTED, size: 8.5 });
  if (pending > 0) lines.push({ text: `${pending} photo${pending > 1 ? "s" : ""} pas encore reçue${pending > 1 ? "s" : ""} par le serveur (envoi en cours depuis le téléphone).`, color: MUTED, size: 8.5 });
  panel(w, lines);
}

/** "SAS X — SIRET … — RCS … — siège social : …", or null when the site has no legal mentions. */
/** The operator's legal mentions, as its letters print them. */
export function operatorLine(site: SenderSite): string | null {
  return site.letterhead ? legalMentions(site.letterhead) : null;
}

function drawAttention(w: PageWriter, pack: Pack): void {
  if (pack.attention.length === 0) {
    panel(w, [{ text: "Points d'attention : aucun (chaque courrier du dossier a été posté avec son impression conservée, chaque recommandé a sa réception enregistrée).", color: GREEN, size: 9.5 }]);
    return;
  }
  panel(w, [{ text: "Points d'attention", bold: true, color: RED, size: 11 }, ...pack.attention.map((a) => ({ text: `• ${a}`, color: RED, size: 9.5 }))]);
}

/** The case's history as sentences a judge reads: "Le 14/10/2026 à 09:00, Cadenas (envoi automatique) a envoyé …". */
function drawHistory(w: PageWriter, pack: Pack, at: Moments): void {
  heading(w, "Chronologie");
  if (pack.history.length === 0) return note(w, "Aucune action inscrite pour ce dossier.");
  for (const a of pack.history) {
    const text = historySentence(a, pack, at);
    row(w, [{ text: a.rejectedReason ? `${text}\nSans effet : ${a.rejectedReason}` : text }], { size: 9, rule: true });
  }
}

/** Who did it: "Valérie Thomas (gestionnaire de site)", "Cadenas (envoi automatique)", or the initials the log kept. */
function authorOf(a: HistoryRow): string {
  if (a.initials === "SYS") return "Cadenas (envoi automatique)";
  if (a.userName) return `${a.userName} (${a.role ? ROLE_LABEL[a.role].toLowerCase() : a.initials})`;
  return a.initials;
}

/** A step's name in words: "Mise en demeure", "Relance 1"; a step the table does not name, "relance 4". */
export function stepWord(code: string): string {
  return STAGE_LABEL[code] ?? (/^R\d$/.test(code) ? `Relance ${code.slice(1)}` : code);
}

/** Step codes in a line the billing software's log wrote ("LRAR R3 envoyée") spelt out for a reader. */
function spelledOut(text: string): string {
  return text.replace(/\b(R\d)\b/g, (code) => `« ${stepWord(code)} »`);
}

function historySentence(a: HistoryRow, pack: Pack, at: Moments): string {
  const when = at.minute(a.happenedAt).replace(" ", " à ");
  const who = authorOf(a);
  const d = a.data ?? {};
  const step = typeof d.step === "string" ? d.step : null;
  const message = typeof d.messageId === "string" ? pack.letters.find((l) => l.message.id === d.messageId)?.message ?? null : null;
  const stepName = step ? `« ${stepWord(step)} »` : null;
  if (a.kind === "level_changed" && typeof d.level === "string") return `Le ${when}, ${who} a fait passer le dossier à l'étape « ${stepWord(d.level)} ».`;
  if ((a.kind === "registered_letter" || a.kind === "letter") && d.messageId) {
    const how = a.kind === "registered_letter" ? `en lettre recommandée avec avis de réception${typeof d.trackingNumber === "string" ? ` n° ${d.trackingNumber}` : ""}` : "en lettre simple";
    const what = message ? letterName(message) : stepName ? `la lettre ${stepName}` : "une lettre";
    return `Le ${when}, ${who} a posté ${what} ${how}${message?.subject ? ` : « ${message.subject} »` : ""}.`;
  }
  if (a.kind === "note" && typeof d.outcome === "string" && typeof d.receivedOn === "string") {
    const what = message ? letterName(message) : stepName ? `la lettre ${stepName}` : "la lettre recommandée";
    const tracking = message?.providerId ? ` (n° ${message.providerId})` : "";
    return d.outcome === "unclaimed"
      ? `Le ${when}, ${who} a enregistré le retour de ${what}${tracking} : pli avisé et non réclamé, revenu le ${formatDateFr(d.receivedOn)}.`
      : `Le ${when}, ${who} a enregistré l'avis de réception de ${what}${tracking}, signé le ${formatDateFr(d.receivedOn)}.`;
  }
  const sent = typeof d.messageId === "string" ? pack.outbox.get(d.messageId) : undefined;
  if ((a.kind === "email" || a.kind === "sms") && sent) {
    const channel = a.kind === "email" ? "par courriel" : "par SMS";
    const what = stepName ? `la relance ${stepName}` : sent.subject ? `le message « ${sent.subject} »` : "un message";
    const subject = stepName && sent.subject ? ` (« ${sent.subject} »)` : "";
    return d.delivery === "local_folder"
      ? `Le ${when}, ${who} a écrit ${what} ${channel} pour ${sent.recipient}${subject} dans le dossier local du serveur, sans l'envoyer au client.`
      : `Le ${when}, ${who} a envoyé ${what} ${channel} à ${sent.recipient}${subject}.`;
  }
  // "Double cadenas posé…" reads on after the colon in lower case; "SMS envoyé…" keeps its capitals.
  const text = /^\p{Lu}\p{Ll}/u.test(a.text) ? a.text.charAt(0).toLowerCase() + a.text.slice(1) : a.text;
  return `Le ${when}, ${who} : ${spelledOut(text)}${/[.!?»]$/.test(a.text) ? "" : "."}`;
}

function drawSendings(w: PageWriter, pack: Pack, at: Moments): void {
  heading(w, "Courriers et envois");
  if (pack.sent.length === 0) return note(w, "Aucun courrier, courriel ni SMS pour ce dossier.");
  for (const s of pack.sent) {
    row(w, [{ text: at.minute(s.at), width: 30 * MM }, { text: s.channel, width: 34 * MM, bold: true }, { text: s.lines.join("\n") }], { size: 9, rule: true });
  }
}

/**
 * Each box opened in the case, as a judge reads it: who witnessed it (a commissaire de justice with their office and
 * report, or a plain witness — and that the operator chose to allow one), the inventory with the signatures drawn
 * on the phone, how long the contents are kept, the legal basis the office entered for disposing of them, and what
 * became of them.
 */
async function drawOpenings(doc: PDFDocument, w: PageWriter, pack: Pack, at: Moments, timeZone: string, numberOf: Map<string, number>): Promise<void> {
  const openings = pack.records.filter((r) => r.kind === "box.opened");
  if (openings.length === 0) return;
  heading(w, "Ouverture du box et sort des biens", 90);
  for (const o of openings) {
    const p = o.payload;
    const later = pack.records.filter((r) => r.unitId === o.unitId && r.seq > o.seq);
    const basis = later.filter((r) => r.kind === "disposal.basis").at(-1);
    const cleared = later.find((r) => r.kind === "box.cleared");
    const witness = p.witness as Witness | string | undefined;
    const recordedDays = typeof p.keepGoodsDays === "number" ? p.keepGoodsDays : null;
    const openedOn = openedOnOf(dateOfInstant(o.deviceTime, timeZone), dateOfInstant(o.receivedAt, timeZone));
    const days = Math.max(recordedDays ?? 0, pack.keepGoodsDays);
    const witnessLines =
      typeof witness === "object"
        ? witness.kind === "bailiff"
          ? `${witness.name}, commissaire de justice — étude : ${witness.office} — procès-verbal de constat : ${witness.reportRef}`
          : `${witnessText(witness)} — simple témoin accepté par l'exploitant (réglage « Accepter un simple témoin » activé ; par défaut, Cadenas demande un commissaire de justice).`
        : witness
          ? `${witness} (identité saisie en un seul champ, avant l'enregistrement de la qualité du témoin)`
          : "non renseigné";
    const facts: [string, string][] = [
      ["Box", `${String(p.unitNumber ?? "")} — ouvert le ${at.minute(o.deviceTime)} par ${o.authorName ?? o.authorInitials} (enregistrement n° ${o.seq})`],
      ["Témoin", witnessLines],
      ["Inventaire", String(p.inventory ?? "—")],
      ["Nouveau cadenas", String(p.newPadlockNumber ?? "—")],
      ["Conservation", `Contenu inventorié conservé ${days} jours après l'ouverture, jusqu'au ${formatDateFr(keptUntil({ openedOn, recordedDays, currentDays: pack.keepGoodsDays }))} inclus ; aucun enlèvement ne peut être enregistré avant.`],
      [
        "Base légale",
        basis
          ? `${basisText(basis.payload.basis as DisposalBasis)} — saisie par ${basis.authorName ?? basis.authorInitials} le ${at.minute(basis.receivedAt)} (enregistrement n° ${basis.seq})`
          : "Aucune saisie : le contenu ne peut pas être enlevé (ni benne, ni vente, ni don).",
      ],
      [
        "Sort des biens",
        cleared
          ? `${capitalized(DISPOSAL_WORD[cleared.payload.method as DisposalMethod] ?? "mise à la benne")} le ${at.minute(cleared.deviceTime)} par ${cleared.authorName ?? cleared.authorInitials} (enregistrement n° ${cleared.seq})`
          : "Contenu conservé, pas d'enlèvement enregistré.",
      ],
    ];
    w.need(60);
    for (const [label, value] of facts) row(w, [{ text: label, width: 36 * MM, color: MUTED }, { text: value }], { size: 9.5 });
    const signed = p.signatures as { witness?: string; inventory?: string } | undefined;
    const pads = [
      { label: "Signature du témoin", sha: signed?.witness },
      { label: "Signature sous l'inventaire", sha: signed?.inventory },
    ];
    const box = { width: 80 * MM, height: 32 * MM };
    w.need(box.height + 20);
    w.y -= 4;
    const top = w.y;
    for (const [i, pad] of pads.entries()) {
      const x = LEFT + i * (box.width + 8 * MM);
      w.page.drawText(printable(pad.label, w.fonts.bold), { x, y: top - 9, size: 9, font: w.fonts.bold, color: INK });
      const y = top - 12 - box.height;
      w.page.drawRectangle({ x, y, width: box.width, height: box.height, borderColor: RULE, borderWidth: 0.8 });
      const photo = pack.photos.find((ph) => ph.sha256 === pad.sha);
      const image = photo?.bytes && photo.stored ? await embed(doc, photo.stored.mime, photo.bytes) : null;
      if (image) {
        const scale = Math.min((box.width - 4) / image.width, (box.height - 4) / image.height);
        const [iw, ih] = [image.width * scale, image.height * scale];
        w.page.drawImage(image, { x: x + (box.width - iw) / 2, y: y + (box.height - ih) / 2, width: iw, height: ih });
      } else {
        const why = pad.sha ? "pas encore reçue par le serveur" : "pas de signature enregistrée";
        w.page.drawText(printable(why, w.fonts.regular), { x: x + 4, y: y + box.height / 2, size: 8.5, font: w.fonts.regular, color: MUTED });
      }
      if (pad.sha) w.page.drawText(printable(`photo n° ${numberOf.get(pad.sha) ?? "?"} — SHA-256 ${pad.sha.slice(0, 16)}…`, w.fonts.regular), { x, y: y - 9, size: 7.5, font: w.fonts.regular, color: MUTED });
    }
    w.y = top - 12 - box.height - 16;
    w.page.drawLine({ start: { x: LEFT, y: w.y }, end: { x: RIGHT, y: w.y }, thickness: 0.4, color: RULE });
    w.y -= 6;
  }
}

function drawRecords(w: PageWriter, pack: Pack, at: Moments, fonts: PackFonts, numberOf: Map<string, number>): void {
  heading(w, "Enregistrements de preuve", RECORD_HEIGHT);
  if (pack.records.length === 0) return note(w, "Aucun enregistrement de preuve pour ce dossier (pas de cadenas posé ni de box ouvert avec photos).");
  for (const r of pack.records) {
    const shots = r.photos.map((h) => numberOf.get(h)!);
    const fields: [string, string, PDFFont?][] = [
      ["Auteur", r.authorName ? `${r.authorInitials} — ${r.authorName}` : r.authorInitials],
      ["Heure du téléphone", at.second(r.deviceTime) + deviceClockNote(r)],
      ["Reçu par le serveur", at.second(r.receivedAt)],
      ["Détails", recordDetails(r, at)],
      ["Photos", shots.length === 0 ? "aucune" : `${shots.length} : ${shots.length > 1 ? "photos" : "photo"} n° ${shots.join(", ")} ci-après`],
      ["Empreinte", r.hash, fonts.mono],
      ["Précédente", r.prevHash, fonts.mono],
    ];
    const { authorName: _, hash, ...content } = r;
    w.need(RECORD_HEIGHT);
    w.text(`N° ${r.seq} — ${KIND_WORD[r.kind] ?? r.kind}`, { size: 10.5, bold: true, gap: 1 });
    for (const [label, value, font] of fields) row(w, [{ text: label, width: 36 * MM, color: MUTED }, { text: value, font }], { size: font ? 8.5 : 9 });
    // A tombstone's content is gone: the integrity check on page 1 vouches for it against its erasure record.
    if (!tombstoneOf(r.payload) && recordHash(content) !== hash) row(w, [{ text: "", width: 36 * MM }, { text: "Le contenu de cet enregistrement ne correspond plus à son empreinte (modifié après coup).", color: RED }], { size: 9 });
    w.y -= 4;
    w.page.drawLine({ start: { x: LEFT, y: w.y }, end: { x: RIGHT, y: w.y }, thickness: 0.4, color: RULE });
    w.y -= 6;
  }
}

/** A record's block: its title and seven lines of fields (a longer one goes on over the page). */
const RECORD_HEIGHT = 9 * LINE * 8 + 16;

const PHOTO_BOX = { width: WIDTH, height: 88 * MM };
const PLACEHOLDER_HEIGHT = 32 * MM;

async function drawPhotos(doc: PDFDocument, w: PageWriter, pack: Pack, at: Moments, fonts: PackFonts, timeZone: string): Promise<void> {
  if (pack.photos.length === 0) return;
  w.newPage();
  heading(w, "Photos");
  for (const [i, p] of pack.photos.entries()) {
    const image = p.bytes && p.stored ? await embed(doc, p.stored.mime, p.bytes) : null;
    const size = image ? fit(image.width, image.height) : { width: WIDTH, height: PLACEHOLDER_HEIGHT };
    w.need(14 + size.height + 8 + 3 * 9 * LINE + 10);
    w.text(`Photo ${i + 1} — ${p.label} (enregistrement${p.seqs.length > 1 ? "s" : ""} n° ${p.seqs.join(", ")})`, { size: 10.5, bold: true, gap: 3 });
    if (image) {
      w.page.drawImage(image, { x: LEFT + (WIDTH - size.width) / 2, y: w.y - size.height, width: size.width, height: size.height });
    } else {
      const why = p.stored?.erasedAt
        ? `Photo effacée le ${at.minute(p.stored.erasedAt).slice(0, 10)} (données personnelles) : seule son empreinte reste`
        : !p.stored
        ? "Photo pas encore reçue par le serveur"
        : !p.bytes
          ? "Fichier de la photo introuvable sur le serveur"
          : p.stored.mime === "image/webp"
            ? "format WebP : voir l'original dans le ZIP"
            : "image illisible ici : voir l'original dans le ZIP";
      placeholder(w, why, size.height, fonts);
    }
    w.y -= size.height + 6;
    row(w, [{ text: "SHA-256", width: 18 * MM, color: MUTED }, { text: p.sha256, font: fonts.mono }], { size: 8.5 });
    if (p.stored && !p.stored.erasedAt) {
      const s = p.stored;
      const dims = s.width && s.height ? ` — ${s.width} × ${s.height} px` : "";
      row(w, [{ text: "Fichier", width: 18 * MM, color: MUTED }, { text: `${MIME_WORD[s.mime] ?? s.mime}, ${bytesFr(s.sizeBytes)}${dims} — reçue par le serveur le ${at.second(s.receivedAt)}` }], { size: 8.5 });
      if (p.intact === false) row(w, [{ text: "", width: 18 * MM }, { text: "Le fichier conservé ne correspond plus à cette empreinte (voir l'intégrité en page 1).", color: RED }], { size: 8.5 });
    }
    if (p.original !== undefined) {
      for (const line of originalLines(p.original, p.times, timeZone, at.second)) row(w, [{ text: "", width: 18 * MM }, { text: line.text, color: line.flagged ? RED : undefined }], { size: 8.5 });
    }
    w.y -= 10;
  }
}

/**
 * Annex: each letter as it was sent — the PDF stored when it was printed for posting, its pages drawn at a reduced
 * scale on the pack's pages (so the pack's page numbers run on, and each page says which letter it is) — preceded by
 * what became of it, with the photo of the AR card beside it.
 */
async function drawLetters(doc: PDFDocument, w: PageWriter, pack: Pack, at: Moments, fonts: PackFonts): Promise<void> {
  if (pack.letters.length === 0) return;
  w.newPage();
  heading(w, "Annexe — Courriers envoyés");
  note(w, "Chaque courrier tel qu'il a été imprimé pour l'envoi (fichier conservé par le serveur, son empreinte SHA-256 est dans le manifeste du ZIP), dans ses exemplaires.");
  for (const [i, l] of pack.letters.entries()) {
    const m = l.message;
    const posted = m.status === "sent" && m.sentAt ? `postée le ${at.minute(m.sentAt).slice(0, 10)}` : "jamais postée";
    const received =
      m.deliveryStatus === "acknowledged"
        ? `avis de réception signé le ${formatDateFr(m.deliveredAt!)}`
        : m.deliveryStatus === "unclaimed"
          ? `pli avisé et non réclamé, revenu le ${formatDateFr(m.deliveredAt!)}`
          : m.channel === "registered_letter" && m.status === "sent"
            ? "aucun avis de réception ni retour enregistré"
            : null;
    const title = `Courrier ${i + 1} — ${capitalized(letterName(m))}`;
    const facts = [CHANNEL_WORD[m.channel as keyof typeof CHANNEL_WORD] ?? m.channel, posted, m.providerId ? `n° de suivi ${m.providerId}` : null, received ? `reçu : ${received}` : null].filter(Boolean).join(" — ");
    w.need(120);
    w.text(title, { size: 11, bold: true, gap: 1 });
    w.text(facts, { size: 9.5, gap: 4 });
    if (l.ar) {
      const image = l.ar.bytes && l.ar.mime ? await embed(doc, l.ar.mime, l.ar.bytes) : null;
      w.text(m.deliveryStatus === "unclaimed" ? "Photo du pli revenu :" : "Photo de l'avis de réception :", { size: 9, bold: true, gap: 2 });
      if (image) {
        const scale = Math.min(WIDTH / image.width, (70 * MM) / image.height, 4);
        const [iw, ih] = [image.width * scale, image.height * scale];
        w.need(ih + 4);
        w.page.drawImage(image, { x: LEFT, y: w.y - ih, width: iw, height: ih });
        w.y -= ih + 4;
      } else {
        w.need(PLACEHOLDER_HEIGHT);
        placeholder(w, l.ar.bytes ? "image illisible ici : voir le ZIP" : "Photo pas encore reçue par le serveur", PLACEHOLDER_HEIGHT, fonts);
        w.y -= PLACEHOLDER_HEIGHT + 4;
      }
      row(w, [{ text: "SHA-256", width: 18 * MM, color: MUTED }, { text: l.ar.sha256, font: fonts.mono }], { size: 8 });
    }
    if (!l.pdf) {
      note(w, m.status === "sent" ? "Pas d'impression conservée pour ce courrier : son texte exact n'est pas joint." : "Courrier jamais imprimé pour l'envoi.");
      w.y -= 8;
      continue;
    }
    const source = await PDFDocument.load(l.pdf);
    const pages = await doc.embedPages(source.getPages());
    for (const [n, page] of pages.entries()) {
      if (n > 0 || w.y - 450 < PageWriter.BOTTOM) {
        w.newPage();
        w.text(`${title} — page ${n + 1} / ${pages.length} du courrier`, { size: 9, color: MUTED, gap: 2 });
      }
      const room = w.y - PageWriter.BOTTOM - 4;
      const scale = Math.min(WIDTH / page.width, room / page.height);
      const [pw, ph] = [page.width * scale, page.height * scale];
      const x = LEFT + (WIDTH - pw) / 2;
      w.page.drawPage(page, { x, y: w.y - ph, width: pw, height: ph });
      w.page.drawRectangle({ x, y: w.y - ph, width: pw, height: ph, borderColor: RULE, borderWidth: 0.8 });
      w.y -= ph + 4;
    }
    if (i < pack.letters.length - 1) w.newPage();
  }
}

/** The image as pdf-lib can place it, or null for a format it cannot (WebP) or a file it cannot read. */
export async function embed(doc: PDFDocument, mime: string, bytes: Uint8Array): Promise<PDFImage | null> {
  try {
    if (mime === "image/jpeg") return await doc.embedJpg(bytes);
    if (mime === "image/png") return await doc.embedPng(bytes);
  } catch {
    // A damaged file: the original is in the ZIP.
  }
  return null;
}

/** Scaled into the photo box, keeping its proportions; a tiny image is not blown up past four times. */
function fit(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(PHOTO_BOX.width / width, PHOTO_BOX.height / height, 4);
  return { width: width * scale, height: height * scale };
}

function placeholder(w: PageWriter, text: string, height: number, fonts: PackFonts): void {
  w.page.drawRectangle({ x: LEFT, y: w.y - height, width: WIDTH, height, color: TINT, borderColor: RULE, borderWidth: 1, borderDashArray: [4, 3] });
  const label = printable(text, fonts.bold);
  const size = 11;
  w.page.drawText(label, { x: LEFT + (WIDTH - fonts.bold.widthOfTextAtSize(label, size)) / 2, y: w.y - height / 2 - size / 3, size, font: fonts.bold, color: MUTED });
}

/** A section title, on the same page as the first `keep` points of what follows it. */
export function heading(w: PageWriter, title: string, keep = 30): void {
  w.need(36 + keep);
  w.y -= 10;
  w.text(title, { size: 13, bold: true, gap: 1 });
  w.page.drawLine({ start: { x: LEFT, y: w.y }, end: { x: RIGHT, y: w.y }, thickness: 0.8, color: INK });
  w.y -= 6;
}

export function note(w: PageWriter, text: string): void {
  w.text(text, { size: 9.5, color: MUTED, gap: 4 });
}

export interface Cell {
  text: string;
  /** The last cell takes the rest of the line. */
  width?: number;
  bold?: boolean;
  font?: PDFFont;
  color?: RGB;
}

/**
 * Cells side by side, each wrapped in its column; the row is kept on one page when it fits on one, and goes on
 * over the next page when it is longer than a page.
 */
export function row(w: PageWriter, cells: Cell[], options: { size: number; rule?: boolean }): void {
  const { size } = options;
  const step = size * LINE;
  let x = LEFT;
  const columns = cells.map((cell) => {
    const font = cell.font ?? (cell.bold ? w.fonts.bold : w.fonts.regular);
    const width = cell.width ?? RIGHT - x;
    const column = { x, font, color: cell.color ?? INK, lines: wrap(printable(cell.text, font), font, size, width - 3 * MM) };
    x += width;
    return column;
  });
  const count = Math.max(...columns.map((c) => c.lines.length));
  w.need(Math.min(count * step + 3, A4.height - 25 * MM - PageWriter.BOTTOM));
  w.y -= 1.5;
  for (let i = 0; i < count; i++) {
    w.need(step);
    for (const c of columns) {
      const line = c.lines[i];
      if (line) w.page.drawText(line, { x: c.x, y: w.y - size, size, font: c.font, color: c.color });
    }
    w.y -= step;
  }
  w.y -= 1.5;
  if (options.rule) w.page.drawLine({ start: { x: LEFT, y: w.y }, end: { x: RIGHT, y: w.y }, thickness: 0.3, color: RULE });
}

export interface Line {
  text: string;
  bold?: boolean;
  color?: RGB;
  size?: number;
}

/** Lines on a tinted panel (the integrity check); a panel longer than a page is written without its tint. */
export function panel(w: PageWriter, lines: Line[]): void {
  const pad = 3 * MM;
  const laid = lines.map((l) => {
    const font = l.bold ? w.fonts.bold : w.fonts.regular;
    const size = l.size ?? 10;
    return { ...l, font, size, wrapped: wrap(printable(l.text, font), font, size, WIDTH - 2 * pad) };
  });
  const height = laid.reduce((h, l) => h + l.wrapped.length * l.size * LINE, 0) + 2 * pad;
  if (height < A4.height - 25 * MM - PageWriter.BOTTOM) {
    w.need(height);
    w.page.drawRectangle({ x: LEFT, y: w.y - height, width: WIDTH, height, color: TINT });
    w.page.drawRectangle({ x: LEFT, y: w.y - height, width: 1.2 * MM, height, color: laid[0]!.color ?? INK });
  }
  w.y -= pad;
  for (const l of laid) w.text(l.text, { x: LEFT + pad, width: WIDTH - 2 * pad, size: l.size, bold: l.bold, color: l.color });
  w.y -= pad;
}

// ————— Words and formats —————

export const KIND_WORD: Record<string, string> = {
  "padlock.placed": "Pose du double cadenas",
  "padlock.removed": "Retrait du double cadenas",
  "box.opened": "Ouverture du box",
  "box.cleared": "Enlèvement du contenu",
  "disposal.basis": "Base légale de l'enlèvement (saisie par le bureau)",
  [ERASURE_KIND]: "Effacement des données personnelles",
};

const ERASURE_WORD: Record<ErasureReason, string> = {
  retention: "durée de conservation écoulée",
  erasure_request: "à la demande de la personne",
};

/** What the pack says first of an erased case: when, why, what went, and that the accounting lines stayed. */
function erasureAttention(records: (typeof evidenceRecords.$inferSelect)[], at: Moments): string[] {
  return records
    .filter((r) => r.kind === ERASURE_KIND)
    .map((r) => {
      const erased = ((r.payload.erased ?? []) as ErasedEntry[]).map((e) => e.seq);
      const photoCount = ((r.payload.photos ?? []) as string[]).length;
      return (
        `Données personnelles effacées le ${at.minute(r.receivedAt)} (${ERASURE_WORD[r.payload.reason as ErasureReason] ?? String(r.payload.reason)}, enregistrement n° ${r.seq}) : ` +
        `${erased.length > 0 ? `le contenu des enregistrements n° ${erased.join(", ")} est remplacé par une mention d'effacement qui garde leur empreinte` : "aucun enregistrement à effacer"}` +
        `${photoCount > 0 ? ` ; ${photoCount} photo${photoCount > 1 ? "s" : ""} supprimée${photoCount > 1 ? "s" : ""} (empreintes conservées)` : ""}. Nom, coordonnées et textes libres sont effacés ; les références, montants et dates comptables sont conservés.`
      );
    });
}

/** A record's details: its payload in words, or what an erasure did. */
export function recordDetails(r: typeof evidenceRecords.$inferSelect, at: Moments): string {
  const tombstone = tombstoneOf(r.payload);
  if (tombstone) return `contenu effacé le ${at.minute(tombstone.at)} (${ERASURE_WORD[tombstone.reason] ?? tombstone.reason}) ; l'effacement est attesté par l'enregistrement n° ${tombstone.record}, l'empreinte d'origine est conservée`;
  if (r.kind === ERASURE_KIND) {
    const erased = ((r.payload.erased ?? []) as ErasedEntry[]).map((e) => e.seq);
    const photoCount = ((r.payload.photos ?? []) as string[]).length;
    return `${ERASURE_WORD[r.payload.reason as ErasureReason] ?? String(r.payload.reason)} ; enregistrements effacés : ${erased.join(", ") || "aucun"} ; photos supprimées : ${photoCount}`;
  }
  return payloadSummary(r.payload) || "—";
}

export const ROLE_WORD: Record<string, string> = {
  door: "Porte et numéro du box",
  lock_cut: "Cadenas coupé",
  contents: "Contenu du box",
  signature_witness: "Signature du témoin",
  signature_inventory: "Signature sous l'inventaire",
};

export const CHANNEL_WORD = { email: "Courriel", sms: "SMS", letter: "Lettre simple", registered_letter: "Lettre recommandée AR" } as const;
const SENDING_KINDS = new Set<string>(Object.keys(CHANNEL_WORD));

export const STATUS_WORD: Record<MessageStatus, string> = {
  queued: "en attente d'envoi",
  sending: "en cours d'envoi",
  sent: "envoyé",
  // No provider was set: the message is a file on the server, the customer never received it.
  written: "pas envoyé au client — seulement écrit dans le dossier local du serveur (aucun fournisseur d'envoi configuré)",
  failed: "échec de l'envoi",
  cancelled: "annulé",
  unknown: "incertain (à vérifier auprès du fournisseur)",
};

export const DELIVERY_WORD: Record<string, string> = { acknowledged: "avis de réception signé", unclaimed: "pli avisé et non réclamé, revenu", delivered: "remis", sent: "envoyé", accepted: "accepté par l'opérateur", hardBounces: "non remis (numéro invalide)", softBounces: "non remis (échec temporaire)", blocked: "non remis (numéro bloqué)", rejected: "non remis (refusé par l'opérateur)", skipped: "non envoyé par le fournisseur" };

export const CASE_STATUS_WORD: Record<string, string> = { open: "ouvert", paid: "soldé", written_off: "abandonné (passé en perte)", contract_ended: "clos (contrat terminé)" };

const MIME_WORD: Record<string, string> = { "image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP" };
export const EXTENSION: Record<string, string> = { "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp" };

function sendingLines(m: typeof messages.$inferSelect, at: Moments): string[] {
  const lines = [m.subject ? `« ${m.subject} »` : m.body.length > 160 ? `${m.body.slice(0, 160)}…` : m.body, `À : ${m.recipient}`];
  let state = `État : ${STATUS_WORD[m.status] ?? m.status}`;
  if (m.status === "sent" && m.sentAt) state += ` le ${at.minute(m.sentAt)}`;
  if (m.status === "written" && m.sentAt) state += `, le ${at.minute(m.sentAt)}`;
  if (m.status === "failed" && m.lastError) state += ` — ${m.lastError}`;
  lines.push(state);
  if (m.channel === "registered_letter" && m.providerId) lines.push(`N° de suivi : ${m.providerId}`);
  if (m.deliveryStatus) {
    const when = m.deliveredAt ? ` le ${/^\d{4}-\d{2}-\d{2}$/.test(m.deliveredAt) ? formatDateFr(m.deliveredAt) : at.minute(m.deliveredAt)}` : "";
    lines.push(`Distribution : ${DELIVERY_WORD[m.deliveryStatus] ?? m.deliveryStatus}${when}`);
  }
  return lines;
}

/** The facts a record carries besides its photos, in French. */
export function payloadSummary(payload: Record<string, unknown>): string {
  const said: string[] = [];
  for (const [key, value] of Object.entries(payload)) {
    // The originals are told with each photo, below.
    if (value === null || value === undefined || value === "" || key === "roles" || key === "originals") continue;
    const word = PAYLOAD_WORD[key];
    said.push(word ? word(value) : `${key} : ${typeof value === "string" ? value : JSON.stringify(value)}`);
  }
  return said.join(" ; ");
}

const PAYLOAD_WORD: Record<string, (v: unknown) => string> = {
  unitNumber: (v) => `box ${String(v)}`,
  padlockNumber: (v) => `cadenas n° ${String(v)}`,
  newPadlockNumber: (v) => `nouveau cadenas n° ${String(v)}`,
  // A witness recorded before the witness's identity had its fields was a name alone.
  witness: (v) => `témoin : ${typeof v === "string" ? v : witnessText(v as Witness)}`,
  plainWitnessAllowed: () => "simple témoin accepté par l'exploitant (réglage activé ; par défaut un commissaire de justice)",
  signatures: (v) => `signatures dessinées sur le téléphone : témoin ${String((v as { witness?: string }).witness ?? "").slice(0, 12)}…, inventaire ${String((v as { inventory?: string }).inventory ?? "").slice(0, 12)}… (images ci-après)`,
  inventory: (v) => `inventaire : ${String(v)}`,
  keepGoodsDays: (v) => `contenu conservé ${String(v)} jours après l'ouverture`,
  basis: (v) => (typeof v === "string" ? `sur la base légale enregistrée sous l'empreinte ${v}` : `base légale : ${basisText(v as DisposalBasis)}`),
  method: (v) => `sort des biens : ${DISPOSAL_WORD[v as DisposalMethod] ?? String(v)}`,
  opening: (v) => `suit l'ouverture enregistrée sous l'empreinte ${String(v)}`,
  note: (v) => `note : ${String(v)}`,
};

export interface Moments {
  /** "22/11/2026 10:30" */
  minute(instant: string | Date): string;
  /** "22/11/2026 10:30:05" */
  second(instant: string | Date): string;
}

export function moments(timeZone: string): Moments {
  const format = (seconds: boolean) => {
    const f = new Intl.DateTimeFormat("en-GB", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: seconds ? "2-digit" : undefined, hourCycle: "h23" });
    return (instant: string | Date) => {
      const date = typeof instant === "string" ? new Date(instant) : instant;
      if (Number.isNaN(date.getTime())) return String(instant);
      const p = Object.fromEntries(f.formatToParts(date).map((x) => [x.type, x.value]));
      return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}${seconds ? `:${p.second}` : ""}`;
    };
  };
  return { minute: format(false), second: format(true) };
}

export function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function bytesFr(n: number): string {
  const grouped = n.toLocaleString("fr-FR").replace(/\s/g, " ");
  if (n < 1024) return `${grouped} octets`;
  const [value, unit] = n < 1024 * 1024 ? [n / 1024, "Ko"] : [n / 1024 / 1024, "Mo"];
  return `${value.toFixed(1).replace(".", ",")} ${unit} (${grouped} octets)`;
}

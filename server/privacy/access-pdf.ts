import { PDFDocument, StandardFonts, type PDFFont } from "pdf-lib";
import { formatDateFr } from "../../shared/dates";
import type { IncidentKind, TaskStatus } from "../../shared/enums";
import { TASK_WORDING } from "../../shared/floor/describe";
import { ATTEMPT_LABEL, GATE_LABEL, PADLOCK_LABEL, PAYMENT_METHOD_LABEL, SEGMENT_LABEL } from "../../shared/labels";
import { INVOICE_TABLE, invoiceDescription, legalMentions, type LetterContent } from "../../shared/messaging/compose";
import { formatEuros } from "../../shared/money";
import { processingRegister, type RegisterEntry } from "../../shared/privacy/register";
import type { PlannedStatus } from "../engine/engine.sql";
import {
  bytesFr,
  CASE_STATUS_WORD,
  CHANNEL_WORD,
  DELIVERY_WORD,
  embed,
  heading,
  KIND_WORD,
  moments,
  note,
  recordDetails,
  row,
  STATUS_WORD,
  stepWord,
  type Moments,
} from "../evidence/pack";
import { LEFT, MM, MUTED, PageWriter, WIDTH } from "../pdf";
import type { AccessOptions, PersonalData } from "./access";

/**
 * The readable copy of a person's data (`donnees.pdf`): in French, by theme, every row of `donnees.json` said in
 * words — identity, contracts and boxes, invoices and payments, cases, messages with their full text, the history
 * with who did what, the evidence records and their photos — and, last, why it is kept, how long and their rights,
 * from the same register the README's is written from. Times in the customer's sites' time zone.
 */
export async function renderPersonalDataPdf(data: PersonalData, files: ReadonlyMap<string, Uint8Array>, options: AccessOptions): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const c = data.customer;
  doc.setTitle(`Vos données personnelles — ${c.name} (${c.ref})`);
  doc.setCreator("Cadenas");
  doc.setLanguage("fr-FR");
  doc.setCreationDate(options.now);
  doc.setModificationDate(options.now);
  const fonts = { regular: await doc.embedFont(StandardFonts.Helvetica), bold: await doc.embedFont(StandardFonts.HelveticaBold), mono: await doc.embedFont(StandardFonts.Courier) };
  const at = moments(options.timeZone);
  const generated = at.minute(options.now);
  const w = new PageWriter(doc, fonts, (page, total) => ({ left: `Données personnelles — ${c.name} (${c.ref}) — au ${generated}`, right: `Page ${page} / ${total}` }));

  drawIdentity(w, data, at, generated, options.timeZone);
  drawContracts(w, data);
  drawBilling(w, data);
  drawCases(w, data, at);
  drawMessages(w, data, at);
  drawHistory(w, data, at);
  await drawPhotos(doc, w, data, files, at, fonts.mono);
  drawOtherTraces(w, data, at);
  drawRegister(w, options.retentionYears);
  w.finish();
  return doc.save();
}

// ————— Sections —————

type Writer = PageWriter;
const LABEL = 42 * MM;
const fact = (w: Writer, label: string, value: string) => row(w, [{ text: label, width: LABEL, color: MUTED }, { text: value || "—" }], { size: 9.5 });
const line = (w: Writer, text: string) => row(w, [{ text }], { size: 9, rule: true });
const day = (d: string | null | undefined) => (d ? formatDateFr(d) : "—");

function drawIdentity(w: Writer, data: PersonalData, at: Moments, generated: string, timeZone: string): void {
  const c = data.customer;
  w.text("Vos données personnelles", { size: 18, bold: true, gap: 2 });
  w.text(`${c.name} — client ${c.ref}`, { size: 13, bold: true, gap: 6 });
  note(
    w,
    "Ce document répond à votre demande d'accès (article 15 du RGPD) : il reprend toutes les données que le logiciel Cadenas conserve sur vous. " +
      "L'archive qui l'accompagne contient les mêmes données au format JSON (donnees.json), les photos originales et les courriers tels qu'imprimés.",
  );
  const zone = timeZone === "Europe/Paris" ? "heure de Paris" : `heure ${timeZone}`;
  fact(w, "Établi le", `${generated} (heures en ${zone})`);
  for (const s of data.tables.sites) {
    const mentions = legalMentions({ legalName: str(s.legalName), legalForm: str(s.legalForm), shareCapital: str(s.shareCapital), siret: str(s.siret), rcs: str(s.rcs), registeredOffice: str(s.registeredOffice), signatoryName: null, signatoryTitle: null, logoSha256: null });
    const address = [str(s.address), [str(s.postalCode), str(s.city)].filter(Boolean).join(" ")].filter(Boolean).join(", ");
    fact(w, `Site ${str(s.name) ?? ""}`, [address, mentions ? `Exploitant : ${mentions}` : null].filter(Boolean).join("\n"));
  }

  heading(w, "Identité et coordonnées");
  fact(w, "Nom", c.name);
  fact(w, "Référence client", c.ref);
  fact(w, "Type", c.kind === "company" ? "Société" : "Particulier");
  fact(w, "E-mail", c.email ?? "");
  fact(w, "Téléphone", c.phone ?? "");
  fact(w, "Adresse", [c.address, [c.postalCode, c.city].filter(Boolean).join(" ")].filter(Boolean).join(", "));
  fact(w, "Mode de paiement", PAYMENT_METHOD_LABEL[c.paymentMethod] ?? c.paymentMethod);
  fact(w, "Procédure de relance", SEGMENT_LABEL[c.segment] ?? c.segment);
  fact(w, "Relances automatiques", c.stop ? "suspendues (client en STOP)" : "actives");
  fact(w, "Enregistré le", `${at.minute(c.createdAt)} — dernière mise à jour le ${at.minute(c.updatedAt)}`);
}

function drawContracts(w: Writer, data: PersonalData): void {
  heading(w, "Contrats et box");
  const { contracts, units } = data.tables;
  if (contracts.length === 0) return note(w, "Aucun contrat.");
  const siteName = new Map(data.tables.sites.map((s) => [s.id, str(s.name)]));
  for (const ct of contracts) {
    const u = units.find((x) => x.id === ct.unitId);
    const box = u ? `box ${u.number}${u.sizeM2 ? ` (${String(u.sizeM2).replace(".", ",")} m²)` : ""}, ${siteName.get(u.siteId) ?? ""}` : "box";
    const period = ct.endDate ? `du ${day(ct.startDate)} au ${day(ct.endDate)}` : `depuis le ${day(ct.startDate)}`;
    const state = u && !ct.endDate ? ` — ${PADLOCK_LABEL[u.padlockState]}, ${GATE_LABEL[u.gateState].toLowerCase()}` : "";
    line(w, `Contrat ${ct.ref} : ${box}, ${period}, loyer ${formatEuros(ct.monthlyRentCents)} par mois${state}.`);
  }
}

function drawBilling(w: Writer, data: PersonalData): void {
  const { invoices, payments, payment_incidents: incidents, payment_plans: plans } = data.tables;
  heading(w, "Factures et règlements");
  if (invoices.length === 0) note(w, "Aucune facture.");
  for (const i of invoices) {
    const what = invoiceDescription(i.kind, i.label);
    line(w, `Facture ${i.ref} — ${what} — émise le ${day(i.issueDate)}, échéance le ${day(i.dueDate)} : ${formatEuros(i.amountCents)}`);
  }
  w.y -= 4;
  w.text("Règlements", { size: 10.5, bold: true, gap: 2 });
  if (payments.length === 0) note(w, "Aucun règlement.");
  for (const p of payments) {
    const status = p.status === "rejected" ? ` — rejeté${p.reason ? ` (${p.reason})` : ""}` : "";
    line(w, `${day(p.date)} — règlement ${p.ref} : ${formatEuros(p.amountCents)} (${PAYMENT_METHOD_LABEL[p.method] ?? p.method})${status}`);
  }
  if (incidents.length > 0) {
    w.y -= 4;
    w.text("Incidents de paiement", { size: 10.5, bold: true, gap: 2 });
    for (const x of incidents) line(w, `${day(x.occurredOn)} — ${INCIDENT_WORD[x.kind] ?? x.kind}${x.reason ? ` : ${x.reason}` : ""}`);
  }
  if (plans.length > 0) {
    w.y -= 4;
    w.text("Échéanciers", { size: 10.5, bold: true, gap: 2 });
    for (const p of plans) line(w, `Convenu le ${day(p.agreedOn)} : ${p.instalments.map((x) => `${formatEuros(x.amountCents)} le ${day(x.dueOn)}`).join(", ")}`);
  }
}

function drawCases(w: Writer, data: PersonalData, at_: Moments): void {
  const { cases, planned_actions: planned, tasks } = data.tables;
  heading(w, "Dossiers d'impayé et étapes prévues");
  if (cases.length === 0) note(w, "Aucun dossier d'impayé.");
  for (const k of cases) {
    const closed = k.closedOn ? `, clos le ${day(k.closedOn)}` : "";
    line(w, `Dossier ouvert le ${day(k.openedOn)} — ${CASE_STATUS_WORD[k.status] ?? k.status}${closed}${k.stage ? ` — dernière étape : ${stepWord(k.stage)}` : ""}`);
  }
  if (planned.length > 0) {
    w.y -= 4;
    w.text("Étapes de relance prévues ou faites", { size: 10.5, bold: true, gap: 2 });
    for (const p of planned) {
      const what = p.action === "message" ? (CHANNEL_WORD[p.channel as keyof typeof CHANNEL_WORD] ?? p.channel) : PLAN_ACTION_WORD[p.action];
      line(w, `${day(p.date)} — ${stepWord(p.step)}${what ? ` — ${what}` : ""} : ${PLANNED_WORD[p.status] ?? p.status}`);
    }
  }
  if (tasks.length > 0) {
    w.y -= 4;
    w.text("Tâches du personnel du site", { size: 10.5, bold: true, gap: 2 });
    for (const t of tasks) line(w, `${day(t.dueOn)} — ${TASK_WORDING[t.kind] ?? t.kind} : ${TASK_STATUS_WORD[t.status] ?? t.status}${t.doneAt ? ` le ${at_.minute(t.doneAt)}` : ""}`);
  }
}

function drawMessages(w: Writer, data: PersonalData, at_: Moments): void {
  const { messages, message_attempts: attempts, letter_prints: prints } = data.tables;
  heading(w, "Relances et courriers");
  if (messages.length === 0) return note(w, "Aucun courriel, SMS ni courrier.");
  note(w, "Chaque message avec son texte complet, son destinataire et ce qu'il est devenu.");
  for (const m of messages) {
    w.need(60);
    const channel = CHANNEL_WORD[m.channel as keyof typeof CHANNEL_WORD] ?? m.channel;
    w.text(`${channel} du ${at_.minute(m.createdAt)}${m.subject ? ` — « ${m.subject} »` : ""}`, { size: 10, bold: true, gap: 1 });
    fact(w, "Destinataire", m.recipient);
    let state = STATUS_WORD[m.status] ?? m.status;
    if (m.sentAt && (m.status === "sent" || m.status === "written")) state += ` le ${at_.minute(m.sentAt)}`;
    if (m.channel === "registered_letter" && m.providerId) state += ` — n° de suivi ${m.providerId}`;
    if (m.deliveryStatus) state += ` — ${DELIVERY_WORD[m.deliveryStatus] ?? m.deliveryStatus}${m.deliveredAt ? ` le ${/^\d{4}-\d{2}-\d{2}$/.test(m.deliveredAt) ? day(m.deliveredAt) : at_.minute(m.deliveredAt)}` : ""}`;
    fact(w, "État", state);
    for (const a of attempts.filter((x) => x.messageId === m.id)) fact(w, "Tentative", `${at_.minute(a.at)} : ${ATTEMPT_LABEL[a.outcome] ?? a.outcome}${a.detail ? ` — ${a.detail}` : ""}`);
    for (const p of prints.filter((x) => x.messageId === m.id)) fact(w, "Imprimé", `le ${at_.minute(p.printedAt)} (${p.copies.join(", ")})`);
    const isLetter = m.channel === "letter" || m.channel === "registered_letter";
    if (m.letter && !isLetter) fact(w, "Pièce jointe", `lettre « ${m.letter.subject} » (PDF)`);
    const text = m.letter && isLetter ? letterText(m.letter) : m.body;
    if (text) row(w, [{ text: "Texte", width: LABEL, color: MUTED }, { text }], { size: 9 });
    w.y -= 6;
  }
}

function drawHistory(w: Writer, data: PersonalData, at_: Moments): void {
  heading(w, "Actions sur le terrain et historique");
  const { actions } = data.tables;
  if (actions.length === 0) return note(w, "Aucune action inscrite.");
  note(w, "Chaque ligne de l'historique de votre dossier : quand, qui (initiales du membre du personnel ; SYS : le logiciel), quoi.");
  const corrected = new Set(actions.map((a) => a.correctsId).filter(Boolean));
  for (const a of actions) {
    const extra = [a.rejectedReason ? `Sans effet : ${a.rejectedReason}` : null, corrected.has(a.id) ? "Annulée ensuite par son auteur (correction)." : null].filter(Boolean).join("\n");
    row(w, [{ text: at_.minute(a.happenedAt), width: 30 * MM }, { text: a.initials, width: 14 * MM, bold: true }, { text: extra ? `${a.text}\n${extra}` : a.text }], { size: 9, rule: true });
  }
}

async function drawPhotos(doc: PDFDocument, w: Writer, data: PersonalData, bytesByName: ReadonlyMap<string, Uint8Array>, at_: Moments, mono: PDFFont): Promise<void> {
  const { evidence_records: records, photos } = data.tables;
  heading(w, "Photos et enregistrements de preuve");
  if (records.length === 0 && photos.length === 0) return note(w, "Aucune photo ni enregistrement de preuve.");
  note(w, "Chaque enregistrement porte l'empreinte SHA-256 de ses photos ; les fichiers originaux sont dans l'archive (photos/<empreinte>).");
  for (const r of records) {
    line(w, `${at_.minute(r.deviceTime)} — ${KIND_WORD[r.kind] ?? r.kind} (${r.authorInitials}) : ${recordDetails(r, at_)} — ${r.photos.length} photo${r.photos.length > 1 ? "s" : ""}`);
  }
  const files = new Map(data.files.filter((f) => f.name.startsWith("photos/")).map((f) => [f.name.slice("photos/".length).split(".")[0]!, f]));
  for (const p of photos) {
    const file = files.get(p.sha256);
    w.need(70 * MM);
    w.y -= 4;
    const bytes = file ? (bytesByName.get(file.name) ?? null) : null;
    const image = bytes ? await embed(doc, p.mime, bytes) : null;
    if (image) {
      const scale = Math.min(WIDTH / image.width, (60 * MM) / image.height, 4);
      const [iw, ih] = [image.width * scale, image.height * scale];
      w.page.drawImage(image, { x: LEFT, y: w.y - ih, width: iw, height: ih });
      w.y -= ih + 4;
    }
    row(w, [{ text: "SHA-256", width: 18 * MM, color: MUTED }, { text: p.sha256, font: mono }], { size: 8 });
    const dims = p.width && p.height ? ` — ${p.width} × ${p.height} px` : "";
    row(w, [{ text: "", width: 18 * MM }, { text: `${bytesFr(p.sizeBytes)}${dims} — reçue le ${at_.minute(p.receivedAt)}${file ? ` — fichier ${file.name}` : p.erasedAt ? ` — effacée le ${at_.minute(p.erasedAt)}` : " — fichier absent du serveur"}` }], { size: 8 });
  }
}

function drawOtherTraces(w: Writer, data: PersonalData, at_: Moments): void {
  const { audit_log: audit, import_runs: imports, set_aside_mutations: setAside } = data.tables;
  heading(w, "Consultations et autres traces");
  if (audit.length === 0) note(w, "Aucune consultation ni export de votre dossier journalisé jusqu'ici.");
  for (const a of audit) {
    const details = a.details as { path?: string; file?: string } | null;
    line(w, `${at_.minute(a.at)} — ${a.userInitials ?? "système"} — ${AUDIT_WORD[a.event] ?? a.event}${details?.file ? ` (${details.file})` : ""}`);
  }
  for (const run of imports) for (const e of (run.errors as { message: string }[]) ?? []) line(w, `${at_.minute(String(run.createdAt))} — fichier d'import refusé « ${String(run.fileName)} » : ${e.message}`);
  for (const s of setAside) line(w, `${at_.minute(s.reportedAt)} — action restée sur un téléphone (${s.kind}) : ${s.summary ?? ""}`);
}

function drawRegister(w: Writer, retentionYears: number | undefined): void {
  const register = processingRegister({ retentionYears });
  w.newPage();
  heading(w, "Pourquoi ces données, combien de temps, vos droits");
  note(w, register.controller);
  const block = (title: string, entries: RegisterEntry[]) => {
    w.text(title, { size: 10.5, bold: true, gap: 2 });
    for (const e of entries) fact(w, e.label, e.text);
    w.y -= 4;
  };
  block("Ce qui est conservé", register.categories);
  block("Pourquoi (finalités et bases légales)", register.purposes);
  block("Combien de temps", register.retention);
  block("Qui y a accès", register.recipients);
  block("Sous-traitants", register.processors);
  block("Vos droits", register.rights);
}

/** A letter's text as printed: its subject, and its table of invoices where the text places it. */
function letterText(letter: LetterContent): string {
  const table = [...letter.invoices.map((i) => `Facture ${i.ref}, échéance le ${day(i.dueDate)} : ${formatEuros(i.remainingCents)}`), `Total : ${formatEuros(letter.totalCents)}`].join("\n");
  const body = letter.body.includes(INVOICE_TABLE) ? letter.body.replace(INVOICE_TABLE, table) : letter.body;
  return `Objet : ${letter.subject}\n\n${body}`;
}

// ————— Words —————

const INCIDENT_WORD: Record<IncidentKind, string> = {
  card_rejected: "Paiement par carte refusé",
  sepa_rejected: "Prélèvement SEPA rejeté",
  cheque_bounced: "Chèque impayé",
  transfer_missing: "Virement non reçu",
};

const TASK_STATUS_WORD: Record<TaskStatus, string> = { open: "à faire", done: "faite", cancelled: "annulée" };

const PLANNED_WORD: Record<PlannedStatus, string> = {
  planned: "prévue",
  awaiting_approval: "en attente de validation",
  approved: "validée",
  rejected: "refusée par le bureau",
  held: "retenue (données pas à jour)",
  done: "faite",
  cancelled: "annulée",
};

/** What a planned step does besides a message (whose channel is said instead). */
const PLAN_ACTION_WORD: Record<string, string> = {
  task: "tâche pour le site",
  fee: "frais facturés",
  level: "niveau de relance",
  contract_end: "fin du contrat",
  approval: "validation par le bureau",
};

const AUDIT_WORD: Record<string, string> = {
  "export.downloaded": "export téléchargé",
  "access.refused": "accès refusé",
};

const str = (v: unknown): string | null => (typeof v === "string" && v ? v : null);


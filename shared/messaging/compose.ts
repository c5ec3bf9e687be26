import { addDays, formatDateFr, type CalendarDate } from "../dates";
import type { CustomerKind, MessageChannel } from "../enums";
import { formatEurosPlain } from "../money";
import { plural } from "../plural";
import type { DebtorDoc } from "../schemas/debtor-doc";
import { DEFAULT_SETTINGS, type Settings } from "../schemas/settings";
import { fill, OWED_LIST, sections, variantFor, type EmailVariant, type LetterVariant, type MessageTemplate } from "./templates";

/**
 * The one renderer of a message: a template's variant filled for a customer. The server runs it when it queues a
 * message (the engine's steps, a phone's request) and the phone runs it for the preview on the message sheet, so
 * what the site manager reads before tapping is what the server writes — from the same template and, for the
 * floor, from the same debtor document (`addresseeOfDoc`).
 */

/** A letter to print, or attached to an e-mail as a PDF: rendered text, frozen when the message was queued. */
export interface LetterContent {
  subject: string;
  body: string;
  formalNotice: boolean;
  /** The address block, line by line. */
  address: string[];
  /** The sender's block: the operator's site. */
  from: { name: string; address: string; phone: string };
  /**
   * The legal mentions and the signatory, as they stood when the letter was written (absent in letters queued
   * before sites had them). A letter not yet posted is printed with its site's current letterhead
   * (`withLetterhead`); once posted it keeps the one it went with.
   */
  letterhead?: Letterhead | null;
  /** Place and date line ("Lyon, le 23 novembre 2026"): the day it is printed for posting (`redated`). */
  placeAndDate: string;
  /** The day it is dated: when it was written, then the day it was printed for posting. */
  datedOn?: CalendarDate;
  /** Its subject and text with the day's variables ({{date}}, {{echeance}}) still to fill, for `redated`. */
  undated?: { subject: string; body: string } | null;
  invoices: { ref: string; dueDate: string; remainingCents: number; description?: string }[];
  totalCents: number;
  /** Under the date: the customer's reference, their contracts, their boxes (absent in older letters). */
  references?: { label: string; value: string }[];
  /** How to pay, after the invoices, in the letters that ask for payment (`howToPay`). */
  payment?: string | null;
  signature: string;
  /** Registered letters print in three copies (registered, simple, file), a simple letter once (`letterCopies`). */
  copies: string[];
}

/** The site a message speaks for: its name, one-line address, city and phone. */
export interface SenderSite {
  id: string | null;
  name: string;
  address: string;
  city: string;
  phone: string;
  /** The name its e-mails go out under, when it is not the site's name. */
  senderName?: string | null;
  /** The operator's company, who holds the customers' data (the privacy notice names it); null: the site's name. */
  legalName?: string | null;
  /** What its letters print beside the name (the phone's copy has none: the floor sends no letters). */
  letterhead?: Letterhead | null;
}

/** A letter's legal mentions and signatory, and which logo it prints (by SHA-256; the bytes stay with the site). */
export interface Letterhead {
  legalName: string | null;
  /** "SAS", and the share capital as typed ("50 000 €"); absent in letters written before sites had them. */
  legalForm?: string | null;
  shareCapital?: string | null;
  /** The account reminder letters ask transfers to. */
  iban?: string | null;
  siret: string | null;
  rcs: string | null;
  registeredOffice: string | null;
  signatoryName: string | null;
  signatoryTitle: string | null;
  logoSha256: string | null;
}

/** A site's record as messages name it. */
export interface SiteRecord {
  id: string | null;
  name: string;
  address: string | null;
  postalCode: string | null;
  city: string | null;
  phone: string | null;
  senderName?: string | null;
  legalName?: string | null;
  legalForm?: string | null;
  shareCapital?: string | null;
  iban?: string | null;
  siret?: string | null;
  rcs?: string | null;
  registeredOffice?: string | null;
  signatoryName?: string | null;
  signatoryTitle?: string | null;
  logoSha256?: string | null;
}

/** A site's record as messages name it: one line of address ("12 rue X, 69007 Lyon"), its city and phone, its letterhead. */
export function senderSite(s: SiteRecord): SenderSite {
  const letterhead: Letterhead = {
    legalName: s.legalName ?? null,
    legalForm: s.legalForm ?? null,
    shareCapital: s.shareCapital ?? null,
    iban: s.iban ?? null,
    siret: s.siret ?? null,
    rcs: s.rcs ?? null,
    registeredOffice: s.registeredOffice ?? null,
    signatoryName: s.signatoryName ?? null,
    signatoryTitle: s.signatoryTitle ?? null,
    logoSha256: s.logoSha256 ?? null,
  };
  return {
    id: s.id,
    name: s.name,
    address: [s.address, [s.postalCode, s.city].filter(Boolean).join(" ")].filter(Boolean).join(", "),
    city: s.city ?? "",
    phone: s.phone ?? "",
    senderName: s.senderName ?? null,
    legalName: s.legalName ?? null,
    letterhead: Object.values(letterhead).some((v) => v !== null) ? letterhead : null,
  };
}

/** A letter not yet posted, with its site's letterhead as it stands now (name, address, phone, legal mentions, signatory). */
export function withLetterhead(letter: LetterContent, site: SenderSite): LetterContent {
  // Signed for the site (its signatory, or in older letters "L'équipe de …"), not by a person who sent it.
  const before: SenderSite = { id: null, name: letter.from.name, address: letter.from.address, city: "", phone: letter.from.phone, letterhead: letter.letterhead ?? null };
  const signedBySite = letter.signature === defaultSignature(before) || letter.signature === `L'équipe de ${letter.from.name}`;
  return {
    ...letter,
    from: { name: site.name, address: site.address, phone: site.phone },
    letterhead: site.letterhead ?? null,
    signature: signedBySite ? defaultSignature(site) : letter.signature,
  };
}

/** Everything a message needs to know about its customer. */
export interface Addressee {
  customerId: string;
  ref: string;
  name: string;
  email: string | null;
  phone: string | null;
  address: string[];
  boxes: string[];
  site: SenderSite;
  /** `description` is the server's (letters print it); the phone's copy has none and its texts do not use it. */
  invoices: { ref: string; dueDate: CalendarDate; remainingCents: number; description?: string }[];
  balanceCents: number;
  /** A person or a company: what the letters may claim differs (`TEMPLATE_SECTIONS`). Absent: a person, the cautious reading. */
  kind?: CustomerKind;
  /** Their contracts' numbers, for the letters' reference block. */
  contracts?: string[];
}

export interface Composed {
  recipient: string;
  senderName: string;
  subject: string | null;
  body: string;
  letter: LetterContent | null;
}

/**
 * What the formal notice and the termination notice say of the contract, from the procedure's settings: the
 * termination clause they name, the period left to collect the goods and how long they are kept once inventoried;
 * for the termination notice, the day the contract ends (the debt it states is owed up to that day).
 */
export interface LetterTerms {
  terminationClause: string;
  collectionPeriodDays: number;
  keepGoodsDays: number;
  contractEndsOn: CalendarDate | null;
  /** The yearly rate of late penalties companies owe (C. com. L441-10). */
  latePenaltyRatePercent: number;
}

export function letterTerms(settings: Pick<Settings, "terminationClause" | "collectionPeriodDays" | "keepGoodsDays" | "latePenaltyRatePercent">): LetterTerms {
  return {
    terminationClause: settings.terminationClause,
    collectionPeriodDays: settings.collectionPeriodDays,
    keepGoodsDays: settings.keepGoodsDays,
    contractEndsOn: null,
    latePenaltyRatePercent: settings.latePenaltyRatePercent,
  };
}

/** "trente jours": a period as a letter writes it, in words (French, up to 999). */
export function daysInWords(days: number): string {
  return `${numberInWords(days)} jour${days > 1 ? "s" : ""}`;
}

/** Where a letter's text has the table of invoices and the total. */
export const INVOICE_TABLE = "[[factures]]";

/**
 * A template's variant for a channel, filled for this customer: the text frozen into the outbox, and the letter
 * (printed, or attached to the e-mail). Null when the template has no variant for the channel.
 */
export function compose(
  template: MessageTemplate,
  channel: MessageChannel,
  a: Addressee,
  asOf: CalendarDate,
  options: { signature?: string; invoiceRef?: string; terms?: Partial<LetterTerms> } = {},
): Composed | null {
  const variant = variantFor(template, channel);
  if (!variant) return null;
  const terms: LetterTerms = { ...letterTerms(DEFAULT_SETTINGS), ...options.terms };
  const listed = listedInvoices(a, asOf, options.invoiceRef, terms.contractEndsOn);
  const values = valuesFor(a, asOf, listed, terms, options.signature, options.invoiceRef);
  // What this customer reads of the template: a company's sections or a person's.
  const own = (text: string) => sections(text, { pro: a.kind === "company" });
  const letterOf = (l: LetterVariant): LetterContent => ({
    ...datedText(
      // The invoices are printed as a table where the text lists them.
      { subject: fill(own(l.subject), undatedValues(values)), body: fill(own(l.body).replaceAll(OWED_LIST, INVOICE_TABLE), undatedValues(values)) },
      asOf,
    ),
    formalNotice: Boolean(l.formalNotice),
    address: a.address,
    from: { name: a.site.name, address: a.site.address, phone: a.site.phone },
    letterhead: a.site.letterhead ?? null,
    placeAndDate: `${a.site.city || a.site.name}, le ${longDateFr(asOf)}`,
    invoices: listed.map((i) => ({ ref: i.ref, dueDate: i.dueDate, remainingCents: i.remainingCents, ...(i.description ? { description: i.description } : {}) })),
    totalCents: listed.reduce((s, i) => s + i.remainingCents, 0),
    references: letterReferences(a),
    // A letter that asks for the sums it lists says how to pay them.
    payment: l.body.includes(OWED_LIST) ? howToPay(a.site, a.ref) : null,
    signature: values.signature!,
    copies: letterCopies(channel),
  });
  const senderName = template.from ?? (a.site.senderName || a.site.name);
  if (channel === "email") {
    const e = variant as EmailVariant;
    return {
      recipient: a.email ?? "",
      senderName,
      subject: fill(own(e.subject), values),
      body: `${fill(own(e.body), values)}\n\n--\n${privacyNotice(a.site)}`,
      letter: e.attachLetter && template.letter ? letterOf(template.letter) : null,
    };
  }
  if (channel === "sms") return { recipient: a.phone ?? "", senderName, subject: null, body: fill(own(variant.body), values), letter: null };
  const letter = letterOf(variant as LetterVariant);
  return { recipient: a.address.join("\n"), senderName, subject: letter.subject, body: letter.body, letter };
}

/** "Cadenas Self-Stockage SAS au capital de 50 000 €": the name with its legal form and share capital (C. com. R123-237). */
export function companyIdentity(head: Pick<Letterhead, "legalName" | "legalForm" | "shareCapital">): string | null {
  const form = head.legalForm?.trim();
  // A name already ending with its form ("… SAS") does not say it twice.
  const named = head.legalName && form && !new RegExp(`\\b${form.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "i").test(head.legalName) ? `${head.legalName} ${form}` : (head.legalName ?? form ?? null);
  const capital = head.shareCapital?.trim();
  if (!capital) return named;
  return `${named ?? ""} ${/^au capital/i.test(capital) ? capital : /^capital/i.test(capital) ? `au ${capital}` : `au capital de ${capital}`}`.trim();
}

/**
 * The operator's legal mentions, as every letter's foot and the evidence pack print them: "Cadenas Self-Stockage SAS au
 * capital de 50 000 € — SIRET 812 345 676 00017 — RCS Lyon B 812 345 676 — Siège social : …"; null when none is set.
 */
export function legalMentions(head: Letterhead): string | null {
  const parts = [
    companyIdentity(head),
    head.siret ? `SIRET ${head.siret.replace(/^(\d{3})(\d{3})(\d{3})(\d{5})$/, "$1 $2 $3 $4")}` : null,
    head.rcs ? `RCS ${head.rcs.replace(/^RCS\s+/i, "")}` : null,
    head.registeredOffice ? `Siège social : ${head.registeredOffice}` : null,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(" — ") : null;
}

/** What an invoice bills, as a letter's table names it: the rent, or the fee or penalty Cadenas billed, by its label. */
export function invoiceDescription(kind: string, label: string | null): string {
  if (kind === "rent") return "Loyer";
  if (kind === "fee") return label || "Frais";
  return label || "Facture";
}

/**
 * Who holds the addressee's personal data, why, their rights and whom to write to (RGPD art. 13–14): a short notice
 * under every e-mail and letter to a customer.
 */
export function privacyNotice(site: SenderSite): string {
  const controller = site.legalName || site.name;
  const contact = [site.address, site.phone ? `tél. ${site.phone}` : ""].filter(Boolean).join(", ");
  return (
    `Vos données personnelles : ${controller} les traite pour gérer votre contrat de location et le recouvrement des sommes dues ` +
    `(exécution du contrat et intérêt légitime), et les conserve le temps du contrat puis de la prescription. Vous pouvez y accéder, ` +
    `les faire rectifier ou effacer, ou vous opposer à leur usage en nous écrivant${contact ? ` (${contact})` : ""} ; vous pouvez aussi saisir la CNIL (www.cnil.fr).`
  );
}

/** The reference block under a letter's date: the customer's reference, their contracts and boxes when known. */
export function letterReferences(a: Addressee): { label: string; value: string }[] {
  return [
    { label: "Votre référence client", value: a.ref },
    ...(a.contracts?.length ? [{ label: plural(a.contracts.length, "Contrat"), value: a.contracts.join(", ") }] : []),
    ...(a.boxes.length ? [{ label: plural(a.boxes.length, "Box", "Box"), value: a.boxes.join(", ") }] : []),
  ];
}

/** How a customer pays: at the desk, by card, by transfer when the site has an IBAN — quoting their reference. */
export function howToPay(site: SenderSite, ref: string): string {
  const iban = site.letterhead?.iban;
  const transfer = iban ? `, ou par virement sur le compte IBAN ${iban} en rappelant votre référence ${ref}` : "";
  return `Pour régler : à l'accueil de ${site.name}, en espèces, par chèque ou par carte bancaire${transfer}.`;
}

/**
 * The addressee as the floor knows them: from the debtor's document (what the phone holds, what the server sends
 * it) and the site of their first box. The phone's preview and the server's sending of a floor message both start
 * here, so the same document gives the same text.
 */
export function addresseeOfDoc(doc: DebtorDoc, site: SenderSite): Addressee {
  return {
    customerId: doc.customerId,
    ref: doc.ref,
    name: doc.name,
    email: doc.email ?? null,
    phone: doc.phone ?? null,
    address: [doc.name, doc.address ?? "", [doc.postalCode, doc.city].filter(Boolean).join(" ")].filter((l) => l.trim() !== ""),
    boxes: doc.units.map((u) => u.number),
    site,
    invoices: doc.invoices
      .filter((i) => i.amountCents > i.paidCents)
      .map((i) => ({ ref: i.ref, dueDate: i.dueDate, remainingCents: i.amountCents - i.paidCents })),
    balanceCents: doc.balanceCents,
    kind: doc.kind,
  };
}

/** The site whose name and phone a floor message carries: the one of the debtor's first box. */
export function floorSiteId(doc: DebtorDoc): string | null {
  return doc.units[0]?.siteId ?? null;
}

const MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"];

/** "23 novembre 2026" */
function longDateFr(date: CalendarDate): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return `${d === 1 ? "1er" : d} ${MONTHS[m - 1]} ${y}`;
}

/**
 * The invoices a message lists: a notice before the due date is about its invoice; the termination notice, what
 * fell due while the contract ran (what falls due after its end is for the credit notes); the others, what has
 * fallen due.
 */
function listedInvoices(a: Addressee, asOf: CalendarDate, invoiceRef?: string, endsOn?: CalendarDate | null) {
  if (invoiceRef) return a.invoices.filter((i) => i.ref === invoiceRef);
  const upTo = endsOn && endsOn < asOf ? endsOn : asOf;
  return a.invoices.filter((i) => i.dueDate <= upTo);
}

const UNITS = ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze", "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf"];
const TENS = ["", "", "vingt", "trente", "quarante", "cinquante", "soixante"];

/** A whole number from 0 to 999 in French words (traditional spelling: "quatre-vingts", "deux cents", "vingt et un"). */
function numberInWords(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 999) return String(n);
  const below100 = (k: number): string => {
    if (k < 20) return UNITS[k]!;
    const [t, u] = [Math.floor(k / 10), k % 10];
    if (t === 7) return `soixante${u === 1 ? " et " : "-"}${UNITS[10 + u]}`;
    if (t === 9) return `quatre-vingt-${UNITS[10 + u]}`;
    if (t === 8) return u === 0 ? "quatre-vingts" : `quatre-vingt-${UNITS[u]}`;
    return u === 0 ? TENS[t]! : u === 1 ? `${TENS[t]} et un` : `${TENS[t]}-${UNITS[u]}`;
  };
  const [h, r] = [Math.floor(n / 100), n % 100];
  if (h === 0) return below100(r);
  const hundreds = h === 1 ? "cent" : `${UNITS[h]} cent${r === 0 ? "s" : ""}`;
  return r === 0 ? hundreds : `${hundreds} ${below100(r)}`;
}

/** What a template's variables stand for, for this customer on `asOf`. */
function valuesFor(a: Addressee, asOf: CalendarDate, listed: Addressee["invoices"], terms: LetterTerms, signature?: string, invoiceRef?: string): Record<string, string> {
  return {
    nom: a.name,
    reference: a.ref,
    box: a.boxes.join(", ") || "—",
    site: a.site.name,
    adresse_site: a.site.address,
    telephone_site: a.site.phone,
    solde: formatEurosPlain(invoiceRef || terms.contractEndsOn ? listed.reduce((s, i) => s + i.remainingCents, 0) : a.balanceCents),
    factures: listed.map((i) => `• Facture ${i.ref} échue le ${formatDateFr(i.dueDate)} : ${formatEurosPlain(i.remainingCents)}`).join("\n") || "—",
    echeance: formatDateFr(addDays(asOf, 8)),
    date: longDateFr(asOf),
    signature: signature ?? defaultSignature(a.site),
    clause_resolutoire: terms.terminationClause,
    // Outside a termination notice (a preview), as if the contract ended on the day.
    fin_contrat: longDateFr(terms.contractEndsOn ?? asOf),
    delai_retrait: daysInWords(terms.collectionPeriodDays),
    conservation: daysInWords(terms.keepGoodsDays),
    taux_penalites: `${String(terms.latePenaltyRatePercent).replace(".", ",")} %`,
  };
}

/**
 * Who signs what the site sends by itself: its named signatory, else the name it sends under — a name, never
 * "L'équipe de …" (a formal notice has a named signatory).
 */
export function defaultSignature(site: SenderSite): string {
  return site.letterhead?.signatoryName || site.senderName || site.letterhead?.legalName || site.legalName || site.name;
}

// ————— The letter's date and copies —————

/** The copies a letter prints, each marked with how it goes (`letterCopies`). */
export const LETTER_COPY = { registered: "Lettre recommandée avec AR", simple: "Lettre simple", file: "Dossier", email: "Courriel" } as const;

/** A registered letter: the one posted with AR, its copy by simple letter, the operator's file copy. A simple letter: once. */
export function letterCopies(channel: MessageChannel): string[] {
  if (channel === "registered_letter") return [LETTER_COPY.registered, LETTER_COPY.simple, LETTER_COPY.file];
  return [channel === "email" ? LETTER_COPY.email : LETTER_COPY.simple];
}

/** The variables whose value is the day the letter is dated: the date itself and the deadline counted from it. */
function dayValues(day: CalendarDate): Record<"date" | "echeance", string> {
  return { date: longDateFr(day), echeance: formatDateFr(addDays(day, 8)) };
}

/** A template's values without the day's: left as `{{date}}`, `{{echeance}}` for the day the letter is printed. */
function undatedValues(values: Record<string, string>): Record<string, string> {
  const { date: _d, echeance: _e, ...rest } = values;
  return rest;
}

function datedText(undated: { subject: string; body: string }, day: CalendarDate): Pick<LetterContent, "subject" | "body" | "datedOn" | "undated"> {
  const values = dayValues(day);
  return { subject: fill(undated.subject, values), body: fill(undated.body, values), datedOn: day, undated };
}

/**
 * The letter dated `day`, the day it is printed for posting: its place and date line, and every date of its text
 * that is counted from the day it is dated. A letter written before letters kept their undated text only has its
 * date line changed.
 */
export function redated(letter: LetterContent, day: CalendarDate): LetterContent {
  const placeAndDate = /, le /.test(letter.placeAndDate) ? letter.placeAndDate.replace(/, le .*$/, `, le ${longDateFr(day)}`) : `${letter.placeAndDate}, le ${longDateFr(day)}`;
  if (!letter.undated) return { ...letter, placeAndDate, datedOn: day };
  return { ...letter, ...datedText(letter.undated, day), placeAndDate };
}

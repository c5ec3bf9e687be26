import { inArray, sql } from "drizzle-orm";
import { addDays, formatDateFr, type CalendarDate } from "../../shared/dates";
import type { MessageChannel } from "../../shared/enums";
import { fill, OWED_LIST, variantFor, type EmailVariant, type LetterVariant, type MessageTemplate } from "../../shared/messaging/templates";
import { formatEurosPlain } from "../../shared/money";
import { unpaidInvoicesOf, type OpenInvoice } from "../billing/ledger";
import type { Database, Transaction } from "../db/client";
import type { LetterContent } from "./messaging.sql";

type Db = Database | Transaction;

/** Everything a message needs to know about its customer, read for many customers at once. */
export interface Addressee {
  customerId: string;
  ref: string;
  name: string;
  email: string | null;
  phone: string | null;
  address: string[];
  boxes: string[];
  site: { id: string | null; name: string; address: string; city: string; phone: string };
  invoices: OpenInvoice[];
  balanceCents: number;
}

export async function loadAddressees(db: Db, customerIds: readonly string[], asOf: CalendarDate): Promise<Map<string, Addressee>> {
  const out = new Map<string, Addressee>();
  const unpaid = await unpaidInvoicesOf(db, customerIds);
  for (let i = 0; i < customerIds.length; i += 500) {
    const rows = await db.all<{
      id: string;
      ref: string;
      name: string;
      email: string | null;
      phone: string | null;
      address: string | null;
      postal_code: string | null;
      city: string | null;
      units: string;
    }>(sql`
      select c.id, c.ref, c.name, c.email, c.phone, c.address, c.postal_code, c.city,
        (select json_group_array(json_array(u.number, s.id, s.name, s.address, s.postal_code, s.city, s.phone))
           from contracts ct join units u on u.id = ct.unit_id join sites s on s.id = u.site_id
          where ct.customer_id = c.id and (ct.end_date is null or ct.end_date >= date(${asOf}, '-3 months'))) as units
      from customers c where ${inArray(sql.raw("c.id"), customerIds.slice(i, i + 500))}`);
    for (const r of rows) {
      const units = (JSON.parse(r.units) as [string, string, string, string | null, string | null, string | null, string | null][]).sort((a, b) => a[0].localeCompare(b[0], "fr"));
      const first = units[0];
      const invoices = unpaid.get(r.id) ?? [];
      out.set(r.id, {
        customerId: r.id,
        ref: r.ref,
        name: r.name,
        email: r.email,
        phone: r.phone,
        address: [r.name, r.address ?? "", [r.postal_code, r.city].filter(Boolean).join(" ")].filter((l) => l.trim() !== ""),
        boxes: units.map((u) => u[0]),
        site: {
          id: first?.[1] ?? null,
          name: first?.[2] ?? "Cadenas",
          address: [first?.[3], [first?.[4], first?.[5]].filter(Boolean).join(" ")].filter(Boolean).join(", "),
          city: first?.[5] ?? "",
          phone: first?.[6] ?? "",
        },
        invoices,
        balanceCents: invoices.filter((inv) => inv.dueDate <= asOf).reduce((s, inv) => s + inv.remainingCents, 0),
      });
    }
  }
  return out;
}

const MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"];

/** "23 novembre 2026" */
function longDateFr(date: CalendarDate): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return `${d === 1 ? "1er" : d} ${MONTHS[m - 1]} ${y}`;
}

/** The invoices a message lists: a notice before the due date is about its invoice; the others, what has fallen due. */
function listedInvoices(a: Addressee, asOf: CalendarDate, invoiceRef?: string) {
  return invoiceRef ? a.invoices.filter((i) => i.ref === invoiceRef) : a.invoices.filter((i) => i.dueDate <= asOf);
}

/** What a template's variables stand for, for this customer on `asOf`. */
function valuesFor(a: Addressee, asOf: CalendarDate, listed: Addressee["invoices"], signature?: string, invoiceRef?: string): Record<string, string> {
  return {
    nom: a.name,
    reference: a.ref,
    box: a.boxes.join(", ") || "—",
    site: a.site.name,
    adresse_site: a.site.address,
    telephone_site: a.site.phone,
    solde: formatEurosPlain(invoiceRef ? listed.reduce((s, i) => s + i.remainingCents, 0) : a.balanceCents),
    factures: listed.map((i) => `• Facture ${i.ref} échue le ${formatDateFr(i.dueDate)} : ${formatEurosPlain(i.remainingCents)}`).join("\n") || "—",
    echeance: formatDateFr(addDays(asOf, 8)),
    date: longDateFr(asOf),
    signature: signature ?? `L'équipe de ${a.site.name}`,
  };
}

/** Where a letter's text has the table of invoices and the total. */
export const INVOICE_TABLE = "[[factures]]";

interface Composed {
  recipient: string;
  senderName: string;
  subject: string | null;
  body: string;
  letter: LetterContent | null;
}

/**
 * A template's variant for a channel, filled for this customer: the text frozen into the outbox, and the letter
 * (printed, or attached to the e-mail). Null when the template has no variant for the channel.
 */
export function compose(template: MessageTemplate, channel: MessageChannel, a: Addressee, asOf: CalendarDate, options: { signature?: string; invoiceRef?: string } = {}): Composed | null {
  const variant = variantFor(template, channel);
  if (!variant) return null;
  const listed = listedInvoices(a, asOf, options.invoiceRef);
  const values = valuesFor(a, asOf, listed, options.signature, options.invoiceRef);
  const letterOf = (l: LetterVariant): LetterContent => {
    return {
      subject: fill(l.subject, values),
      // The invoices are printed as a table where the text lists them.
      body: fill(l.body.replaceAll(OWED_LIST, INVOICE_TABLE), values),
      formalNotice: Boolean(l.formalNotice),
      address: a.address,
      from: { name: a.site.name, address: a.site.address, phone: a.site.phone },
      placeAndDate: `${a.site.city || a.site.name}, le ${longDateFr(asOf)}`,
      invoices: listed.map((i) => ({ ref: i.ref, dueDate: i.dueDate, remainingCents: i.remainingCents })),
      totalCents: listed.reduce((s, i) => s + i.remainingCents, 0),
      signature: values.signature!,
      copies: channel === "registered_letter" ? ["Lettre recommandée avec AR", "Lettre simple", "Dossier"] : ["Original"],
    };
  };
  const senderName = template.from ?? a.site.name;
  if (channel === "email") {
    const e = variant as EmailVariant;
    return {
      recipient: a.email ?? "",
      senderName,
      subject: fill(e.subject, values),
      body: fill(e.body, values),
      letter: e.attachLetter && template.letter ? letterOf(template.letter) : null,
    };
  }
  if (channel === "sms") return { recipient: a.phone ?? "", senderName, subject: null, body: fill(variant.body, values), letter: null };
  const l = variant as LetterVariant;
  const letter = letterOf(l);
  return { recipient: a.address.join("\n"), senderName, subject: letter.subject, body: letter.body, letter };
}

import { CUSTOMER_KINDS, PAYMENT_METHODS, PAYMENT_STATUSES, SEGMENTS, type CustomerKind, type PaymentMethod, type PaymentStatus, type Segment } from "../../shared/enums";
import { cleanText, forbiddenCharacter } from "../../shared/text";
import type { ImportKind } from "./imports.sql";
import { parseAmountCents, parseDate } from "./parse-csv";

/** One problem in an imported file, for the person who exported it: where, what was there, what is wrong. */
export interface ImportIssue {
  line: number;
  column: string | null;
  message: string;
}

export interface CustomerLine {
  ref: string;
  kind: CustomerKind;
  name: string;
  email: string | null;
  phone: string | null;
  address: string | null;
  postalCode: string | null;
  city: string | null;
  paymentMethod: PaymentMethod;
  segment: Segment;
  stop: boolean;
}
export interface ContractLine {
  ref: string;
  customerRef: string;
  siteCode: string;
  unitNumber: string;
  monthlyRentCents: number;
  startDate: string;
  endDate: string | null;
}
export interface InvoiceLine {
  ref: string;
  customerRef: string;
  contractRef: string | null;
  issueDate: string;
  dueDate: string;
  amountCents: number;
}
export interface PaymentLine {
  ref: string;
  customerRef: string;
  invoiceRef: string | null;
  date: string;
  amountCents: number;
  method: PaymentMethod;
  status: PaymentStatus;
  reason: string | null;
}
export type LineOf<K extends ImportKind> = { customers: CustomerLine; contracts: ContractLine; invoices: InvoiceLine; payments: PaymentLine }[K];

/** The columns of each kind (CONTRACT.md); the optional ones may be missing from the header. */
export const COLUMNS: Record<ImportKind, { required: string[]; optional: string[] }> = {
  customers: { required: ["customer_ref", "kind", "name", "payment_method"], optional: ["email", "phone", "address", "postal_code", "city", "segment", "stop"] },
  contracts: { required: ["contract_ref", "customer_ref", "site_code", "unit_number", "monthly_rent", "start_date"], optional: ["end_date"] },
  invoices: { required: ["invoice_ref", "customer_ref", "issue_date", "due_date", "amount"], optional: ["contract_ref"] },
  payments: { required: ["payment_ref", "customer_ref", "date", "amount", "method", "status"], optional: ["invoice_ref", "reason"] },
};

// What billing exports write for the closed lists, in French or in short.
const KIND_ALIASES: Record<string, CustomerKind> = { particulier: "person", personne: "person", societe: "company", société: "company", entreprise: "company", professionnel: "company" };
const METHOD_ALIASES: Record<string, PaymentMethod> = {
  cb: "card",
  carte: "card",
  vad: "card",
  prelevement: "sepa",
  prélèvement: "sepa",
  virement: "transfer",
  cheque: "cheque",
  chèque: "cheque",
  especes: "cash",
  espèces: "cash",
};
const STATUS_ALIASES: Record<string, PaymentStatus> = { rejete: "rejected", rejeté: "rejected", refuse: "rejected", refusé: "rejected", impaye: "rejected", impayé: "rejected" };

/** Reads one line of a kind; every wrong value is reported, not just the first. */
export function readLine<K extends ImportKind>(kind: K, line: number, get: (column: string) => string): { value: LineOf<K> | null; issues: ImportIssue[] } {
  const issues: ImportIssue[] = [];
  const bad = (column: string, message: string) => issues.push({ line, column, message: `Ligne ${line}, colonne ${column} : ${message}` });
  const text = (column: string, required = false): string => {
    const raw = get(column);
    const forbidden = forbiddenCharacter(raw);
    if (forbidden) bad(column, `caractère de contrôle ${forbidden} refusé (un nom, une référence ou une adresse n'en contient pas : vérifiez l'export)`);
    const v = forbidden ? "" : cleanText(raw);
    if (required && v === "" && !forbidden) bad(column, "valeur manquante");
    return v;
  };
  const optional = (column: string) => text(column) || null;
  const amount = (column: string, allowNegative: boolean) => {
    const raw = text(column, true);
    if (raw === "") return 0;
    const cents = parseAmountCents(raw);
    if (cents === null) bad(column, `« ${raw} » n'est pas un montant`);
    else if (cents < 0 && !allowNegative) bad(column, `« ${raw} » : un montant négatif n'est pas accepté ici`);
    return cents ?? 0;
  };
  const date = (column: string, required = true) => {
    const raw = text(column, required);
    if (raw === "") return null;
    const d = parseDate(raw);
    if (!d) bad(column, `« ${raw} » n'est pas une date valide (JJ/MM/AAAA ou AAAA-MM-JJ)`);
    return d;
  };
  const oneOf = <T extends string>(column: string, values: readonly T[], aliases: Record<string, T>, fallback?: T): T => {
    const raw = text(column, fallback === undefined);
    if (raw === "" && fallback !== undefined) return fallback;
    const key = raw.toLowerCase();
    const found = (values as readonly string[]).includes(key) ? (key as T) : aliases[key] ?? aliases[key.normalize("NFD").replace(/[\u0300-\u036f]/g, "")];
    if (!found && raw !== "") bad(column, `« ${raw} » n'est pas une valeur possible (${values.join(", ")})`);
    return found ?? values[0]!;
  };

  let value: unknown;
  switch (kind) {
    case "customers": {
      const stop = text("stop");
      if (stop !== "" && stop !== "0" && stop !== "1") bad("stop", `« ${stop} » : 0 ou 1 attendu`);
      value = {
        ref: text("customer_ref", true),
        kind: oneOf("kind", CUSTOMER_KINDS, KIND_ALIASES),
        name: text("name", true),
        email: optional("email"),
        phone: optional("phone"),
        address: optional("address"),
        postalCode: optional("postal_code"),
        city: optional("city"),
        paymentMethod: oneOf("payment_method", PAYMENT_METHODS, METHOD_ALIASES),
        segment: oneOf("segment", SEGMENTS, {}, "box"),
        stop: stop === "1",
      } satisfies CustomerLine;
      break;
    }
    case "contracts":
      value = {
        ref: text("contract_ref", true),
        customerRef: text("customer_ref", true),
        siteCode: text("site_code", true),
        unitNumber: text("unit_number", true),
        monthlyRentCents: amount("monthly_rent", false),
        startDate: date("start_date") ?? "",
        endDate: date("end_date", false),
      } satisfies ContractLine;
      break;
    case "invoices":
      value = {
        ref: text("invoice_ref", true),
        customerRef: text("customer_ref", true),
        contractRef: optional("contract_ref"),
        issueDate: date("issue_date") ?? "",
        dueDate: date("due_date") ?? "",
        amountCents: amount("amount", true),
      } satisfies InvoiceLine;
      break;
    case "payments":
      value = {
        ref: text("payment_ref", true),
        customerRef: text("customer_ref", true),
        invoiceRef: optional("invoice_ref"),
        date: date("date") ?? "",
        amountCents: amount("amount", false),
        method: oneOf("method", PAYMENT_METHODS, METHOD_ALIASES),
        status: oneOf("status", PAYMENT_STATUSES, STATUS_ALIASES),
        reason: optional("reason"),
      } satisfies PaymentLine;
      break;
  }
  return { value: issues.length === 0 ? (value as LineOf<K>) : null, issues };
}

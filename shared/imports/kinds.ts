import { IMPORT_KINDS } from "../schemas/imports";

type ImportKind = (typeof IMPORT_KINDS)[number];

/**
 * The kind of a file from the billing software, from its header (the column that names each line's own ref) or,
 * failing that, its name (`clients*.csv`, `contrats*`, `factures*`, `reglements*`/`paiements*`, with or without a
 * leading date or number). Null when neither says: a person chooses, the drop folder refuses it.
 */
export function guessImportKind(fileName: string, headerLine: string): ImportKind | null {
  return kindFromHeader(headerLine) ?? kindFromName(fileName);
}

/** Files sorted in the order they must be applied (each refers to the ones before it); same kinds keep their order. */
export function inImportOrder<T extends { kind: ImportKind }>(files: readonly T[]): T[] {
  return files
    .map((f, i) => ({ f, i }))
    .sort((a, b) => IMPORT_KINDS.indexOf(a.f.kind) - IMPORT_KINDS.indexOf(b.f.kind) || a.i - b.i)
    .map(({ f }) => f);
}

// Checked in this order: a payments file may name an invoice, an invoices file a contract, a contracts file a customer.
const OWN_REF: [string, ImportKind][] = [
  ["payment_ref", "payments"],
  ["invoice_ref", "invoices"],
  ["contract_ref", "contracts"],
  ["customer_ref", "customers"],
];

function kindFromHeader(headerLine: string): ImportKind | null {
  const columns = new Set(
    headerLine
      .replace(/^\uFEFF/, "")
      .split(/[;,]/)
      .map((c) => c.trim().replace(/^"|"$/g, "").toLowerCase()),
  );
  return OWN_REF.find(([column]) => columns.has(column))?.[1] ?? null;
}

const NAMES: [RegExp, ImportKind][] = [
  [/^(clients?|customers?)/, "customers"],
  [/^(contrats?|contracts?)/, "contracts"],
  [/^(factures?|invoices?)/, "invoices"],
  [/^(reglements?|paiements?|payments?)/, "payments"],
];

function kindFromName(fileName: string): ImportKind | null {
  const base = (fileName.split(/[\\/]/).pop() ?? "")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/^[^a-z]+/, "");
  return NAMES.find(([pattern]) => pattern.test(base))?.[1] ?? null;
}

/** The kinds as the office names them. */
export const IMPORT_KIND_LABEL: Record<ImportKind, string> = { customers: "Clients", contracts: "Contrats", invoices: "Factures", payments: "Règlements" };

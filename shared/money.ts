// Money is always an integer number of cents. Formatting is French: "1 234,50 €".

export type Cents = number;

const euros = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" });

export function formatEuros(cents: Cents): string {
  return euros.format(cents / 100);
}

/** The same with plain spaces, for text pasted into other software (the billing log) that may not know U+202F. */
export function formatEurosPlain(cents: Cents): string {
  return formatEuros(cents).replace(/[\u00a0\u202f]/g, " ");
}

/** An amount as it is typed in a field: "1 234,50" (no currency sign), read back by `parseEuros`. */
export function formatEurosInput(cents: Cents): string {
  return formatEurosPlain(cents).replace(/\s?€/, "");
}

/**
 * Reads an amount typed the French way or the English way ("1 234,50", "1234.5", "12 €") into cents;
 * null when it is not an amount.
 */
export function parseEuros(text: string): Cents | null {
  const cleaned = text.replace(/[\s\u00a0\u202f€]/g, "");
  if (!/^-?\d+([.,]\d{1,2})?$/.test(cleaned)) return null;
  const [whole, fraction = ""] = cleaned.replace(",", ".").split(".");
  const sign = whole!.startsWith("-") ? -1 : 1;
  return sign * (Math.abs(Number(whole)) * 100 + Number(fraction.padEnd(2, "0")));
}

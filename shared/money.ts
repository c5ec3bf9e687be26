// Money is always an integer number of cents. Formatting is French: "1 234,50 €".

export type Cents = number;

const euros = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" });

export function formatEuros(cents: Cents): string {
  return euros.format(cents / 100);
}

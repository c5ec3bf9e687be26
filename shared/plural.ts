// Counts in French words: one rule for every screen, message and report that says how many.

const COUNT = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 0 });

/**
 * The word for `n` things: French keeps the singular for 0 and 1 ("0 appel abouti") and takes the plural from 2.
 * `many` defaults to `one` + "s"; give it for the rest ("box", "action mise de côté" → "actions mises de côté").
 */
export function plural(n: number, one: string, many = `${one}s`): string {
  return Math.abs(n) >= 2 ? many : one;
}

/** "1 500": a count as French writes it, thousands grouped with a narrow no-break space. */
export function formatCount(n: number): string {
  return COUNT.format(n);
}

/** "1 appel abouti", "3 appels aboutis", "1 500 clients" (thousands grouped with a narrow no-break space). */
export function counted(n: number, one: string, many?: string): string {
  return `${COUNT.format(n)} ${plural(n, one, many)}`;
}

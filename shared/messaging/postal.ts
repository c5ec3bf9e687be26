/**
 * An address as La Poste reads it through the envelope's window (AFNOR NF Z10-011): the last line — postcode and
 * town — in capitals, without accents or punctuation ("69007 LYON", "42000 SAINT ETIENNE"); the sorting machines
 * read it best that way. The lines above are printed as they were entered.
 */
export function postalAddress(lines: readonly string[]): string[] {
  if (lines.length < 2) return [...lines];
  return [...lines.slice(0, -1), postalLastLine(lines[lines.length - 1]!)];
}

/** "69007 Lyon" → "69007 LYON"; "42100 Saint-Étienne" → "42100 SAINT ETIENNE"; "l'Isle-d'Abeau" → "L ISLE D ABEAU". */
export function postalLastLine(line: string): string {
  return line
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(/œ/gi, "OE")
    .replace(/æ/gi, "AE")
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, " ")
    .trim();
}

/**
 * Text that came from outside (a billing export, a form) and will be printed on letters, shown on screens and
 * written into CSV files. Line breaks and tabs inside one value are only spacing and become one space; other
 * control characters (NUL, escape, DEL, C1) and the Unicode controls that reorder what is displayed (bidi overrides
 * and isolates) have no place in a name, a reference or an address and are refused, not silently dropped: the
 * person who exported the file is told which character and where.
 */

// C0 controls except tab/LF/CR, DEL, C1, bidi embeddings/overrides/isolates, and the BOM inside text.
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFEFF]/u;
const SPACING = /[\t\r\n\u2028\u2029]+/g;

/** The first character that has no place in a value, as `U+0000`, or null. */
export function forbiddenCharacter(text: string): string | null {
  const found = FORBIDDEN.exec(text);
  return found ? `U+${found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}` : null;
}

/** One value as stored: Unicode NFC (an accented letter is one character however it was typed), spacing folded, trimmed. */
export function cleanText(text: string): string {
  return text.normalize("NFC").replace(SPACING, " ").replace(/ {2,}/g, " ").trim();
}

/**
 * Accented letters and ligatures as a search compares them (French text, as stored: NFC). The follow-up table's
 * search runs in SQLite, which has no unaccent and whose lower() knows ASCII only: the server folds a column with
 * these same pairs (nested replace()), so a search and what it searches in are folded by one rule.
 */
export const SEARCH_FOLDS: readonly (readonly [string, string])[] = [
  ..."àáâãäåÀÁÂÃÄÅ".split("").map((c) => [c, "a"] as const),
  ..."çÇ".split("").map((c) => [c, "c"] as const),
  ..."èéêëÈÉÊË".split("").map((c) => [c, "e"] as const),
  ..."ìíîïÌÍÎÏ".split("").map((c) => [c, "i"] as const),
  ..."ñÑ".split("").map((c) => [c, "n"] as const),
  ..."òóôõöøÒÓÔÕÖØ".split("").map((c) => [c, "o"] as const),
  ..."ùúûüÙÚÛÜ".split("").map((c) => [c, "u"] as const),
  ..."ýÿÝŸ".split("").map((c) => [c, "y"] as const),
  ["œ", "oe"],
  ["Œ", "oe"],
  ["æ", "ae"],
  ["Æ", "ae"],
  ["ß", "ss"],
];

/** Separators a search ignores, so "06 12 34" finds 0612345678 and "jean-luc" finds "Jean Luc". */
export const SEARCH_IGNORED = [" ", "-", ".", "'", "’", "_", "/", "(", ")", "+", ","] as const;

/**
 * A text as the follow-up search compares it: accents folded (`SEARCH_FOLDS`), ASCII lower case, separators
 * dropped. The server applies the same steps in SQL (`searchKeySql`).
 */
export function searchKey(text: string): string {
  let out = text.normalize("NFC");
  for (const [from, to] of SEARCH_FOLDS) out = out.replaceAll(from, to);
  out = out.replace(/[A-Z]/g, (c) => c.toLowerCase());
  for (const s of SEARCH_IGNORED) out = out.replaceAll(s, "");
  return out;
}

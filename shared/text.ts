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

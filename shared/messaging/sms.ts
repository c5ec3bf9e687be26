/**
 * SMS facts shown before sending and used when sending: a French number in E.164 form, and how many SMS a text
 * costs (GSM-7: 160 characters, 153 a part when split; any character outside GSM-7 — "ê", "ç", "’", an emoji —
 * makes the whole text UCS-2: 70, then 67 a part).
 */

const GSM_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM_EXTENDED = "^{}\\[~]|€\f";
const BASIC = new Set(GSM_BASIC);
const EXTENDED = new Set(GSM_EXTENDED);

export interface SmsCount {
  encoding: "GSM-7" | "UCS-2";
  /** Characters as the network counts them (an extended GSM character counts two; UCS-2 counts UTF-16 units). */
  units: number;
  segments: number;
  /** The first characters that force UCS-2, to show the user what to change. */
  unicodeChars: string[];
}

export function smsCount(text: string): SmsCount {
  let septets = 0;
  const unicode = new Set<string>();
  for (const ch of text) {
    if (BASIC.has(ch)) septets += 1;
    else if (EXTENDED.has(ch)) septets += 2;
    else unicode.add(ch);
  }
  if (unicode.size === 0) return { encoding: "GSM-7", units: septets, segments: septets <= 160 ? 1 : Math.ceil(septets / 153), unicodeChars: [] };
  const units = text.length; // UTF-16 code units
  return { encoding: "UCS-2", units, segments: units <= 70 ? 1 : Math.ceil(units / 67), unicodeChars: [...unicode].slice(0, 5) };
}

/**
 * A phone number as E.164 (`+33612345678`), French numbers written the French way (`06 12 34 56 78`,
 * `0033 6…`, `+33 (0)6…`) included; null when it cannot be a number. Other countries must carry their `+` prefix.
 */
export function toE164(raw: string, defaultCountry = "33"): string | null {
  let s = raw.trim().replace(/\(0\)/g, "").replace(/[\s.\-/()]/g, "");
  if (s.startsWith("00")) s = `+${s.slice(2)}`;
  if (/^0[1-9]\d{8}$/.test(s)) s = `+${defaultCountry}${s.slice(1)}`;
  if (!/^\+[1-9]\d{6,14}$/.test(s)) return null;
  if (s.startsWith("+33") && !/^\+33[1-9]\d{8}$/.test(s)) return null;
  return s;
}

/** A French mobile (06, 07): the only numbers an SMS can reach in France. */
export function isMobile(e164: string): boolean {
  return !e164.startsWith("+33") || /^\+33[67]\d{8}$/.test(e164);
}

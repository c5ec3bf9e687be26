// Display formats for the French UI. Calendar dates are YYYY-MM-DD strings, instants ISO strings.

export { formatEuros } from "../shared/money";
export { formatDateFr } from "../shared/dates";
export { counted, plural } from "../shared/plural";

const longDay = new Intl.DateTimeFormat("fr-FR", { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" });
const shortDateTime = new Intl.DateTimeFormat("fr-FR", { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" });
const shortDate = new Intl.DateTimeFormat("fr-FR", { day: "2-digit", month: "2-digit", year: "numeric" });

/** "dimanche 22 novembre" */
export function formatLongDay(date: string): string {
  return longDay.format(new Date(`${date}T00:00:00Z`));
}

/** "12/11 à 09:41" in the phone's time zone */
export function formatInstantShort(instant: string): string {
  return shortDateTime.format(new Date(instant)).replace(" ", " à ");
}

export function formatInstantDate(instant: string): string {
  return shortDate.format(new Date(instant));
}

const time = new Intl.DateTimeFormat("fr-FR", { hour: "2-digit", minute: "2-digit" });

/** "14:02" in the phone's time zone */
export function formatTime(instant: string): string {
  return time.format(new Date(instant));
}

/** "J+23" */
export function daysLateLabel(days: number): string {
  return days >= 0 ? `J+${days}` : `J${days}`;
}

/** "06 12 34 56 78" → "tel:+33612345678". */
export function telHref(phone: string): string {
  return `tel:${dialable(phone)}`;
}

/** "06 12 34 56 78" → "sms:+33612345678": opens the phone's messages app on that number. */
export function smsHref(phone: string): string {
  return `sms:${dialable(phone)}`;
}

function dialable(phone: string): string {
  const digits = phone.replace(/[^\d+]/g, "");
  return digits.startsWith("0") ? `+33${digits.slice(1)}` : digits;
}

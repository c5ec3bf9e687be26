import { dayOfWeek, type CalendarDate } from "../dates";
import type { OpeningHours } from "../schemas/sites";
import { WEEKDAYS } from "./weekdays";

/** The weekdays as the office and the phone name them, Monday first (the order of `WEEKDAYS`). */
export const WEEKDAY_LABEL: Record<(typeof WEEKDAYS)[number], string> = {
  mon: "Lundi",
  tue: "Mardi",
  wed: "Mercredi",
  thu: "Jeudi",
  fri: "Vendredi",
  sat: "Samedi",
  sun: "Dimanche",
};

/** The weekday key of a calendar date. */
export function weekdayOf(date: CalendarDate): (typeof WEEKDAYS)[number] {
  // dayOfWeek counts from Sunday; WEEKDAYS from Monday.
  return WEEKDAYS[(dayOfWeek(date) + 6) % 7]!;
}

/** "06:00–12:00, 14:00–22:00", "fermé", or null when the site's hours are not known. */
export function hoursText(hours: OpeningHours | null | undefined, day: (typeof WEEKDAYS)[number]): string | null {
  if (!hours) return null;
  const ranges = hours[day] ?? [];
  return ranges.length === 0 ? "fermé" : ranges.map((r) => `${r.from}–${r.to}`).join(", ");
}

/** The same hours every day (the common case): shown once instead of seven times. */
export function sameEveryDay(hours: OpeningHours): boolean {
  const first = JSON.stringify(hours.mon);
  return WEEKDAYS.every((d) => JSON.stringify(hours[d]) === first);
}

/** Every day open `from`–`to`: the form's starting point and the demo's hours. */
export function everyDay(from: string, to: string): OpeningHours {
  return Object.fromEntries(WEEKDAYS.map((d) => [d, [{ from, to }]])) as OpeningHours;
}

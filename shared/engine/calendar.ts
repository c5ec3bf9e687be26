import { addDays, dayOfWeek, type CalendarDate } from "../dates";

/**
 * The French working-day calendar the reminder scenarios follow: a step never falls on a Sunday or a public
 * holiday (Saturdays are working days at the sites). Dates are Europe/Paris calendar dates.
 */

/** Easter Sunday of `year` (Gregorian calendar; the anonymous "Meeus/Jones/Butcher" algorithm). */
export function easterSunday(year: number): CalendarDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** The eleven national public holidays of metropolitan France in `year`, with their French names. */
export function frenchPublicHolidays(year: number): Map<CalendarDate, string> {
  const easter = easterSunday(year);
  const fixed = (mmdd: string) => `${year}-${mmdd}`;
  return new Map([
    [fixed("01-01"), "Jour de l'an"],
    [addDays(easter, 1), "Lundi de Pâques"],
    [fixed("05-01"), "Fête du Travail"],
    [fixed("05-08"), "Victoire 1945"],
    [addDays(easter, 39), "Ascension"],
    [addDays(easter, 50), "Lundi de Pentecôte"],
    [fixed("07-14"), "Fête nationale"],
    [fixed("08-15"), "Assomption"],
    [fixed("11-01"), "Toussaint"],
    [fixed("11-11"), "Armistice 1918"],
    [fixed("12-25"), "Noël"],
  ]);
}

const holidaysByYear = new Map<number, Map<CalendarDate, string>>();

/** The holiday's name when `date` is a French public holiday, else null. */
export function publicHoliday(date: CalendarDate): string | null {
  const year = Number(date.slice(0, 4));
  let holidays = holidaysByYear.get(year);
  if (!holidays) holidaysByYear.set(year, (holidays = frenchPublicHolidays(year)));
  return holidays.get(date) ?? null;
}

export function isWorkingDay(date: CalendarDate): boolean {
  return dayOfWeek(date) !== 0 && publicHoliday(date) === null;
}

/** `date` if it is a working day, else the next one. */
export function onOrAfterWorkingDay(date: CalendarDate): CalendarDate {
  let d = date;
  while (!isWorkingDay(d)) d = addDays(d, 1);
  return d;
}

/** `date` if it is a working day, else the previous one (a contract ends before the next billing, not after). */
export function onOrBeforeWorkingDay(date: CalendarDate): CalendarDate {
  let d = date;
  while (!isWorkingDay(d)) d = addDays(d, -1);
  return d;
}

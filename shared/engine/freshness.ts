// The engine acts only on fresh billing data: when the newest successful import is older than this, it still
// plans the day but carries nothing out (no letter, e-mail or SMS goes on stale balances). The office screens warn
// with the same rule.

/** Hours after the last successful import beyond which nothing is sent automatically. */
export const STALE_IMPORT_HOURS = 24;

/** Whole hours since the last successful import. */
export function importAgeHours(last: Date, now: Date): number {
  return Math.floor((now.getTime() - last.getTime()) / 3_600_000);
}

/** True when the engine would hold its day: no import yet, or the last one is over `hours` old. */
export function isImportStale(last: Date | null, now: Date, hours = STALE_IMPORT_HOURS): boolean {
  return last === null || (now.getTime() - last.getTime()) / 3_600_000 > hours;
}

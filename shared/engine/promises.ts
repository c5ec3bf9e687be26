import { addDays, daysBetween, type CalendarDate } from "../dates";

/**
 * Promises to pay, as a credit controller reads them. A customer who calls back with a corrected date or amount
 * makes a new promise that *replaces* the earlier one: only the latest promise is in force, and it alone pauses
 * the reminders. A replaced promise was broken only if its day had already gone by, unpaid, when the new one
 * was made (the customer missed it and promised again); replaced before or on its day, it was simply
 * rescheduled. The latest promise is broken once its week of grace after its day is over with the debt still
 * owed. A promise cancelled as a mistake (a correction) is not a promise at all: callers leave it out.
 *
 * One rule for the engine's pause, the outbox's last check before sending and the floor's priority.
 */
export interface PromiseMade {
  /** The site day the promise was made. */
  madeOn: CalendarDate;
  promisedOn: CalendarDate;
}

/** How many days after its date a promise still calls for a check (a payment takes time to show); after that it is broken. */
export const PROMISE_CHECK_DAYS = 7;

/**
 * The promises in the order they were made, each with the day a later one replaced it (null: the latest).
 * Promises made the same day keep their order in `promises`: give them in the order they were made.
 */
export function withReplacement<P extends PromiseMade>(promises: readonly P[]): (P & { replacedOn: CalendarDate | null })[] {
  const ordered = promises
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.madeOn < b.p.madeOn ? -1 : a.p.madeOn > b.p.madeOn ? 1 : a.i - b.i))
    .map(({ p }) => p);
  return ordered.map((p, i) => ({ ...p, replacedOn: ordered[i + 1]?.madeOn ?? null }));
}

/**
 * The days each promise was in force: from the day it was made to its promised day, cut short the day before
 * a later promise replaced it (the new one is in force from its own day). A promise replaced the day it was
 * made was never in force on its own.
 */
export function promiseWindows(promises: readonly PromiseMade[]): { from: CalendarDate; to: CalendarDate }[] {
  return withReplacement(promises).flatMap((p) => {
    const to = p.replacedOn !== null && addDays(p.replacedOn, -1) < p.promisedOn ? addDays(p.replacedOn, -1) : p.promisedOn;
    return to >= p.madeOn ? [{ from: p.madeOn, to }] : [];
  });
}

/** The promise was made and in force on day `t` (the reminders wait). */
export function promiseInForce(promises: readonly PromiseMade[], t: CalendarDate): boolean {
  return promiseWindows(promises).some((w) => w.from <= t && t <= w.to);
}

/** Whether a replaced promise was broken: its day had gone by when the next one was made. */
export function brokenWhenReplaced(p: PromiseMade & { replacedOn: CalendarDate | null }): boolean {
  return p.replacedOn !== null && p.replacedOn > p.promisedOn;
}

/**
 * How many promises the customer broke, while the debt is still owed (`owed`): the replaced ones whose day had
 * gone by, and the latest once its week of grace is over on `today`.
 */
export function brokenPromiseCount(promises: readonly PromiseMade[], today: CalendarDate, owed: boolean): number {
  if (!owed) return 0;
  const all = withReplacement(promises);
  const latest = all.at(-1);
  const earlier = all.slice(0, -1).filter(brokenWhenReplaced).length;
  return earlier + (latest && latestBroken(latest, today) ? 1 : 0);
}

/** The latest promise is broken once its week of grace after its day is over (while the debt is owed). */
export function latestBroken(p: PromiseMade, today: CalendarDate): boolean {
  return p.promisedOn < today && daysBetween(p.promisedOn, today) > PROMISE_CHECK_DAYS;
}

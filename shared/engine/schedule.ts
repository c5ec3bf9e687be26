import { addDays, addMonths, lastDayOfMonth, type CalendarDate } from "../dates";
import { onOrAfterWorkingDay, onOrBeforeWorkingDay } from "./calendar";
import type { Scenario, ScenarioStep, StepWhen } from "./scenarios";

/**
 * When a step falls: `when` applied to its starting point (months first, then days, then the end of the month),
 * then moved off Sundays and public holidays. Months clamp to the month's last day (31 Jan + 1 month = 28 Feb).
 */
export function stepDate(when: StepWhen, start: CalendarDate): CalendarDate {
  let d = start;
  if (when.months) d = addMonths(d, when.months);
  if (when.days) d = addDays(d, when.days);
  if (when.from === "receipt") return afterDeadline(when, d);
  if (when.endOfMonth) d = lastDayOfMonth(d);
  return shifted(when, d);
}

/**
 * A step counted from a letter's receipt falls once the deadline it gave has passed: the day after its last day,
 * or the end of the month it passed in — never on or before that last day, even when the working-day shift moves
 * a month's end back (then it is the next month's end).
 */
function afterDeadline(when: StepWhen, deadline: CalendarDate): CalendarDate {
  for (let d = addDays(deadline, 1); ; d = when.endOfMonth ? addDays(lastDayOfMonth(d), 1) : addDays(d, 1)) {
    const day = shifted(when, when.endOfMonth ? lastDayOfMonth(d) : d);
    if (day > deadline) return day;
  }
}

function shifted(when: StepWhen, d: CalendarDate): CalendarDate {
  return when.shift === "previous" ? onOrBeforeWorkingDay(d) : onOrAfterWorkingDay(d);
}

export interface ScheduledStep {
  step: ScenarioStep;
  /** The day it falls due, after the working-day shift; null for a step that waits for a payment not made, or a receipt not recorded. */
  date: CalendarDate | null;
}

/**
 * The dates of a scenario's enabled steps for a debt due on `due`, paid in full on `paidOn` (null: not paid), the
 * registered letters received on `receipts` (step code → the day of its AR or unclaimed return; a step counted
 * from a receipt not given has no date). A step counted from the one before starts from that step's date (before
 * its working-day shift is undone: the shifted date, as the customer saw it).
 */
export function schedule(scenario: Scenario, due: CalendarDate, paidOn: CalendarDate | null, receipts: Readonly<Record<string, CalendarDate>> = {}): ScheduledStep[] {
  const out: ScheduledStep[] = [];
  let previous: CalendarDate = due;
  for (const step of scenario.steps) {
    if (!step.enabled) continue;
    const start = step.when.from === "due" ? due : step.when.from === "previous" ? previous : step.when.from === "receipt" ? (receipts[step.when.step ?? ""] ?? null) : paidOn;
    const date = start === null ? null : stepDate(step.when, start);
    out.push({ step, date });
    if (date && step.when.from !== "payment") previous = date;
  }
  return out;
}

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
  if (when.endOfMonth) d = lastDayOfMonth(d);
  return when.shift === "previous" ? onOrBeforeWorkingDay(d) : onOrAfterWorkingDay(d);
}

export interface ScheduledStep {
  step: ScenarioStep;
  /** The day it falls due, after the working-day shift; null for a step that waits for a payment not made. */
  date: CalendarDate | null;
}

/**
 * The dates of a scenario's enabled steps for a debt due on `due`, paid in full on `paidOn` (null: not paid).
 * A step counted from the one before starts from that step's date (before its working-day shift is undone: the
 * shifted date, as the customer saw it).
 */
export function schedule(scenario: Scenario, due: CalendarDate, paidOn: CalendarDate | null): ScheduledStep[] {
  const out: ScheduledStep[] = [];
  let previous: CalendarDate = due;
  for (const step of scenario.steps) {
    if (!step.enabled) continue;
    const start = step.when.from === "due" ? due : step.when.from === "previous" ? previous : paidOn;
    const date = start === null ? null : stepDate(step.when, start);
    out.push({ step, date });
    if (date && step.when.from !== "payment") previous = date;
  }
  return out;
}

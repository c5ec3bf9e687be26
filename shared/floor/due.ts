import { daysBetween } from "../dates";
import { PROMISE_CHECK_DAYS } from "../engine/promises";
import type { DebtorDoc, DocTask, DocUnit } from "../schemas/debtor-doc";

/** Something to do today for a debtor: an open task fallen due, or a promise to pay whose day has come. */
export type DueItem =
  | { type: "task"; task: DocTask; unit: DocUnit | undefined }
  | { type: "promise"; promisedOn: string; amountCents: number };

export function dueItems(doc: DebtorDoc, today: string): DueItem[] {
  const items: DueItem[] = doc.tasks
    .filter((t) => t.status === "open" && t.dueOn <= today)
    .sort((a, b) => (a.dueOn < b.dueOn ? -1 : 1))
    .map((task) => ({ type: "task", task, unit: doc.units.find((u) => u.id === task.unitId) }));
  if (doc.promise && promiseStatus(doc, today) === "due") {
    items.push({ type: "promise", promisedOn: doc.promise.promisedOn, amountCents: doc.promise.amountCents });
  }
  return items;
}

/** `pending` before its day, `due` from its day for a week while unpaid, then `broken`; `kept` once paid. */
export function promiseStatus(doc: DebtorDoc, today: string): "pending" | "due" | "broken" | "kept" | null {
  if (!doc.promise) return null;
  if (doc.balanceCents <= 0) return "kept";
  if (doc.promise.promisedOn > today) return "pending";
  return daysBetween(doc.promise.promisedOn, today) <= PROMISE_CHECK_DAYS ? "due" : "broken";
}

export function daysLate(doc: DebtorDoc, today: string): number | null {
  return doc.case?.status === "open" ? daysBetween(doc.case.anchorOn, today) : null;
}

/** The order of a round on the floor: site, building, aisle (numerically), then box number. */
export function walkingKey(doc: DebtorDoc): string {
  const first = [...doc.units].sort(compareUnitsOnTheFloor)[0];
  return first ? unitFloorKey(first) : "\uffff";
}

export function compareUnitsOnTheFloor(a: DocUnit, b: DocUnit): number {
  const ka = unitFloorKey(a);
  const kb = unitFloorKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function unitFloorKey(u: DocUnit): string {
  const aisle = (u.aisle ?? "").padStart(4, "0");
  return `${u.siteCode}|${u.building ?? ""}|${aisle}|${u.number.padStart(8, "0")}`;
}

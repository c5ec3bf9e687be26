import { daysLate, dueItems, walkingKey, type DueItem } from "../../../shared/floor/due";
import { priorityOf } from "../../../shared/engine/priority";
import type { DebtorDoc } from "../../../shared/schemas/debtor-doc";
import type { DebtorRow } from "../../store/db";
import { shown } from "../../store/views";

/** A debtor as *Aujourd'hui* lists them: what is due today, how late, the priority, the walking order, the search text. */
export interface Line {
  /** The customer's id: the key the windowed list keeps each row's measured height by. */
  id: string;
  doc: DebtorDoc;
  due: DueItem[];
  late: number | null;
  score: number;
  walk: string;
  haystack: string;
}

/**
 * One row's line: the store computes it as each few dozen rows are read, once per write of the row (kept by its
 * stamp), so thousands of debtors never cost one long frame on a phone.
 */
export function lineOf(row: DebtorRow, today: string): Line {
  const doc = shown(row);
  return {
    id: row.customerId,
    doc,
    due: dueItems(doc, today),
    late: daysLate(doc, today),
    score: priorityOf(doc, today).total,
    walk: walkingKey(doc),
    haystack: normalize([doc.name, doc.ref, ...doc.units.map((u) => u.number)].join(" ")),
  };
}

/** Lower case, accents dropped: « Hélène » is found by « helene ». */
export function normalize(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
}

import type { DebtorDoc, DocUnit } from "../schemas/debtor-doc";
import { compareUnitsOnTheFloor } from "./due";
import { linesForRules, type HistoryFact } from "./history";

/**
 * The padlock walk-through: for each box of a site, whether it should carry the second padlock and what the
 * record says, so a site manager walking the corridors can check each door and fix the record. Built from the
 * debtors the phone holds, so it works with no signal.
 *
 * - `to_place`: the procedure says padlock (an open "poser le double cadenas" task) and none is recorded;
 * - `to_remove`: paid, the padlock is to come off (an open "retirer" task) and it is still recorded on;
 * - `confirmed`: recorded on, and nothing says it should come off.
 *
 * A box to place or to remove for more than 24 h (its task was due before today) is a `mismatch`: the record
 * and the procedure disagree for longer than a day, which the walk-through shows first.
 */
export type WalkCategory = "to_place" | "to_remove" | "confirmed";

export interface WalkRow {
  customerId: string;
  name: string;
  ref: string;
  unit: DocUnit;
  category: WalkCategory;
  /** Since when the procedure asks for it (the task's due date), for `to_place` and `to_remove`. */
  dueOn: string | null;
  mismatch: boolean;
  /** The latest "padlock placed" line the phone knows for this box: who, when, photos. */
  placed: HistoryFact | null;
}

export function walkthrough(docs: readonly DebtorDoc[], today: string): WalkRow[] {
  const rows: WalkRow[] = [];
  for (const doc of docs) {
    for (const unit of doc.units) {
      // An opened box has left the padlock procedure: it carries the Manager's new padlock.
      if (unit.opening) continue;
      const task = (kind: "padlock_place" | "padlock_remove") => doc.tasks.find((t) => t.status === "open" && t.kind === kind && t.unitId === unit.id) ?? null;
      const place = task("padlock_place");
      const remove = task("padlock_remove");
      let category: WalkCategory | null = null;
      let dueOn: string | null = null;
      if (unit.padlock === "none" && place) [category, dueOn] = ["to_place", place.dueOn];
      else if (unit.padlock === "second_padlock" && remove) [category, dueOn] = ["to_remove", remove.dueOn];
      else if (unit.padlock === "second_padlock") category = "confirmed";
      if (!category) continue;
      rows.push({
        customerId: doc.customerId,
        name: doc.name,
        ref: doc.ref,
        unit,
        category,
        dueOn,
        mismatch: dueOn !== null && dueOn < today,
        placed: linesForRules(doc).find((h) => h.kind === "padlock_placed" && h.unitId === unit.id && !h.rejectedReason) ?? null,
      });
    }
  }
  return rows.sort((a, b) => compareUnitsOnTheFloor(a.unit, b.unit));
}

/** The counts a walk-through's header shows. */
export function walkCounts(rows: readonly WalkRow[]): Record<WalkCategory | "mismatch", number> {
  const counts = { to_place: 0, to_remove: 0, confirmed: 0, mismatch: 0 };
  for (const r of rows) {
    counts[r.category]++;
    if (r.mismatch) counts.mismatch++;
  }
  return counts;
}

import { daysLate, dueItems } from "../floor/due";
import { linesForRules } from "../floor/history";
import { brokenPromiseCount } from "./promises";
import type { DebtorDoc } from "../schemas/debtor-doc";

/**
 * Whom the floor acts on first: a score anyone can read back — points for what is owed, for how late, for
 * something due today, for promises broken — each part with its reason in French, shown on the debtor screen.
 * Credit controllers forget small debtors and chase big ones (seed 001): the caps keep a big balance from
 * hiding a long-late small one.
 */
export interface Priority {
  total: number;
  parts: { points: number; reason: string }[];
}

export function priorityOf(doc: DebtorDoc, today: string): Priority {
  const parts: Priority["parts"] = [];
  const euros = Math.max(0, doc.balanceCents) / 100;
  if (euros > 0) parts.push({ points: Math.min(40, Math.round(euros / 10)), reason: `${Math.round(euros)} € dus` });
  const late = daysLate(doc, today);
  if (late !== null && late > 0) parts.push({ points: Math.min(40, Math.round(late / 2)), reason: `J+${late}` });
  const due = dueItems(doc, today);
  if (due.length > 0) parts.push({ points: 30, reason: due.length === 1 ? "une action prévue aujourd'hui" : `${due.length} actions prévues aujourd'hui` });
  const broken = brokenPromises(doc, today);
  if (broken > 0) parts.push({ points: Math.min(30, 15 * broken), reason: broken === 1 ? "une promesse non tenue" : `${broken} promesses non tenues` });
  return { total: parts.reduce((sum, p) => sum + p.points, 0), parts };
}

/**
 * The promises of the open case the customer broke (`brokenPromiseCount`): a new promise replaces the earlier one,
 * which counts as broken only if its day had gone by when the new one was made. The standing promise is the
 * document's own (`doc.promise`: the latest uncorrected one, even when older than the history the phone holds).
 * Corrected promises count for nothing; one just recorded on the phone already replaces the earlier one.
 */
function brokenPromises(doc: DebtorDoc, today: string): number {
  const kase = doc.case;
  if (doc.balanceCents <= 0 || !kase || kase.status !== "open") return 0;
  const standing = doc.promise;
  const earlier = linesForRules(doc)
    .filter((h) => h.kind === "promise" && h.promise && !h.correctedAt && h.happenedAt.slice(0, 10) >= kase.openedOn)
    .filter((h) => !standing || h.happenedAt < standing.madeAt)
    .map((h) => ({ madeOn: h.happenedAt.slice(0, 10), promisedOn: h.promise!.promisedOn }));
  const latest = standing ? [{ madeOn: standing.madeAt.slice(0, 10), promisedOn: standing.promisedOn }] : [];
  return brokenPromiseCount([...earlier, ...latest], today, true);
}

/** Two-hour windows of the working day, site time. */
const WINDOWS = [
  [8, 10],
  [10, 12],
  [12, 14],
  [14, 16],
  [16, 18],
  [18, 20],
] as const;

/**
 * When this customer tends to answer, learned from the calls logged: each answered call counts for its window,
 * each unanswered one a little against. Null until two calls were answered: a guess from one is noise.
 */
export function bestHourToCall(doc: DebtorDoc, timeZone: string): { from: number; to: number; answered: number } | null {
  const score = WINDOWS.map(() => 0);
  const answered = WINDOWS.map(() => 0);
  for (const h of linesForRules(doc)) {
    if (h.kind !== "call" || !h.outcome || h.correctedAt) continue;
    const hour = Number(hourIn(h.happenedAt, timeZone));
    const w = WINDOWS.findIndex(([from, to]) => hour >= from && hour < to);
    if (w < 0) continue;
    if (h.outcome === "answered" || h.outcome === "promise") {
      score[w]! += 1;
      answered[w]! += 1;
    } else if (h.outcome === "no_answer") {
      score[w]! -= 0.5;
    }
  }
  if (answered.reduce((a, b) => a + b, 0) < 2) return null;
  const best = score.indexOf(Math.max(...score));
  if (answered[best] === 0) return null;
  return { from: WINDOWS[best]![0], to: WINDOWS[best]![1], answered: answered[best]! };
}

const hourFormat = new Map<string, Intl.DateTimeFormat>();
function hourIn(instant: string, timeZone: string): string {
  let f = hourFormat.get(timeZone);
  if (!f) hourFormat.set(timeZone, (f = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", hourCycle: "h23" })));
  return f.format(new Date(instant));
}

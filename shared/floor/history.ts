import type { DebtorDoc, DocEarlier } from "../schemas/debtor-doc";

/**
 * How many of a debtor's newest history lines the phone keeps whole and its debtor screen lists; the older ones are
 * read online (« Tout l'historique »). The server's documents and the screen both read this number: a first sync
 * carries thousands of debtors, and lines nobody scrolls to were most of its bytes.
 */
export const HISTORY_LISTED = 10;

/**
 * How far back (in newest lines) the phone's rules look: the best hour to call, the broken promises of the
 * priority, the standing promise after a correction, the padlock round's last placement. Past the listed lines,
 * the document carries only the lines of `KINDS_RULES_READ`, in brief (`earlier`), so the rules answer as they
 * did when the phone kept all these lines whole.
 */
export const HISTORY_READ = 25;

/** The kinds of line those rules read. */
export const KINDS_RULES_READ = ["call", "promise", "padlock_placed"] as const;

/** A line as the rules read it: a listed line, or an older one in brief. */
export type HistoryFact = DocEarlier;

/**
 * Every line the phone knows of for its rules, newest first: the listed lines (with the phone's unsent ones laid
 * over), then the older ones in brief.
 */
export function linesForRules(doc: Pick<DebtorDoc, "history" | "earlier">): readonly HistoryFact[] {
  return doc.earlier?.length ? [...doc.history, ...doc.earlier] : doc.history;
}

import { addMonths, type CalendarDate } from "../dates";
import { formatEurosPlain } from "../money";

/**
 * How long a customer's personal data are kept, as the CNIL's life cycle asks: the active base while the contract
 * or the debt lasts; then an intermediate archive for `retentionYears` after the relationship ended (the last debt
 * settled and every contract ended); then pseudonymisation (name, contact, address, free texts, photos) while the
 * accounting lines (refs, amounts, dates) stay for the Code de commerce's 10 years. A legal hold (dispute, hand-over
 * to a bailiff or to court) keeps everything. An erasure request is carried out at once when nothing in law
 * requires the data (the same obstacles, without the delay), refused with the reason otherwise.
 */

/** What decides, read from the data (`server/privacy/facts.ts`). Dates are calendar days. */
export interface RetentionFacts {
  /** The legal hold's reason; null when none. */
  legalHold: string | null;
  /** When the customer was pseudonymised; null while their data are held. */
  pseudonymisedOn: CalendarDate | null;
  /** Every invoice (due or not, credit notes and write-offs negative) minus the payments received. */
  outstandingCents: number;
  openCase: boolean;
  openTasks: number;
  /** Each contract's end date; null while it runs. */
  contractEnds: (CalendarDate | null)[];
  /** The latest accounting movement: an invoice's issue or due date, a payment, a payment incident. */
  lastMovementOn: CalendarDate | null;
  /** The latest case closed. */
  lastCaseClosedOn: CalendarDate | null;
  /** When Cadenas first knew them: the end of a relationship that left no other trace. */
  createdOn: CalendarDate;
}

/** Why the data must stay, in the order the office reads them. */
export type RetentionObstacle = "legal_hold" | "debt_owed" | "credit_owed" | "open_case" | "open_task" | "contract_running";

export type RetentionDecision =
  | { state: "pseudonymised"; on: CalendarDate }
  /** In the active base: something still needs the data. */
  | { state: "kept"; obstacles: RetentionObstacle[] }
  /** In the intermediate archive until `dueOn`. */
  | { state: "archived"; endedOn: CalendarDate; dueOn: CalendarDate }
  /** Past the period: the daily job pseudonymises them. */
  | { state: "due"; endedOn: CalendarDate; dueOn: CalendarDate };

/** The retention period's bounds and default (years after the relationship ended). */
export const RETENTION_YEARS = { min: 1, max: 10, default: 3 } as const;

/** How long accounting documents are kept (C. com. art. L123-22): the lines Cadenas keeps after pseudonymising. */
export const ACCOUNTING_YEARS = 10;

const latest = (dates: (CalendarDate | null)[]): CalendarDate | null => dates.reduce<CalendarDate | null>((a, d) => (d !== null && (a === null || d > a) ? d : a), null);

/** What still requires the data on `today`; none: the relationship has ended. */
export function retentionObstacles(f: RetentionFacts, today: CalendarDate): RetentionObstacle[] {
  const out: RetentionObstacle[] = [];
  if (f.legalHold !== null) out.push("legal_hold");
  if (f.outstandingCents > 0) out.push("debt_owed");
  if (f.outstandingCents < 0) out.push("credit_owed");
  if (f.openCase) out.push("open_case");
  if (f.openTasks > 0) out.push("open_task");
  if (f.contractEnds.some((end) => end === null || end > today)) out.push("contract_running");
  return out;
}

/**
 * The day the relationship ended: the latest of the contracts' ends, the last accounting movement (the debt's
 * settlement) and the last case's closing; the day Cadenas first knew the customer when none of those exists.
 */
export function relationEndedOn(f: RetentionFacts): CalendarDate {
  return latest([...f.contractEnds, f.lastMovementOn, f.lastCaseClosedOn]) ?? f.createdOn;
}

/** Where the customer stands in the life cycle on `today`, with `retentionYears` of intermediate archive. */
export function retentionDecision(f: RetentionFacts, today: CalendarDate, retentionYears: number): RetentionDecision {
  if (f.pseudonymisedOn !== null) return { state: "pseudonymised", on: f.pseudonymisedOn };
  const obstacles = retentionObstacles(f, today);
  if (obstacles.length > 0) return { state: "kept", obstacles };
  const endedOn = relationEndedOn(f);
  const dueOn = addMonths(endedOn, 12 * retentionYears);
  return today >= dueOn ? { state: "due", endedOn, dueOn } : { state: "archived", endedOn, dueOn };
}

export type ErasureDecision = { state: "erase" } | { state: "already"; on: CalendarDate } | { state: "refused"; obstacles: RetentionObstacle[] };

/**
 * An erasure request (GDPR art. 17): carried out at once when nothing requires the data — no debt either way, no
 * contract running, no open case or task, no legal hold — whatever the retention period; refused otherwise (art.
 * 17(3)(b) and (e): a legal obligation, a claim). The accounting lines stay either way (a legal obligation).
 */
export function erasureDecision(f: RetentionFacts, today: CalendarDate): ErasureDecision {
  if (f.pseudonymisedOn !== null) return { state: "already", on: f.pseudonymisedOn };
  const obstacles = retentionObstacles(f, today);
  return obstacles.length > 0 ? { state: "refused", obstacles } : { state: "erase" };
}

/** Each obstacle in French, as the office and the requester are told. */
export function obstacleText(o: RetentionObstacle, f: Pick<RetentionFacts, "legalHold" | "outstandingCents">): string {
  switch (o) {
    case "legal_hold":
      return `Conservation pour motif légal : ${f.legalHold ?? "litige"}.`;
    case "debt_owed":
      return `Une dette de ${formatEurosPlain(f.outstandingCents)} reste due : les données servent à son recouvrement.`;
    case "credit_owed":
      return `Un avoir de ${formatEurosPlain(-f.outstandingCents)} reste à rembourser au client.`;
    case "open_case":
      return "Un dossier d'impayé est ouvert.";
    case "open_task":
      return "Une tâche reste à faire sur le site (cadenas à retirer, code à rétablir…).";
    case "contract_running":
      return "Un contrat est en cours : les données servent à son exécution.";
  }
}

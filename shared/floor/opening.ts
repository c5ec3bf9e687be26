import { addDays, formatDateFr, type CalendarDate } from "../dates";

// What makes opening a box and disposing of its contents lawful, as plain rules over dates: the server checks an
// opening or a clearing with them (the dates read from its database), and the phone shows the Manager the same
// conditions, worded the same, before the flow and before anything is sent (the dates from its copy of the case).
// Plain code, no schema library: the opening page loads it.
//
// A period of N days "à compter de la réception" does not count the day of receipt and runs to the end of the
// Nth day after it: received on the 3rd, 8 days run to the 11th inclusive; the box may be opened from the 12th.

/** The formal notice's deadline: "huit jours à compter de la réception de la présente". */
export const R3_DEADLINE_DAYS = 8;

/** The last day of a period of `days` days counted from `from` (that day excluded). */
export function periodEnd(from: CalendarDate, days: number): CalendarDate {
  return addDays(from, days);
}

/** Whether that period is over on `today`: from the day after its last day. */
export function periodPassed(from: CalendarDate, days: number, today: CalendarDate): boolean {
  return today > periodEnd(from, days);
}

/**
 * The case's facts an opening depends on. A registered letter counts as received on the day its acknowledgement of
 * receipt was signed, or the day it came back unclaimed (*pli avisé et non réclamé*): both are recorded by the office.
 */
export interface OpeningFacts {
  /** The contract ended by the exit step (its `contract_end` done). */
  exitDone: boolean;
  /** The day the contract ended, to say it (null: unknown). */
  contractEndedOn?: CalendarDate | null;
  /** The formal notice (R3, registered letter): the day of its receipt or unclaimed return, null while neither is recorded. */
  r3ReceivedOn: CalendarDate | null;
  /** The termination notice (the exit step's registered letter) posted. */
  noticeSent: boolean;
  /** Its receipt or unclaimed return. */
  noticeReceivedOn: CalendarDate | null;
  /** In dispute (*litige*) since this day (the site's): nothing is done against a debt the customer contests until the office lifts it. */
  disputeSince?: CalendarDate | null;
}

export const OPENING_CONDITION_CODES = ["IN_DISPUTE", "R3_NOT_RECEIVED", "R3_DEADLINE_RUNNING", "NOT_EXIT", "NOTICE_NOT_RECEIVED", "COLLECTION_PERIOD_RUNNING"] as const;
export type OpeningConditionCode = (typeof OPENING_CONDITION_CODES)[number];

export interface Condition<Code extends string> {
  /** The refusal's code when it is not met. */
  code: Code;
  ok: boolean;
  /** What stands, in French: the phone's checklist line, and the server's refusal after "Ouverture refusée : ". */
  text: string;
}

/** Every condition of an opening on `today`, in the order of the procedure; the box may be opened when all are met. */
export function openingConditions(f: OpeningFacts, collectionPeriodDays: number, today: CalendarDate): Condition<OpeningConditionCode>[] {
  const r3 = f.r3ReceivedOn;
  const notice = f.noticeReceivedOn;
  const received = "(avis de réception signé ou pli avisé et non réclamé)";
  return [
    {
      code: "IN_DISPUTE",
      ok: !f.disputeSince,
      text: f.disputeSince
        ? `Client en litige depuis le ${formatDateFr(f.disputeSince)} : l'ouverture attend que le bureau lève le litige`
        : "Aucun litige en cours",
    },
    {
      code: "R3_NOT_RECEIVED",
      ok: r3 !== null,
      text: r3 ? `Mise en demeure (R3) reçue le ${formatDateFr(r3)} ${received}` : "Mise en demeure (R3) : ni avis de réception ni retour « pli avisé et non réclamé » enregistré",
    },
    {
      code: "R3_DEADLINE_RUNNING",
      ok: r3 !== null && periodPassed(r3, R3_DEADLINE_DAYS, today),
      text: !r3
        ? `Délai de ${R3_DEADLINE_DAYS} jours de la mise en demeure : il court à partir de sa réception`
        : periodPassed(r3, R3_DEADLINE_DAYS, today)
          ? `Délai de ${R3_DEADLINE_DAYS} jours de la mise en demeure écoulé le ${formatDateFr(periodEnd(r3, R3_DEADLINE_DAYS))}`
          : `Délai de ${R3_DEADLINE_DAYS} jours de la mise en demeure en cours, jusqu'au ${formatDateFr(periodEnd(r3, R3_DEADLINE_DAYS))} inclus`,
    },
    {
      code: "NOT_EXIT",
      ok: f.exitDone,
      text: f.exitDone
        ? `Contrat terminé${f.contractEndedOn ? ` le ${formatDateFr(f.contractEndedOn)}` : ""} (sortie validée)`
        : "Contrat pas terminé : la sortie doit d'abord être validée par le Manager",
    },
    {
      code: "NOTICE_NOT_RECEIVED",
      ok: notice !== null,
      text: notice
        ? `Notification de la résiliation reçue le ${formatDateFr(notice)} ${received}`
        : f.noticeSent
          ? "Notification de la résiliation postée : ni avis de réception ni retour « pli avisé et non réclamé » enregistré"
          : "Notification de la résiliation pas encore envoyée en recommandé",
    },
    {
      code: "COLLECTION_PERIOD_RUNNING",
      ok: notice !== null && periodPassed(notice, collectionPeriodDays, today),
      text: !notice
        ? `Délai de ${collectionPeriodDays} jours laissé pour retirer les biens : il court à partir de la réception de la notification`
        : periodPassed(notice, collectionPeriodDays, today)
          ? `Délai de ${collectionPeriodDays} jours laissé pour retirer les biens écoulé le ${formatDateFr(periodEnd(notice, collectionPeriodDays))}`
          : `Délai de ${collectionPeriodDays} jours laissé pour retirer les biens en cours, jusqu'au ${formatDateFr(periodEnd(notice, collectionPeriodDays))} inclus`,
    },
  ];
}

export interface Refusal {
  code: string;
  message: string;
}

/** Why the box cannot be opened on `today` (the first condition not met), or null. */
export function openingRefusal(f: OpeningFacts, collectionPeriodDays: number, today: CalendarDate): Refusal | null {
  const unmet = openingConditions(f, collectionPeriodDays, today).find((c) => !c.ok);
  return unmet ? { code: unmet.code, message: `Ouverture refusée : ${unmet.text}.` } : null;
}

// ————— The witness —————

/**
 * Who witnessed the opening: by default a commissaire de justice, who draws up a report (procès-verbal de
 * constat); a plain witness (a named person and their quality) only when the operator allowed it.
 */
export type Witness = { kind: "bailiff"; name: string; office: string; reportRef: string } | { kind: "plain"; name: string; role: string };

export function witnessRefusal(witness: Witness, allowPlainWitness: boolean): Refusal | null {
  if (witness.kind === "plain" && !allowPlainWitness) {
    return {
      code: "PLAIN_WITNESS_NOT_ALLOWED",
      message: "Ouverture refusée : un commissaire de justice doit être présent (nom, étude, référence du procès-verbal). Un simple témoin n'est accepté que si l'exploitant l'a autorisé dans les réglages.",
    };
  }
  return null;
}

/** "Me Durand, commissaire de justice (étude …), procès-verbal n° …" / "M. X (gardien), témoin". */
export function witnessText(witness: Witness): string {
  return witness.kind === "bailiff"
    ? `${witness.name}, commissaire de justice (${witness.office}), procès-verbal ${witness.reportRef}`
    : `${witness.name} (${witness.role}), témoin`;
}

// ————— Keeping the goods, and disposing of them —————

export const DISPOSAL_METHODS = ["dump", "sale", "charity"] as const;
export type DisposalMethod = (typeof DISPOSAL_METHODS)[number];
export const DISPOSAL_WORD: Record<DisposalMethod, string> = { dump: "mise à la benne", sale: "vente", charity: "don à une association" };

/**
 * What allows disposing of a tenant's goods, entered by the office: a court order, or the contract's clause with
 * the commissaire de justice's report.
 */
export type DisposalBasis = { kind: "court_order"; reference: string; court: string } | { kind: "contract_clause"; clause: string; bailiffReport: string };

export function basisText(basis: DisposalBasis): string {
  return basis.kind === "court_order"
    ? `décision de justice ${basis.reference} (${basis.court})`
    : `clause du contrat « ${basis.clause} » et procès-verbal du commissaire de justice ${basis.bailiffReport}`;
}

/** The day the opening counts from: the later of the phone's day and the server's day of receipt (never earlier than either). */
export function openedOnOf(deviceDay: CalendarDate, receivedDay: CalendarDate | null): CalendarDate {
  return receivedDay && receivedDay > deviceDay ? receivedDay : deviceDay;
}

export interface Keeping {
  /** The day of the opening (site calendar). */
  openedOn: CalendarDate;
  /** The keeping period recorded with the opening, when it was (the operator's setting then). */
  recordedDays?: number | null;
  /** The setting now: the longer of the two applies (a period announced is never shortened). */
  currentDays: number;
}

/** The last day the goods are kept; they may be disposed of from the day after. */
export function keptUntil(k: Keeping): CalendarDate {
  return periodEnd(k.openedOn, Math.max(k.recordedDays ?? 0, k.currentDays));
}

/**
 * Why the contents cannot be disposed of on `today`, or null: never without a legal basis entered by the office,
 * never before the keeping period is over — so never the day of the opening.
 */
export function clearingRefusal(k: Keeping & { basis: DisposalBasis | null }, today: CalendarDate): Refusal | null {
  if (!k.basis) {
    return {
      code: "NO_DISPOSAL_BASIS",
      message: "Enlèvement du contenu refusé : le bureau n'a pas enregistré de base légale (décision de justice, ou clause du contrat et procès-verbal du commissaire de justice).",
    };
  }
  const until = keptUntil(k);
  if (today <= until) {
    return {
      code: "KEEPING_PERIOD_RUNNING",
      message: `Enlèvement du contenu refusé : les biens inventoriés sont conservés jusqu'au ${formatDateFr(until)} inclus (${Math.max(k.recordedDays ?? 0, k.currentDays)} jours après l'ouverture).`,
    };
  }
  return null;
}

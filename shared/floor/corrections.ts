import { dateOfInstant, formatDateFr } from "../dates";
import type { ActionKind } from "../enums";

/**
 * Correcting a floor entry made by mistake: its author cancels it the same site day. The entry stays in the
 * history, struck through, with who corrected it and when; the correction is an entry of its own. History and
 * evidence stay append-only. A corrected entry no longer counts: not as a promise, not for the best hour to call,
 * not in the priority. One rule for the phone's "Corriger" button and the server's check.
 */

/** What a user may correct: what they typed or tapped. Padlocks, codes and openings are evidence with photos. */
export const CORRECTABLE_KINDS = ["note", "call", "customer_answer", "promise"] as const satisfies readonly ActionKind[];
export type CorrectableKind = (typeof CORRECTABLE_KINDS)[number];

export interface EntryToCorrect {
  kind: ActionKind;
  happenedAt: string;
  initials: string;
  /** The user who made it (null: the system, or not known to this copy). */
  authorId?: string | null;
  /** Set when a correction already names it. */
  correctedAt?: string | null;
}

export interface CorrectionRefusal {
  code: "NOT_CORRECTABLE" | "ALREADY_CORRECTED" | "NOT_AUTHOR" | "OTHER_DAY";
  /** French, shown to the user as it is. */
  message: string;
}

/**
 * Why `by` may not correct this entry at `by.at` (site time zone `timeZone`), or null when they may: only its
 * author, only on the site calendar day it was made, only once, only a note, call, answer or promise.
 */
export function correctionRefusal(entry: EntryToCorrect, by: { userId: string; at: string }, timeZone: string): CorrectionRefusal | null {
  if (!isCorrectable(entry.kind)) return { code: "NOT_CORRECTABLE", message: "Seuls une note, un appel, une réponse du client ou une promesse peuvent être corrigés." };
  if (entry.correctedAt) return { code: "ALREADY_CORRECTED", message: "Cette saisie a déjà été corrigée." };
  if (!entry.authorId || entry.authorId !== by.userId) return { code: "NOT_AUTHOR", message: `Seul l'auteur de la saisie (${entry.initials}) peut la corriger.` };
  const made = dateOfInstant(entry.happenedAt, timeZone);
  if (dateOfInstant(by.at, timeZone) !== made) return { code: "OTHER_DAY", message: `Une saisie se corrige le jour même : celle-ci date du ${formatDateFr(made)}.` };
  return null;
}

export function isCorrectable(kind: ActionKind): kind is CorrectableKind {
  return (CORRECTABLE_KINDS as readonly ActionKind[]).includes(kind);
}

const CANCELLED: Record<CorrectableKind, string> = {
  note: "note annulée",
  call: "appel annulé",
  customer_answer: "réponse du client annulée",
  promise: "promesse de paiement annulée",
};

/**
 * The correction's own history line, as the billing software's log shows it after the original:
 * `Correction : promesse de paiement annulée (« Promesse de paiement : 150,00 € le 30/11/2026 »)`. The original's
 * words are quoted (cut short) so that, of two notes the same day, the log says which one.
 */
export function correctionText(original: { kind: ActionKind; text: string } | undefined): string {
  if (!original || !isCorrectable(original.kind)) return "Correction : saisie annulée";
  const words = original.text.replace(/\s+/g, " ").trim();
  const quoted = words.length > 60 ? `${words.slice(0, 59).trimEnd()}…` : words;
  return `Correction : ${CANCELLED[original.kind]} (« ${quoted} »)`;
}

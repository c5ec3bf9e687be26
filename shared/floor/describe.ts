import { formatDateFr } from "../dates";
import type { ActionKind, CallOutcome, TaskKind } from "../enums";
import { formatEurosPlain } from "../money";
import type { Mutation } from "../schemas/mutations";
import { correctionText } from "./corrections";
import { DISPOSAL_WORD, witnessText } from "./opening";
import { photosOfPayload } from "./photos";

/**
 * The history line a mutation writes, worded as the billing software's log wants it: what was done, not only
 * a status ("Appel : pas de réponse, message laissé…"). The server stores it; the phone shows the same line
 * before the server has confirmed it.
 */
export interface ActionLine {
  kind: ActionKind;
  outcome: CallOutcome | null;
  text: string;
  unitId: string | null;
  data: Record<string, unknown> | null;
}

/** What the wording needs to know beyond the mutation: box numbers and task kinds. */
export interface DescribeLookup {
  unitNumber(unitId: string): string | undefined;
  taskKind(taskId: string): TaskKind | undefined;
  /** A history entry, for the wording of its correction (unknown: a plainer line). */
  entry?(actionId: string): { kind: ActionKind; text: string } | undefined;
}

export const TASK_WORDING: Record<TaskKind, string> = {
  call: "Appeler le client",
  card_rerun: "Repasser la carte",
  padlock_place: "Poser le double cadenas",
  padlock_remove: "Retirer le double cadenas",
  gate_suspend: "Suspendre le code d'accès",
  gate_restore: "Rétablir le code d'accès",
  open_box: "Ouvrir le box",
  fix_contact: "Corriger les coordonnées",
  office_request: "Demande du bureau",
};

const CALL_WORDING: Record<CallOutcome, string> = {
  answered: "Appel : client joint",
  promise: "Appel : client joint, promesse de paiement",
  no_answer: "Appel : pas de réponse, message laissé (rappeler au sujet du box)",
  wrong_number: "Appel : faux numéro",
};

export function describeMutation(m: Mutation, lookup: DescribeLookup): ActionLine {
  const line = (kind: ActionKind, text: string, extra: Partial<ActionLine> = {}): ActionLine => ({
    kind,
    text,
    outcome: null,
    unitId: null,
    data: null,
    ...extra,
  });
  const box = (unitId: string) => `box ${lookup.unitNumber(unitId) ?? "?"}`;
  const withNote = (text: string, note: string | undefined) => (note ? `${text} — ${note}` : text);

  switch (m.kind) {
    case "call.logged":
      return line("call", withNote(CALL_WORDING[m.payload.outcome], m.payload.note), { outcome: m.payload.outcome });
    case "note.added":
      return line("note", m.payload.text);
    case "answer.logged":
      return line("customer_answer", `Réponse du client : « ${m.payload.text} »`);
    case "promise.made":
      return line(
        "promise",
        withNote(`Promesse de paiement : ${formatEurosPlain(m.payload.amountCents)} le ${formatDateFr(m.payload.promisedOn)}`, m.payload.note),
        { data: { promisedOn: m.payload.promisedOn, amountCents: m.payload.amountCents } },
      );
    case "message.logged": {
      const name = m.payload.templateLabel ?? m.payload.templateCode;
      return line(m.payload.channel, `${m.payload.channel === "sms" ? "SMS" : "Courriel"} envoyé depuis le téléphone (modèle « ${name} »)`, {
        data: { templateCode: m.payload.templateCode, via: "phone", text: m.payload.text },
      });
    }
    case "message.requested": {
      const name = m.payload.templateLabel ?? m.payload.templateCode;
      return line(m.payload.channel, `${m.payload.channel === "sms" ? "SMS" : "Courriel"} à envoyer par Cadenas (modèle « ${name} »)`, {
        data: { templateCode: m.payload.templateCode, via: "server" },
      });
    }
    case "padlock.placed": {
      const number = m.payload.padlockNumber ? ` (cadenas n° ${m.payload.padlockNumber})` : "";
      return line("padlock_placed", `Double cadenas posé sur le ${box(m.payload.unitId)}${number}`, {
        unitId: m.payload.unitId,
        data: { ...(m.payload.padlockNumber ? { padlockNumber: m.payload.padlockNumber } : {}), photos: m.payload.photos },
      });
    }
    case "padlock.removed":
      return line("padlock_removed", `Double cadenas retiré du ${box(m.payload.unitId)}`, {
        unitId: m.payload.unitId,
        data: m.payload.photos?.length ? { photos: m.payload.photos } : null,
      });
    case "gate.suspended":
      return line("gate_suspended", `Code d'accès suspendu (${box(m.payload.unitId)})`, { unitId: m.payload.unitId });
    case "gate.restored":
      return line("gate_restored", `Code d'accès rétabli (${box(m.payload.unitId)})`, { unitId: m.payload.unitId });
    case "box.opened":
      return line(
        "box_opened",
        `Box ${lookup.unitNumber(m.payload.unitId) ?? m.payload.confirmedNumber} ouvert en présence de ${witnessText(m.payload.witness)} ; nouveau cadenas n° ${m.payload.newPadlockNumber} ; ${m.payload.photos.length} photos ; inventaire signé : ${m.payload.inventory}`,
        { unitId: m.payload.unitId, data: { witness: m.payload.witness, newPadlockNumber: m.payload.newPadlockNumber, photos: photosOfPayload(m.payload) } },
      );
    case "box.cleared":
      return line("box_cleared", withNote(`Contenu du ${box(m.payload.unitId)} enlevé (${DISPOSAL_WORD[m.payload.method]})`, m.payload.note), {
        unitId: m.payload.unitId,
        data: m.payload.photos?.length ? { photos: m.payload.photos } : null,
      });
    case "entry.corrected":
      return line("correction", correctionText(lookup.entry?.(m.payload.actionId)), { data: { correctsId: m.payload.actionId } });
    case "task.done": {
      const kind = lookup.taskKind(m.payload.taskId);
      return line("task_done", withNote(`Fait : ${kind ? TASK_WORDING[kind] : "tâche"}`, m.payload.note), { data: { taskId: m.payload.taskId } });
    }
  }
}

import { dateOfInstant } from "../dates";
import type { TaskKind } from "../enums";
import type { DebtorDoc, DocHistory, DocTask, DocUnit } from "../schemas/debtor-doc";
import type { Mutation } from "../schemas/mutations";
import { correctionRefusal } from "./corrections";
import { linesForRules, type HistoryFact } from "./history";
import { photosOfPayload } from "./photos";
import { describeMutation, type DescribeLookup } from "./describe";

/** Who acts, and the site's time zone (a call "today" completes the calls due today, site time). */
export interface ActorContext {
  initials: string;
  timeZone: string;
  /** The user's id: their own entries of the day offer "Corriger" (older outbox entries lack it). */
  userId?: string;
}

/**
 * The phone's prediction of what a mutation does to a debtor, so it shows at once, before the server has it.
 * The server decides for real and sends the debtor again; until then the phone lays its unsent mutations over
 * the last copy it got. Pure: same doc and mutation, same result, and applying a mutation twice changes nothing
 * more than once.
 */
export function applyToDoc(doc: DebtorDoc, m: Mutation, actor: ActorContext): DebtorDoc {
  const line = describeMutation(m, lookupIn(doc));
  const photos = photosOfPayload(m.payload);
  const entry: DocHistory = {
    id: m.id,
    happenedAt: m.happenedAt,
    kind: line.kind,
    outcome: line.outcome,
    text: line.text,
    initials: actor.initials,
    unitId: line.unitId,
    rejectedReason: null,
    photos: photos.length > 0 ? photos : null,
    pending: true,
    authorId: actor.userId ?? null,
    ...(m.kind === "promise.made" ? { promise: { promisedOn: m.payload.promisedOn, amountCents: m.payload.amountCents } } : {}),
    ...(m.kind === "entry.corrected" ? { correctsId: m.payload.actionId } : {}),
  };
  const day = dateOfInstant(m.happenedAt, actor.timeZone);
  let next: DebtorDoc = doc;

  switch (m.kind) {
    case "call.logged":
      next = completeTasks(next, (t) => t.kind === "call" && t.dueOn <= day);
      break;
    case "promise.made":
      next = { ...next, promise: { promisedOn: m.payload.promisedOn, amountCents: m.payload.amountCents, madeAt: m.happenedAt } };
      break;
    case "padlock.placed":
    case "padlock.removed":
    case "gate.suspended":
    case "gate.restored": {
      const unit = next.units.find((u) => u.id === m.payload.unitId);
      const change = unit ? transition(unit, m.kind) : null;
      if (unit && change) {
        next = { ...next, units: next.units.map((u) => (u.id === unit.id ? { ...u, ...change.unit } : u)) };
        next = completeTasks(next, (t) => t.kind === change.completes && t.unitId === unit.id);
      } else if (unit) {
        entry.rejectedReason = alreadyReason(m.kind);
      }
      break;
    }
    case "task.done":
      next = completeTasks(next, (t) => t.id === m.payload.taskId);
      break;
    case "box.opened": {
      const unit = next.units.find((u) => u.id === m.payload.unitId);
      if (unit && !unit.opening) {
        const opening = { openedAt: m.happenedAt, initials: actor.initials, photos: m.payload.photos, missing: photosOfPayload(m.payload), clearedAt: null, signatures: m.payload.signatures };
        next = { ...next, units: next.units.map((u) => (u.id === unit.id ? { ...u, opening } : u)) };
        next = completeTasks(next, (t) => t.kind === "open_box");
      }
      break;
    }
    case "box.cleared": {
      const unit = next.units.find((u) => u.id === m.payload.unitId);
      if (unit?.opening && !unit.opening.clearedAt) {
        const opening = { ...unit.opening, clearedAt: m.happenedAt };
        next = { ...next, units: next.units.map((u) => (u.id === unit.id ? { ...u, opening } : u)) };
      }
      break;
    }
    case "entry.corrected": {
      const target = next.history.find((h) => h.id === m.payload.actionId);
      // Refused on the server in the same cases: the line then stays as it was, and the refusal is shown.
      if (!target || correctionRefusal(target, { userId: actor.userId ?? "", at: m.happenedAt }, actor.timeZone)) break;
      const history = next.history.map((h) => (h.id === target.id ? { ...h, correctedBy: actor.initials, correctedAt: m.happenedAt } : h));
      next = { ...next, history, promise: target.kind === "promise" ? latestPromise(linesForRules({ history, earlier: next.earlier }), next.case) : next.promise };
      break;
    }
    default:
      break;
  }
  const history = [entry, ...next.history.filter((h) => h.id !== m.id)].sort((a, b) => (a.happenedAt < b.happenedAt ? 1 : a.happenedAt > b.happenedAt ? -1 : 0));
  return { ...next, history };
}

export function lookupIn(doc: DebtorDoc): DescribeLookup {
  return {
    unitNumber: (id) => doc.units.find((u) => u.id === id)?.number,
    taskKind: (id) => doc.tasks.find((t) => t.id === id)?.kind,
    entry: (id) => doc.history.find((h) => h.id === id),
  };
}

/**
 * The promise standing once one was corrected: the latest uncorrected promise of the open case in the history the
 * phone holds, as the server reads it from all of it.
 */
function latestPromise(history: readonly HistoryFact[], kase: DebtorDoc["case"]): DebtorDoc["promise"] {
  if (kase?.status !== "open") return null;
  const p = history
    .filter((h) => h.kind === "promise" && h.promise && !h.correctedAt && h.happenedAt.slice(0, 10) >= kase.openedOn)
    .sort((a, b) => (a.happenedAt < b.happenedAt ? 1 : a.happenedAt > b.happenedAt ? -1 : 0))[0];
  return p?.promise ? { promisedOn: p.promise.promisedOn, amountCents: p.promise.amountCents, madeAt: p.happenedAt } : null;
}

function transition(unit: DocUnit, kind: "padlock.placed" | "padlock.removed" | "gate.suspended" | "gate.restored"): { unit: Partial<DocUnit>; completes: TaskKind } | null {
  switch (kind) {
    case "padlock.placed":
      return unit.padlock === "none" ? { unit: { padlock: "second_padlock" }, completes: "padlock_place" } : null;
    case "padlock.removed":
      return unit.padlock === "second_padlock" ? { unit: { padlock: "none" }, completes: "padlock_remove" } : null;
    case "gate.suspended":
      return unit.gate === "active" ? { unit: { gate: "suspended" }, completes: "gate_suspend" } : null;
    case "gate.restored":
      return unit.gate === "suspended" ? { unit: { gate: "active" }, completes: "gate_restore" } : null;
  }
}

function alreadyReason(kind: "padlock.placed" | "padlock.removed" | "gate.suspended" | "gate.restored"): string {
  return {
    "padlock.placed": "Double cadenas déjà posé",
    "padlock.removed": "Aucun double cadenas à retirer",
    "gate.suspended": "Code d'accès déjà suspendu",
    "gate.restored": "Code d'accès déjà actif",
  }[kind];
}

function completeTasks(doc: DebtorDoc, which: (t: DocTask) => boolean): DebtorDoc {
  if (!doc.tasks.some((t) => t.status === "open" && which(t))) return doc;
  return { ...doc, tasks: doc.tasks.map((t) => (t.status === "open" && which(t) ? { ...t, status: "done" } : t)) };
}

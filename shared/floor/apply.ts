import { dateOfInstant } from "../dates";
import type { TaskKind } from "../enums";
import type { DebtorDoc, DocHistory, DocTask, DocUnit } from "../schemas/debtor-doc";
import type { Mutation } from "../schemas/mutations";
import { photosOfPayload } from "./photos";
import { describeMutation, type DescribeLookup } from "./describe";

/** Who acts, and the site's time zone (a call "today" completes the calls due today, site time). */
export interface ActorContext {
  initials: string;
  timeZone: string;
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
        const opening = { openedAt: m.happenedAt, initials: actor.initials, photos: m.payload.photos, missing: m.payload.photos.map((p) => p.sha256), clearedAt: null };
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
  };
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

import type { GateState, PadlockState } from "../enums";

/**
 * A unit's second padlock and gate code are not fields anyone sets: they are what the events say, read in the
 * order the events happened. Two phones acting on the same unit both keep their events; an event that cannot
 * follow the one before it (placing a padlock already placed) is kept, marked with why it did not take effect.
 */
export interface UnitEvent {
  id: string;
  kind: "padlock_placed" | "padlock_removed" | "gate_suspended" | "gate_restored";
  happenedAt: string;
  recordedAt: string;
  initials: string;
}

export interface UnitState {
  padlock: PadlockState;
  gate: GateState;
  /** For every event: null when it took effect, else why not (French, shown to users). */
  verdicts: Map<string, string | null>;
}

export function foldUnitEvents(events: readonly UnitEvent[]): UnitState {
  const ordered = [...events].sort(
    (a, b) => cmp(a.happenedAt, b.happenedAt) || cmp(a.recordedAt, b.recordedAt) || cmp(a.id, b.id),
  );
  let padlock: PadlockState = "none";
  let gate: GateState = "active";
  let lastPadlock: UnitEvent | undefined;
  let lastGate: UnitEvent | undefined;
  const verdicts = new Map<string, string | null>();
  const since = (e: UnitEvent | undefined) => (e ? ` (${e.initials}, ${frenchMoment(e.happenedAt)})` : "");

  for (const e of ordered) {
    let verdict: string | null = null;
    switch (e.kind) {
      case "padlock_placed":
        if (padlock === "second_padlock") verdict = `Double cadenas déjà posé${since(lastPadlock)}`;
        else [padlock, lastPadlock] = ["second_padlock", e];
        break;
      case "padlock_removed":
        if (padlock === "none") verdict = `Aucun double cadenas à retirer${lastPadlock ? ` : déjà retiré${since(lastPadlock)}` : ""}`;
        else [padlock, lastPadlock] = ["none", e];
        break;
      case "gate_suspended":
        if (gate === "suspended") verdict = `Code d'accès déjà suspendu${since(lastGate)}`;
        else [gate, lastGate] = ["suspended", e];
        break;
      case "gate_restored":
        if (gate === "active") verdict = `Code d'accès déjà actif${lastGate ? ` : rétabli${since(lastGate)}` : ""}`;
        else [gate, lastGate] = ["active", e];
        break;
    }
    verdicts.set(e.id, verdict);
  }
  return { padlock, gate, verdicts };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const moment = new Intl.DateTimeFormat("fr-FR", { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit", timeZone: "Europe/Paris" });
function frenchMoment(instant: string): string {
  return moment.format(new Date(instant)).replace(" ", " à ");
}

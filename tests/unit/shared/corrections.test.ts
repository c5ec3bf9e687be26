import { describe, expect, it } from "vitest";
import { bestHourToCall, priorityOf } from "../../../shared/engine/priority";
import { toBillingLog } from "../../../shared/floor/action-log";
import { applyToDoc } from "../../../shared/floor/apply";
import { correctionRefusal, correctionText } from "../../../shared/floor/corrections";
import { dueItems } from "../../../shared/floor/due";
import type { DebtorDoc, DocHistory } from "../../../shared/schemas/debtor-doc";
import { Mutation, MUTATION_VERSION } from "../../../shared/schemas/mutations";
import { CUSTOMER, debtorDoc } from "../../support/debtor-doc";

const PARIS = "Europe/Paris";
const VT = "0190f1c2-0000-7000-8000-0000000000e1";
const BO = "0190f1c2-0000-7000-8000-0000000000e2";
const vt = { initials: "VT", timeZone: PARIS, userId: VT };
let n = 0;

function entry(over: Partial<DocHistory> & Pick<DocHistory, "kind" | "happenedAt">): DocHistory {
  n++;
  return { id: `0190f1c2-0000-7000-8000-${String(n).padStart(12, "0")}`, outcome: null, text: "Rappeler lundi", initials: "VT", unitId: null, rejectedReason: null, authorId: VT, ...over };
}

function correct(target: DocHistory, happenedAt = "2026-11-22T10:50:00.000Z"): Mutation {
  n++;
  return Mutation.parse({
    id: `0190f1c2-0000-7000-8000-${String(n).padStart(12, "0")}`,
    seq: n,
    v: MUTATION_VERSION,
    kind: "entry.corrected",
    payload: { customerId: CUSTOMER, actionId: target.id },
    happenedAt,
  });
}

function doc(history: DocHistory[], over: Partial<DebtorDoc> = {}): DebtorDoc {
  return debtorDoc({ phone: "06 12 34 56 78", history, ...over });
}

describe("who may correct an entry, and when", () => {
  const note = entry({ kind: "note", happenedAt: "2026-11-22T09:42:00.000Z" });

  it("lets the author correct a note, a call, an answer or a promise the same site day", () => {
    for (const kind of ["note", "call", "customer_answer", "promise"] as const) {
      expect(correctionRefusal({ ...note, kind }, { userId: VT, at: "2026-11-22T18:00:00.000Z" }, PARIS)).toBeNull();
    }
  });

  it("refuses another user, naming the author", () => {
    expect(correctionRefusal(note, { userId: BO, at: "2026-11-22T10:00:00.000Z" }, PARIS)).toEqual({ code: "NOT_AUTHOR", message: "Seul l'auteur de la saisie (VT) peut la corriger." });
  });

  it("refuses the next site day, even when it is still the same day in UTC", () => {
    // 23:30 UTC on the 22nd is 00:30 on the 23rd in Paris.
    expect(correctionRefusal(note, { userId: VT, at: "2026-11-22T23:30:00.000Z" }, PARIS)).toEqual({ code: "OTHER_DAY", message: "Une saisie se corrige le jour même : celle-ci date du 22/11/2026." });
  });

  it("refuses a padlock (evidence with photos), and an entry already corrected", () => {
    expect(correctionRefusal({ ...note, kind: "padlock_placed" }, { userId: VT, at: "2026-11-22T10:00:00.000Z" }, PARIS)?.code).toBe("NOT_CORRECTABLE");
    expect(correctionRefusal({ ...note, correctedAt: "2026-11-22T09:50:00.000Z" }, { userId: VT, at: "2026-11-22T10:00:00.000Z" }, PARIS)?.code).toBe("ALREADY_CORRECTED");
  });

  it("words the correction with the entry it cancels, cut short", () => {
    expect(correctionText({ kind: "note", text: "Rappeler lundi" })).toBe("Correction : note annulée (« Rappeler lundi »)");
    expect(correctionText({ kind: "call", text: "x".repeat(100) })).toBe(`Correction : appel annulé (« ${"x".repeat(59)}… »)`);
    expect(correctionText(undefined)).toBe("Correction : saisie annulée");
  });
});

describe("a corrected entry on the phone", () => {
  it("stays in the history, struck by its author, followed by the correction's own line", () => {
    const note = entry({ kind: "note", happenedAt: "2026-11-22T09:42:00.000Z" });
    const m = correct(note);
    const after = applyToDoc(doc([note]), m, vt);
    expect(after.history.map((h) => [h.id, h.kind, h.correctedBy ?? null, h.correctedAt ?? null])).toEqual([
      [m.id, "correction", null, null],
      [note.id, "note", "VT", "2026-11-22T10:50:00.000Z"],
    ]);
    expect(after.history[0]).toMatchObject({ text: "Correction : note annulée (« Rappeler lundi »)", correctsId: note.id, pending: true });
    // Laid twice (the outbox replayed over the same copy): the same result.
    expect(applyToDoc(after, m, vt)).toEqual(after);
  });

  it("changes nothing on an entry the server would refuse to correct (another user's)", () => {
    const note = entry({ kind: "note", happenedAt: "2026-11-22T09:42:00.000Z", authorId: BO, initials: "BO" });
    const after = applyToDoc(doc([note]), correct(note), vt);
    expect(after.history.find((h) => h.id === note.id)?.correctedAt).toBeUndefined();
  });

  it("no longer counts a corrected promise: the earlier promise stands again, none is broken or due", () => {
    const earlier = entry({ kind: "promise", happenedAt: "2026-11-20T09:00:00.000Z", promise: { promisedOn: "2026-11-30", amountCents: 15_900 } });
    const mistaken = entry({ kind: "promise", happenedAt: "2026-11-22T09:00:00.000Z", promise: { promisedOn: "2026-11-22", amountCents: 1_000 } });
    const before = doc([mistaken, earlier], { promise: { promisedOn: "2026-11-22", amountCents: 1_000, madeAt: mistaken.happenedAt } });
    expect(dueItems(before, "2026-11-22").map((i) => i.type)).toEqual(["promise"]);
    const after = applyToDoc(before, correct(mistaken), vt);
    expect(after.promise).toEqual({ promisedOn: "2026-11-30", amountCents: 15_900, madeAt: earlier.happenedAt });
    expect(dueItems(after, "2026-11-22")).toEqual([]);
    // The only promise corrected: no promise at all.
    const alone = applyToDoc(doc([mistaken], { promise: before.promise }), correct(mistaken), vt);
    expect(alone.promise).toBeNull();
  });

  it("leaves a corrected promise out of the priority's broken promises", () => {
    // Made on the 5th for the 10th, then a new one on the 20th: the first was broken (+15)… unless it was a mistake.
    const first = entry({ kind: "promise", happenedAt: "2026-11-05T09:00:00.000Z", promise: { promisedOn: "2026-11-10", amountCents: 15_900 } });
    const second = entry({ kind: "promise", happenedAt: "2026-11-20T09:00:00.000Z", promise: { promisedOn: "2026-11-28", amountCents: 15_900 } });
    const standing = { promisedOn: "2026-11-28", amountCents: 15_900, madeAt: second.happenedAt };
    const reasons = (d: DebtorDoc) => priorityOf(d, "2026-11-22").parts.map((p) => p.reason);
    expect(reasons(doc([second, first], { promise: standing }))).toContain("une promesse non tenue");
    const corrected = { ...first, correctedBy: "VT", correctedAt: "2026-11-05T09:10:00.000Z" };
    expect(reasons(doc([second, corrected], { promise: standing }))).not.toContain("une promesse non tenue");
  });

  it("leaves a corrected call out of the best hour to call", () => {
    const call = (at: string, over: Partial<DocHistory> = {}) => entry({ kind: "call", outcome: "answered", happenedAt: at, text: "Appel : client joint", ...over });
    // Two calls answered around 16:00 (Paris); three at 8:30 logged on this customer by mistake.
    const right = [call("2026-11-03T15:30:00.000Z"), call("2026-11-10T15:10:00.000Z")];
    const mistaken = [call("2026-11-12T07:30:00.000Z"), call("2026-11-13T07:40:00.000Z"), call("2026-11-14T07:35:00.000Z")];
    expect(bestHourToCall(doc([...right, ...mistaken]), PARIS)).toEqual({ from: 8, to: 10, answered: 3 });
    const corrected = mistaken.map((h) => ({ ...h, correctedBy: "VT", correctedAt: h.happenedAt }));
    expect(bestHourToCall(doc([...right, ...corrected]), PARIS)).toEqual({ from: 16, to: 18, answered: 2 });
  });

  it("shows the correction in the billing software's log, right after the entry it cancels", () => {
    const promise = entry({ kind: "promise", happenedAt: "2026-11-22T09:42:00.000Z", text: "Promesse de paiement : 150,00 € le 30/11/2026", promise: { promisedOn: "2026-11-30", amountCents: 15_000 } });
    const after = applyToDoc(doc([promise]), correct(promise), vt);
    expect(toBillingLog(after.history, PARIS)).toBe(
      "*VT*22/11/2026*Promesse de paiement : 150,00 € le 30/11/2026 *VT*22/11/2026*Correction : promesse de paiement annulée (« Promesse de paiement : 150,00 € le 30/11/2026 »)",
    );
  });
});

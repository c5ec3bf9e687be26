import { describe, expect, it } from "vitest";
import { addMonths } from "../../../shared/dates";
import { runEngine, type EngineInput } from "../../../shared/engine/engine";
import { priorityOf } from "../../../shared/engine/priority";
import { brokenPromiseCount, promiseInForce, promiseWindows, withReplacement } from "../../../shared/engine/promises";
import { DEFAULT_SCENARIOS } from "../../../shared/engine/scenarios";
import { applyToDoc } from "../../../shared/floor/apply";
import type { DebtorDoc, DocHistory } from "../../../shared/schemas/debtor-doc";
import { Mutation, MUTATION_VERSION } from "../../../shared/schemas/mutations";
import { CUSTOMER, debtorDoc } from "../../support/debtor-doc";


describe("a new promise replaces the earlier one", () => {
  it("keeps the promises in the order they were made, each with the day the next one replaced it", () => {
    const made = withReplacement([
      { madeOn: "2026-11-22", promisedOn: "2026-11-28" },
      { madeOn: "2026-11-10", promisedOn: "2026-11-15" },
    ]);
    expect(made).toEqual([
      { madeOn: "2026-11-10", promisedOn: "2026-11-15", replacedOn: "2026-11-22" },
      { madeOn: "2026-11-22", promisedOn: "2026-11-28", replacedOn: null },
    ]);
  });

  it("does not count a promise replaced before its day as broken: the customer rescheduled it", () => {
    const promises = [
      { madeOn: "2026-11-20", promisedOn: "2026-11-25" },
      { madeOn: "2026-11-22", promisedOn: "2026-11-28" },
    ];
    expect(brokenPromiseCount(promises, "2026-11-22", true)).toBe(0);
  });

  it("does not count a promise replaced on its very day as broken", () => {
    expect(brokenPromiseCount([{ madeOn: "2026-11-20", promisedOn: "2026-11-25" }, { madeOn: "2026-11-25", promisedOn: "2026-11-30" }], "2026-11-26", true)).toBe(0);
  });

  it("counts a promise whose day had gone by unpaid before the new one was made as broken", () => {
    const promises = [
      { madeOn: "2026-11-10", promisedOn: "2026-11-15" },
      { madeOn: "2026-11-18", promisedOn: "2026-11-28" },
    ];
    expect(brokenPromiseCount(promises, "2026-11-22", true)).toBe(1);
  });

  it("counts the latest promise as broken only once its week of grace is over", () => {
    const promises = [{ madeOn: "2026-11-10", promisedOn: "2026-11-15" }];
    expect(brokenPromiseCount(promises, "2026-11-22", true)).toBe(0);
    expect(brokenPromiseCount(promises, "2026-11-23", true)).toBe(1);
  });

  it("counts nothing broken once the debt is paid", () => {
    expect(brokenPromiseCount([{ madeOn: "2026-11-01", promisedOn: "2026-11-02" }, { madeOn: "2026-11-10", promisedOn: "2026-11-12" }], "2026-11-30", false)).toBe(0);
  });

  it("holds the reminders with the latest promise only: an earlier promise with a later day stops holding them", () => {
    const promises = [
      { madeOn: "2026-11-10", promisedOn: "2026-11-30" },
      { madeOn: "2026-11-12", promisedOn: "2026-11-15" },
    ];
    expect(promiseWindows(promises)).toEqual([
      { from: "2026-11-10", to: "2026-11-11" },
      { from: "2026-11-12", to: "2026-11-15" },
    ]);
    expect(promiseInForce(promises, "2026-11-15")).toBe(true);
    expect(promiseInForce(promises, "2026-11-16")).toBe(false);
  });

  it("never holds anything with a promise replaced the day it was made", () => {
    expect(promiseWindows([{ madeOn: "2026-11-10", promisedOn: "2026-11-30" }, { madeOn: "2026-11-10", promisedOn: "2026-11-12" }])).toEqual([{ from: "2026-11-10", to: "2026-11-12" }]);
  });
});

describe("the engine with a promise made again", () => {
  const box = DEFAULT_SCENARIOS.find((s) => s.code === "box")!;
  const input = (promises: EngineInput["promises"]): EngineInput => ({
    customer: { ref: "C1", kind: "person", paymentMethod: "transfer", stop: false },
    scenario: box,
    invoices: [0].map((k) => ({ ref: `F${k + 1}`, dueDate: addMonths("2026-03-02", k), issueDate: addMonths("2026-03-02", k), amountCents: 10_000 })),
    payments: [],
    promises,
  });

  it("resumes the reminders after the new promise's day, not the earlier promise's later day", () => {
    const promises = [
      { madeOn: "2026-03-05", promisedOn: "2026-03-31" },
      { madeOn: "2026-03-08", promisedOn: "2026-03-20" },
    ];
    const steps = new Set(runEngine(input(promises), "2026-03-21").actions.map((a) => a.step));
    expect(steps.has("R1")).toBe(true);
    // The earlier promise alone would have held R1 until the 31st.
    expect(new Set(runEngine(input(promises.slice(0, 1)), "2026-03-21").actions.map((a) => a.step)).has("R1")).toBe(false);
  });
});

describe("the floor's priority with a promise made again", () => {
  const promiseLine = (id: number, madeAt: string, promisedOn: string, over: Partial<DocHistory> = {}): DocHistory => ({
    id: `0190f1c2-0000-7000-8000-${String(id).padStart(12, "0")}`,
    happenedAt: madeAt,
    kind: "promise",
    outcome: null,
    text: `Promesse de paiement : 159,00 € le ${promisedOn}`,
    initials: "VT",
    unitId: null,
    rejectedReason: null,
    promise: { promisedOn, amountCents: 15_900 },
    ...over,
  });
  const doc = (history: DocHistory[], promise: DebtorDoc["promise"]): DebtorDoc => debtorDoc({ history, promise });
  const reasons = (d: DebtorDoc, today: string) => priorityOf(d, today).parts.map((p) => p.reason);

  it("does not count the earlier promise as broken next to the new one (the server's copy)", () => {
    const first = promiseLine(1, "2026-11-20T09:00:00.000Z", "2026-11-25");
    const second = promiseLine(2, "2026-11-22T09:00:00.000Z", "2026-11-28");
    const d = doc([second, first], { promisedOn: "2026-11-28", amountCents: 15_900, madeAt: second.happenedAt });
    expect(reasons(d, "2026-11-22").filter((r) => r.includes("non tenue"))).toEqual([]);
  });

  it("does not count the earlier promise as broken as soon as the new one is recorded on the phone", () => {
    const first = promiseLine(1, "2026-11-20T09:00:00.000Z", "2026-11-25");
    const before = doc([first], { promisedOn: "2026-11-25", amountCents: 15_900, madeAt: first.happenedAt });
    const again = Mutation.parse({
      id: "0190f1c2-0000-7000-8000-000000000099",
      seq: 1,
      v: MUTATION_VERSION,
      kind: "promise.made",
      payload: { customerId: CUSTOMER, promisedOn: "2026-11-28", amountCents: 15_900 },
      happenedAt: "2026-11-22T09:00:00.000Z",
    });
    const after = applyToDoc(before, again, { initials: "VT", timeZone: "Europe/Paris", userId: "0190f1c2-0000-7000-8000-0000000000e1" });
    expect(after.promise).toMatchObject({ promisedOn: "2026-11-28" });
    expect(reasons(after, "2026-11-22").filter((r) => r.includes("non tenue"))).toEqual([]);
  });

  it("still counts a promise missed before the new one was made (+15)", () => {
    const first = promiseLine(1, "2026-11-05T09:00:00.000Z", "2026-11-10");
    const second = promiseLine(2, "2026-11-22T09:00:00.000Z", "2026-11-28");
    const d = doc([second, first], { promisedOn: "2026-11-28", amountCents: 15_900, madeAt: second.happenedAt });
    expect(priorityOf(d, "2026-11-22").parts.at(-1)).toEqual({ points: 15, reason: "une promesse non tenue" });
  });
});

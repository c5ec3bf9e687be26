import { describe, expect, it } from "vitest";
import { addDays, addMonths } from "../../../shared/dates";
import { runEngine, type EngineInput, type InvoiceFact, type PaymentFact, type PlannedAction } from "../../../shared/engine/engine";
import { DEFAULT_SCENARIOS } from "../../../shared/engine/scenarios";

const scenario = (code: string) => DEFAULT_SCENARIOS.find((s) => s.code === code)!;

/** Monthly rent of 100 € due on `firstDue` and the months after, issued 15 days before. */
function rents(firstDue: string, months: number, cents = 10_000): InvoiceFact[] {
  return Array.from({ length: months }, (_, k) => {
    const dueDate = addMonths(firstDue, k);
    return { ref: `F${k + 1}`, dueDate, issueDate: dueDate, amountCents: cents };
  });
}
const paid = (ref: string, date: string, amountCents = 10_000, method: PaymentFact["method"] = "transfer"): PaymentFact => ({ ref, date, amountCents, status: "ok", method });
const rejected = (ref: string, date: string, method: PaymentFact["method"]): PaymentFact => ({ ref, date, amountCents: 10_000, status: "rejected", method });

function input(over: Partial<EngineInput> & { kind?: "person" | "company"; method?: PaymentFact["method"]; stop?: boolean; code?: string } = {}): EngineInput {
  return {
    customer: { ref: "C1", kind: over.kind ?? "person", paymentMethod: over.method ?? "transfer", stop: over.stop ?? false },
    scenario: scenario(over.code ?? "box"),
    invoices: over.invoices ?? rents("2026-03-02", 1),
    payments: over.payments ?? [],
    promises: over.promises,
    plans: over.plans,
    letters: over.letters,
    closures: over.closures,
    minBalanceCents: over.minBalanceCents,
  };
}

/** Step → the day it fell due (first occurrence), for the steps planned. */
const stepDates = (actions: PlannedAction[]) => Object.fromEntries(actions.map((a) => [a.step, a.date]));
const steps = (actions: PlannedAction[]) => [...new Set(actions.map((a) => a.step))];

describe("the box procedure, replayed day by day", () => {
  const letters = [
    { step: "R2", sentOn: "2026-04-02" },
    { step: "R3", sentOn: "2026-04-16", receivedOn: "2026-04-18" },
  ];

  it("plans every step on CONTRACT.md's dates for a rent due 2 March 2026 and never paid, R3's AR signed 18 April", () => {
    const { actions, episodes } = runEngine(input({ letters }), "2026-05-10");
    expect(stepDates(actions)).toEqual({
      "first-contact": "2026-03-03",
      reminder: "2026-03-11",
      R1: "2026-03-16",
      lockout: "2026-03-16",
      "R2-notice": "2026-03-26",
      R2: "2026-04-02",
      R3: "2026-04-16",
      exit: "2026-04-30",
    });
    expect(episodes).toEqual([{ openedOn: "2026-03-02", paidOn: null, closedBy: null, anchorOn: "2026-03-02", level: "R3", balanceCents: 10_000 }]);
    // The CONTRACT.md plan shape: action and channel of each.
    const r2 = actions.filter((a) => a.step === "R2").map((a) => [a.action, a.channel, a.needsApproval]);
    expect(r2).toEqual([
      ["message", "registered_letter", true],
      ["message", "letter", true],
      ["message", "email", true],
      ["level", null, true],
    ]);
    expect(actions.filter((a) => a.step === "lockout").map((a) => [a.action, a.channel, a.task])).toEqual([
      ["task", "padlock", "padlock_place"],
      ["task", "gate_code", "gate_suspend"],
    ]);
    // The termination notice by registered letter and its simple copy, with the contract end, all to the Manager.
    expect(actions.filter((a) => a.step === "exit").map((a) => [a.action, a.channel, a.template ?? null, a.needsApproval])).toEqual([
      ["contract_end", null, null, true],
      ["approval", null, null, true],
      ["message", "registered_letter", "box-termination", true],
      ["message", "letter", "box-termination", true],
      ["task", "open_box", null, true],
    ]);
  });

  it("plans only what has fallen due by the day it runs, and each key once", () => {
    const early = runEngine(input({ letters }), "2026-03-15").actions;
    expect(steps(early)).toEqual(["first-contact", "reminder"]);
    const all = runEngine(input({ letters }), "2026-05-10").actions;
    expect(new Set(all.map((a) => a.key)).size).toBe(all.length);
    expect(all.slice(0, early.length)).toEqual(early);
  });

  it("waits for the R2 registered letter to be recorded before the formal notice, and for R3's before the exit", () => {
    expect(steps(runEngine(input(), "2026-05-10").actions)).not.toContain("R3");
    const late = runEngine(input({ letters: [{ step: "R2", sentOn: "2026-04-20" }] }), "2026-05-10").actions;
    expect(stepDates(late).R3).toBe("2026-04-16"); // planned once the letter is in, dated when it fell due
    expect(steps(late)).not.toContain("exit");
  });

  it("stops at payment: unlock at once (the box was padlocked), thanks 8 days later, nothing else", () => {
    const { actions, episodes } = runEngine(input({ payments: [paid("P1", "2026-03-20")], letters }), "2026-05-10");
    expect(stepDates(actions)).toEqual({
      "first-contact": "2026-03-03",
      reminder: "2026-03-11",
      R1: "2026-03-16",
      lockout: "2026-03-16",
      unlock: "2026-03-20",
      "thank-you": "2026-03-28",
    });
    expect(episodes[0]).toMatchObject({ paidOn: "2026-03-20", level: "R1" });
    // Paid before the lockout: nothing to unlock; thanks, since a reminder went out. Paid before any message: no thanks.
    expect(steps(runEngine(input({ payments: [paid("P1", "2026-03-12")] }), "2026-05-10").actions)).toEqual(["first-contact", "reminder", "thank-you"]);
    expect(steps(runEngine(input({ payments: [paid("P1", "2026-03-05")] }), "2026-05-10").actions)).toEqual(["first-contact"]);
  });

  it("re-anchors on the oldest unpaid invoice after a partial payment, keeps what was done and the level", () => {
    const invoices = rents("2026-03-02", 3); // 2 March, 2 April, 2 May
    const later = [
      { step: "R2", sentOn: "2026-04-02" },
      { step: "R3", sentOn: "2026-05-16", receivedOn: "2026-05-19" },
    ];
    // On 10 April the customer pays March's rent: still owes April's, due the 2nd. What was done stays done, once;
    // what was not yet due counts from 2 April.
    const { actions, episodes } = runEngine(input({ invoices, payments: [paid("P1", "2026-04-10")], letters: later }), "2026-06-10");
    expect(stepDates(actions)).toEqual({
      "first-contact": "2026-03-03",
      reminder: "2026-03-11",
      R1: "2026-03-16",
      lockout: "2026-03-16",
      "R2-notice": "2026-03-26",
      R2: "2026-04-02",
      R3: "2026-05-16",
      exit: "2026-05-30", // 31 May is a Sunday
    });
    expect(actions.filter((a) => a.step === "R1")).toHaveLength(2); // the e-mail and the level, once
    expect(episodes).toEqual([{ openedOn: "2026-03-02", paidOn: null, closedBy: null, anchorOn: "2026-04-02", level: "R3", balanceCents: 20_000 }]);
  });

  it("closes the case when what is due is paid, and opens a new one at the next unpaid rent", () => {
    const invoices = rents("2026-03-02", 2);
    const { episodes, actions } = runEngine(input({ invoices, payments: [paid("P1", "2026-03-20")] }), "2026-04-20");
    expect(episodes.map((e) => [e.openedOn, e.paidOn])).toEqual([
      ["2026-03-02", "2026-03-20"],
      ["2026-04-02", null],
    ]);
    expect(actions.filter((a) => a.step === "first-contact").map((a) => [a.episode, a.date])).toEqual([
      ["2026-03-02", "2026-03-03"],
      ["2026-04-02", "2026-04-03"],
    ]);
  });

  it("charges penalties and the 40 € indemnity to companies only", () => {
    const fees = (kind: "person" | "company") =>
      runEngine(input({ kind, letters }), "2026-05-10")
        .actions.filter((a) => a.action === "fee")
        .map((a) => a.fee);
    expect(fees("company")).toEqual(["late_penalties", "recovery_indemnity"]);
    expect(fees("person")).toEqual([]);
  });

  it("plans nothing at all for a customer on stop", () => {
    expect(runEngine(input({ stop: true, letters }), "2026-05-10").actions).toEqual([]);
    expect(runEngine(input({ stop: true, payments: [paid("P1", "2026-03-20")] }), "2026-05-10").actions).toEqual([]);
  });
});


describe("the contract end, counted from the formal notice's receipt", () => {
  const exitOf = (r3: { sentOn: string; receivedOn?: string }, asOf: string, over: Partial<EngineInput> = {}) =>
    runEngine(input({ letters: [{ step: "R2", sentOn: "2026-04-02" }, { step: "R3", ...r3 }], ...over }), asOf).actions.filter((a) => a.step === "exit");

  it("does not plan the exit while R3's receipt is not recorded, however long after the letter went", () => {
    expect(exitOf({ sentOn: "2026-04-16" }, "2026-09-30")).toEqual([]);
  });

  it("with R3's AR signed on day X, ends the contract on the last day of the month of X + 8", () => {
    // AR 18 April → the 8 days run to 26 April → exit 30 April (a Thursday).
    const exit = exitOf({ sentOn: "2026-04-16", receivedOn: "2026-04-18" }, "2026-05-10");
    expect(new Set(exit.map((a) => a.date))).toEqual(new Set(["2026-04-30"]));
    // Not before that day: planned on it, not on the day the AR came back.
    expect(exitOf({ sentOn: "2026-04-16", receivedOn: "2026-04-18" }, "2026-04-29")).toEqual([]);
  });

  it("counts a letter back unclaimed from the day it came back, as an AR", () => {
    // The office records the return like an AR (outcome `unclaimed`): the facts carry its day as the receipt.
    const unclaimed = exitOf({ sentOn: "2026-04-16", receivedOn: "2026-05-06" }, "2026-06-10");
    expect(unclaimed[0]?.date).toBe("2026-05-30"); // 6 May + 8 = 14 May → end of May (the 31st is a Sunday)
  });

  it("an AR late in the month pushes the exit to the next month's end", () => {
    // AR 25 April → deadline 3 May → end of May (CONTRACT.md), 31 May being a Sunday: Saturday 30.
    expect(exitOf({ sentOn: "2026-04-16", receivedOn: "2026-04-25" }, "2026-06-10")[0]?.date).toBe("2026-05-30");
    // A deadline on the month's very last day (AR 22 April → 30 April) has passed only in May.
    expect(exitOf({ sentOn: "2026-04-16", receivedOn: "2026-04-22" }, "2026-06-10")[0]?.date).toBe("2026-05-30");
  });

  it("dates the exit when it fell, though the run that plans it comes weeks later (the month billed since is after the end)", () => {
    // Run in June for an AR of 18 April: the exit fell on 30 April; May's rent (due 2 May) falls after it.
    const { actions, episodes } = runEngine(
      input({ invoices: rents("2026-03-02", 4), letters: [{ step: "R2", sentOn: "2026-04-02" }, { step: "R3", sentOn: "2026-04-16", receivedOn: "2026-04-18" }] }),
      "2026-06-10",
    );
    expect(stepDates(actions).exit).toBe("2026-04-30");
    expect(episodes).toHaveLength(1);
  });

  it("does not count the receipt of a formal notice sent in an earlier case", () => {
    const invoices = rents("2026-03-02", 5);
    // The first case was paid in full on 20 May; a new one opens on 2 June's rent. Its R3 has not gone yet.
    const payments = [paid("P1", "2026-05-20", 30_000)];
    const { actions } = runEngine(
      input({ invoices, payments, letters: [{ step: "R2", sentOn: "2026-04-02" }, { step: "R3", sentOn: "2026-04-16", receivedOn: "2026-04-18" }] }),
      "2026-09-30",
    );
    expect(actions.filter((a) => a.step === "exit" && a.episode === "2026-06-02")).toEqual([]);
  });
});

describe("payment incidents and methods", () => {
  it("does not chase a SEPA debit until it is rejected, then starts on the reject with the unpaid fee", () => {
    expect(runEngine(input({ method: "sepa" }), "2026-03-20").actions).toEqual([]);
    const { actions } = runEngine(input({ method: "sepa", payments: [rejected("R1", "2026-03-06", "sepa")] }), "2026-03-20");
    expect(stepDates(actions)).toEqual({ "first-contact": "2026-03-06", reminder: "2026-03-11", R1: "2026-03-16", lockout: "2026-03-16" });
    expect(actions.filter((a) => a.step === "first-contact").map((a) => a.fee ?? a.task)).toEqual(["call", "sepa_reject"]);
  });

  it("asks to run a refused card again, and calls again at a second reject", () => {
    const { actions } = runEngine(input({ method: "card", payments: [rejected("R1", "2026-03-02", "card"), rejected("R2", "2026-03-09", "card")] }), "2026-03-10");
    const first = actions.filter((a) => a.step === "first-contact");
    expect(first.map((a) => [a.occurrence, a.date, a.task])).toEqual([
      [1, "2026-03-03", "call"],
      [1, "2026-03-03", "card_rerun"],
      [2, "2026-03-09", "call"],
      [2, "2026-03-09", "card_rerun"],
    ]);
  });
});

describe("promises and payment plans", () => {
  it("holds steps during a promise, resumes when the promised day passes unpaid", () => {
    const promises = [{ madeOn: "2026-03-10", promisedOn: "2026-03-20" }];
    expect(steps(runEngine(input({ promises }), "2026-03-20").actions)).toEqual(["first-contact"]);
    const after = runEngine(input({ promises }), "2026-03-21").actions;
    expect(stepDates(after)).toMatchObject({ reminder: "2026-03-11", R1: "2026-03-16", lockout: "2026-03-16" });
    // Kept: paid on the 19th, nothing more (no thanks either: no reminder had been sent).
    expect(steps(runEngine(input({ promises, payments: [paid("P1", "2026-03-19")] }), "2026-04-30").actions)).toEqual(["first-contact"]);
  });

  it("holds steps while a payment plan is kept, resumes on a missed instalment", () => {
    const plans = [
      {
        agreedOn: "2026-03-05",
        instalments: [
          { dueOn: "2026-03-15", amountCents: 5_000 },
          { dueOn: "2026-04-15", amountCents: 5_000 },
        ],
      },
    ];
    const kept = runEngine(input({ plans, payments: [paid("P1", "2026-03-15", 5_000), paid("P2", "2026-04-15", 5_000)] }), "2026-05-10");
    expect(steps(kept.actions)).toEqual(["first-contact"]);
    const missed = runEngine(input({ plans, payments: [paid("P1", "2026-03-15", 5_000)] }), "2026-04-17").actions;
    expect(stepDates(missed)).toMatchObject({ reminder: "2026-03-11", R1: "2026-03-16", "R2-notice": "2026-03-26", R2: "2026-04-02" });
  });
});

describe("the seed-004 scenarios", () => {
  it("sends the pre-due notice 8 days before (moved off a Sunday), and not once paid", () => {
    const invoices = [{ ref: "F1", issueDate: "2026-02-15", dueDate: "2026-03-02", amountCents: 10_000 }];
    const { actions } = runEngine(input({ code: "standard", invoices }), "2026-04-30");
    expect(stepDates(actions)).toEqual({ "pre-due": "2026-02-23", R1: "2026-03-10", R2: "2026-03-18", R3: "2026-03-26", R4: "2026-04-03", R5: "2026-04-11" });
    expect(actions.find((a) => a.step === "pre-due")!.episode).toBeNull();
    const early = runEngine(input({ code: "standard", invoices, payments: [paid("P1", "2026-02-20")] }), "2026-04-30").actions;
    expect(early).toEqual([]);
  });

  it("levels go up one step at a time and never back", () => {
    const levels = runEngine(input({ code: "mauvais-payeur" }), "2026-04-30")
      .actions.filter((a) => a.action === "level")
      .map((a) => a.level);
    expect(levels).toEqual(["R1", "R2", "R3"]);
  });
});

describe("credits, write-offs, contract-end closures, threshold", () => {
  const credit = (ref: string, date: string, cents: number, kind: InvoiceFact["kind"]): InvoiceFact => ({ ref, issueDate: date, dueDate: date, amountCents: -cents, kind });

  it("a write-off closes the case: the padlock comes off, no thanks", () => {
    const { actions, episodes } = runEngine(input({ invoices: [...rents("2026-03-02", 1), credit("PP1", "2026-03-20", 10_000, "write_off")] }), "2026-04-30");
    expect(episodes).toEqual([expect.objectContaining({ paidOn: "2026-03-20", closedBy: "write_off" })]);
    expect(stepDates(actions)).toMatchObject({ lockout: "2026-03-16", unlock: "2026-03-20" });
    expect(steps(actions)).not.toContain("thank-you");
    expect(steps(actions)).not.toContain("R2");
  });

  it("a credit note settles like a payment, without thanks; a later payment in full earns them", () => {
    const invoices = [...rents("2026-03-02", 2), credit("AV1", "2026-03-20", 10_000, "credit_note")];
    const { episodes, actions } = runEngine(input({ invoices, payments: [paid("P1", "2026-04-20")] }), "2026-05-31");
    // The credit settles March (no thanks: nothing was paid); April's rent is paid on the 20th, after reminders.
    expect(episodes[0]).toMatchObject({ paidOn: "2026-03-20", closedBy: "credit_note" });
    expect(episodes.at(-1)).toMatchObject({ openedOn: "2026-04-02", paidOn: "2026-04-20", closedBy: "payment" });
    expect(actions.filter((a) => a.step === "thank-you").map((a) => a.date)).toEqual(["2026-04-28"]);
  });

  it("a contract-end closure takes the debt out of the procedure; only a new debt opens a new case", () => {
    const letters = [
      { step: "R2", sentOn: "2026-04-02" },
      { step: "R3", sentOn: "2026-04-16" },
    ];
    const base = input({ invoices: rents("2026-03-02", 1), letters, closures: ["2026-05-04"] });
    const { episodes, actions } = runEngine(base, "2026-07-31");
    expect(episodes).toEqual([expect.objectContaining({ paidOn: "2026-05-04", closedBy: "contract_ended", balanceCents: 10_000 })]);
    expect(actions.filter((a) => a.date > "2026-05-04")).toEqual([]);
    // A later payment pays the handed-over debt: nothing opens. A new rent unpaid later: a new case.
    const more = runEngine({ ...base, payments: [paid("P1", "2026-06-10", 5_000)], invoices: [...rents("2026-03-02", 1), { ref: "N1", issueDate: "2026-07-01", dueDate: "2026-07-01", amountCents: 8_000 }] }, "2026-07-31");
    expect(more.episodes.map((e) => [e.openedOn, e.closedBy])).toEqual([
      ["2026-03-02", "contract_ended"],
      ["2026-07-01", null],
    ]);
    expect(more.episodes[1]!.balanceCents).toBe(13_000);
    // The same when the replay starts after the closure (a settled past is skipped).
    const later = runEngine({ ...base, invoices: [...rents("2026-03-02", 1), { ref: "N1", issueDate: "2026-09-01", dueDate: "2026-09-01", amountCents: 8_000 }] }, "2026-09-30", { settledBefore: "2026-08-01" });
    expect(later.episodes.map((e) => e.openedOn)).toEqual(["2026-09-01"]);
  });

  it("no case under the minimum balance", () => {
    expect(runEngine(input({ invoices: rents("2026-03-02", 1, 1_200), minBalanceCents: 5_000 }), "2026-05-10").actions).toEqual([]);
    expect(runEngine(input({ invoices: rents("2026-03-02", 1, 1_200), minBalanceCents: 0 }), "2026-05-10").actions.length).toBeGreaterThan(0);
  });
});

describe("the replay moves steps off public holidays as the schedule does", () => {
  it.each([
    ["Lundi de Pâques", "2026-04-06", "2026-04-07"],
    ["Ascension", "2026-05-14", "2026-05-15"],
    ["Lundi de Pentecôte", "2026-05-25", "2026-05-26"],
    ["1er mai", "2026-05-01", "2026-05-02"],
    ["14 juillet", "2026-07-14", "2026-07-15"],
    ["11 novembre", "2026-11-11", "2026-11-12"],
  ])("R1 and the lockout due on %s (%s) fall on %s, the day before nothing", (_name, holiday, next) => {
    const due = addDays(holiday, -14);
    const invoices = [{ ref: "F1", issueDate: due, dueDate: due, amountCents: 10_000 }];
    const on = (day: string) => runEngine(input({ invoices }), day).actions.filter((a) => a.step === "R1" || a.step === "lockout");
    expect(on(holiday)).toEqual([]);
    expect(new Set(on(next).map((a) => a.date))).toEqual(new Set([next]));
    expect(on(next).map((a) => a.action).sort()).toEqual(["level", "message", "task", "task"]);
  });
});

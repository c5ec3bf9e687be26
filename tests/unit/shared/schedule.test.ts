import { describe, expect, it } from "vitest";
import { DEFAULT_SCENARIOS, type Scenario } from "../../../shared/engine/scenarios";
import { schedule } from "../../../shared/engine/schedule";
import { addDays } from "../../../shared/dates";

const scenario = (code: string): Scenario => DEFAULT_SCENARIOS.find((s) => s.code === code)!;
const dates = (code: string, due: string, paidOn: string | null = null, receipts: Record<string, string> = {}) =>
  Object.fromEntries(schedule(scenario(code), due, paidOn, receipts).map((s) => [s.step.code, s.date]));

describe("step dates of the default scenarios", () => {
  it("gives CONTRACT.md's example for a rent due Monday 2 March 2026, R3's AR signed 18 April", () => {
    expect(dates("box", "2026-03-02", "2026-05-04", { R3: "2026-04-18" })).toEqual({
      "first-contact": "2026-03-03",
      reminder: "2026-03-11",
      R1: "2026-03-16",
      lockout: "2026-03-16",
      "R2-notice": "2026-03-26",
      R2: "2026-04-02",
      R3: "2026-04-16",
      exit: "2026-04-30",
      unlock: "2026-05-04",
      "thank-you": "2026-05-12",
    });
  });

  it("waits for a payment before unlock and thank-you, and for R3's receipt before the exit", () => {
    const d = dates("box", "2026-03-02");
    expect(d.unlock).toBeNull();
    expect(d["thank-you"]).toBeNull();
    expect(d.exit).toBeNull();
    // CONTRACT.md: an AR recorded 25 April → deadline 3 May → exit at the end of May (the 31st is a Sunday: the 30th).
    expect(dates("box", "2026-03-02", null, { R3: "2026-04-25" }).exit).toBe("2026-05-30");
  });

  // Due 1 April 2026 (Wednesday): Easter Monday is 6 April, 1 May a Friday, the contract end on 31 May a Sunday.
  it("moves steps off Sundays and public holidays, and the contract end back", () => {
    expect(dates("box", "2026-04-01", "2026-05-14", { R3: "2026-05-16" })).toEqual({
      "first-contact": "2026-04-02",
      reminder: "2026-04-10",
      R1: "2026-04-15",
      lockout: "2026-04-15",
      "R2-notice": "2026-04-25", // a Saturday: worked
      R2: "2026-05-02", // 1 May (Friday) → Saturday 2
      R3: "2026-05-15",
      exit: "2026-05-30", // 31 May is a Sunday → Saturday 30
      unlock: "2026-05-15", // paid on Ascension Thursday → Friday
      "thank-you": "2026-05-22",
    });
    // Due 6 July: R1 on 20 July; due 30 June: R1 on 14 July → 15 July; due 11 May: reminder on 20 May, R1 25 May
    // (Whit Monday) → 26 May.
    expect(dates("box", "2026-06-30").R1).toBe("2026-07-15");
    expect(dates("box", "2026-05-11").R1).toBe("2026-05-26");
  });

  it("ends a contract at the end of February, moved back off a Sunday, never on the deadline's last day", () => {
    expect(dates("box", "2027-01-31", null, { R3: "2027-02-12" }).exit).toBe("2027-02-27"); // 28 Feb 2027 is a Sunday
    // Deadline on Saturday 27 February 2027: the month's last working day is that very day, so the next month's end.
    expect(dates("box", "2027-01-31", null, { R3: "2027-02-19" }).exit).toBe("2027-03-31");
    // Deadline on 30 April 2026, the month's last day: it has passed only in May.
    expect(dates("box", "2026-03-02", null, { R3: "2026-04-22" }).exit).toBe("2026-05-30"); // 31 May is a Sunday
    expect(dates("box", "2028-01-31").R2).toBe("2028-02-29");
  });

  it.each([
    ["standard", { "pre-due": "2026-02-23", R1: "2026-03-10", R2: "2026-03-18", R3: "2026-03-26", R4: "2026-04-03", R5: "2026-04-11", "thank-you": "2026-04-28" }],
    ["standard-sans-email", { "pre-due": "2026-02-23", R1: "2026-03-10", R2: "2026-03-18", R3: "2026-03-26", R4: "2026-04-03", R5: "2026-04-11", "thank-you": "2026-04-28" }],
    ["export", { R1: "2026-03-10", R2: "2026-03-18", R3: "2026-03-26", R4: "2026-04-03", R5: "2026-04-11" }],
    ["grand-compte", { R1: "2026-03-10", R2: "2026-03-18", "thank-you": "2026-04-28" }],
    ["mauvais-payeur", { "pre-due": "2026-02-23", R1: "2026-03-05", R2: "2026-03-10", R3: "2026-03-17" }],
  ])("gives every step of %s for a debt due 2 March 2026, paid 20 April (pre-due: 22 Feb, a Sunday → 23)", (code, expected) => {
    expect(dates(code, "2026-03-02", "2026-04-20")).toEqual(expected);
  });

  it("channels: the variant without e-mail writes where standard e-mails", () => {
    const channels = (code: string, step: string) =>
      scenario(code)
        .steps.find((s) => s.code === step)!
        .actions.flatMap((a) => (a.action === "message" ? [a.channel] : []));
    expect(channels("standard", "pre-due")).toEqual(["email"]);
    expect(channels("standard-sans-email", "pre-due")).toEqual(["letter"]);
    expect(channels("standard-sans-email", "R1")).toEqual(["letter"]);
    expect(channels("mauvais-payeur", "R2")).toEqual(["email", "sms"]);
    expect(channels("mauvais-payeur", "R3")).toEqual(["registered_letter"]);
    expect(channels("box", "R2")).toEqual(["registered_letter", "letter", "email"]);
  });
});

// Every public holiday of 2026 (and a Sunday), the next working day written out by hand.
const HOLIDAYS_2026: [string, string, string][] = [
  ["Jour de l'an (jeudi)", "2026-01-01", "2026-01-02"],
  ["Lundi de Pâques", "2026-04-06", "2026-04-07"],
  ["1er mai (vendredi)", "2026-05-01", "2026-05-02"],
  ["8 mai (vendredi)", "2026-05-08", "2026-05-09"],
  ["Ascension (jeudi)", "2026-05-14", "2026-05-15"],
  ["Lundi de Pentecôte", "2026-05-25", "2026-05-26"],
  ["14 juillet (mardi)", "2026-07-14", "2026-07-15"],
  ["15 août (samedi, puis dimanche)", "2026-08-15", "2026-08-17"],
  ["Toussaint (dimanche)", "2026-11-01", "2026-11-02"],
  ["11 novembre (mercredi)", "2026-11-11", "2026-11-12"],
  ["Noël (vendredi)", "2026-12-25", "2026-12-26"],
  ["un dimanche ordinaire", "2026-10-18", "2026-10-19"],
];

describe("every step counted in days, of every scenario, landing on each public holiday", () => {
  const daySteps = DEFAULT_SCENARIOS.flatMap((s) =>
    s.steps.filter((st) => st.when.from === "due" && !st.when.months && !st.when.endOfMonth).map((st) => [s.code, st.code, st.when.days ?? 0] as const),
  );

  it("covers the steps of all six scenarios", () => {
    expect(new Set(daySteps.map(([code]) => code)).size).toBe(6);
    expect(daySteps.length).toBeGreaterThan(25);
  });

  it.each(HOLIDAYS_2026)("%s (%s) → %s", (_name, holiday, next) => {
    for (const [code, step, days] of daySteps) {
      const due = addDays(holiday, -days);
      const got = schedule(scenario(code), due, null).find((s) => s.step.code === step)?.date;
      // A step turned off by default (grand-compte's) is not scheduled.
      if (scenario(code).steps.find((s) => s.code === step)!.enabled) expect(got, `${code} ${step}, due ${due}`).toBe(next);
    }
    // After payment: unlock on the day paid, thanks 8 days later, each moved the same way.
    expect(dates("box", "2026-01-05", holiday).unlock).toBe(next);
    expect(dates("standard", "2026-01-05", addDays(holiday, -8))["thank-you"]).toBe(next);
  });
});

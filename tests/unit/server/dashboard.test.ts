import { describe, expect, it } from "vitest";
import { agedBalance, closeCohorts, countbackDso, daysCounted, funnel, monthsOf, promiseCounts } from "../../../server/dashboard/compute";

// The dashboards' arithmetic (server/dashboard/compute.ts), on numbers small enough to check by hand.

describe("the aged balance", () => {
  it("adds the rows up per days-late bucket, the bounds in the lower bucket", () => {
    const rows = [
      { balanceCents: 100, daysLate: 0 },
      { balanceCents: 200, daysLate: 15 },
      { balanceCents: 400, daysLate: 16 },
      { balanceCents: 800, daysLate: 45 },
      { balanceCents: 1600, daysLate: 60 },
      { balanceCents: 3200, daysLate: 61 },
    ];
    expect(agedBalance(rows)).toEqual([
      { bucket: "0-15", amountCents: 300, count: 2 },
      { bucket: "16-30", amountCents: 400, count: 1 },
      { bucket: "31-45", amountCents: 800, count: 1 },
      { bucket: "46-60", amountCents: 1600, count: 1 },
      { bucket: "60+", amountCents: 3200, count: 1 },
    ]);
  });
});

describe("the funnel", () => {
  const no = { R1: false, padlock: false, R2: false, R3: false, exit: false, paid: false };
  it("counts every stage a case reached, and a paid case at the furthest stage it had reached", () => {
    const f = funnel([
      { ...no, paid: true, n: 2 }, // paid before R1
      { ...no, R1: true, padlock: true, paid: true, n: 3 }, // paid after the padlock
      { ...no, R1: true, padlock: true, R2: true, n: 1 }, // still open at R2
      { ...no, R1: true, R2: true, R3: true, exit: true, n: 1 }, // standard scenario: no padlock, went to the exit
    ]);
    expect(f).toEqual([
      { stage: "opened", reached: 7, paid: 2 },
      { stage: "R1", reached: 5, paid: 0 },
      { stage: "padlock", reached: 4, paid: 3 },
      { stage: "R2", reached: 2, paid: 0 },
      { stage: "R3", reached: 1, paid: 0 },
      { stage: "exit", reached: 1, paid: 0 },
    ]);
  });
});

describe("promises kept or broken", () => {
  it("reads each case's promises with the engine's rule, counting cases whose latest promise was made in the period", () => {
    const today = "2026-11-22";
    const counts = promiseCounts(
      [
        // Paid: kept, and the earlier missed one is not counted broken (the rule counts only while owed).
        { promises: [{ madeOn: "2026-10-01", promisedOn: "2026-10-05" }, { madeOn: "2026-10-10", promisedOn: "2026-10-15" }], owed: false },
        // Owed: the first replaced after its day (broken), the latest past its week of grace (broken).
        { promises: [{ madeOn: "2026-10-01", promisedOn: "2026-10-05" }, { madeOn: "2026-10-10", promisedOn: "2026-11-01" }], owed: true },
        // Owed, its day within the week of grace: pending.
        { promises: [{ madeOn: "2026-11-10", promisedOn: "2026-11-20" }], owed: true },
        // Made before the period: left out.
        { promises: [{ madeOn: "2026-01-10", promisedOn: "2026-01-20" }], owed: true },
      ],
      "2026-06-01",
      today,
      today,
    );
    expect(counts).toEqual({ kept: 1, broken: 2, pending: 1 });
  });
});

describe("countback DSO", () => {
  it("counts whole months back while the receivables cover their sales, then the share of the next", () => {
    // 1,500 owed; November (30 days) billed 1,000, October (31 days) 1,000: 30 + 31 × 500/1000 = 45.5 days.
    expect(countbackDso(150_000, [{ salesCents: 100_000, days: 30 }, { salesCents: 100_000, days: 31 }])).toBe(45.5);
    // Less than the last month's sales: a share of its days only (22 days counted of a month cut at the 22nd).
    expect(countbackDso(50_000, [{ salesCents: 100_000, days: 22 }])).toBe(11);
    // More than everything billed: every month given.
    expect(countbackDso(500_000, [{ salesCents: 100_000, days: 30 }, { salesCents: 0, days: 31 }])).toBe(61);
    expect(countbackDso(0, [{ salesCents: 100_000, days: 30 }])).toBe(0);
    expect(countbackDso(0, [{ salesCents: 0, days: 30 }])).toBeNull();
  });

  it("walks months oldest to newest and cuts the last at the period's end", () => {
    expect(monthsOf("2025-11-23", "2026-02-10")).toEqual(["2025-11", "2025-12", "2026-01", "2026-02"]);
    expect(daysCounted("2026-02", "2026-02-10")).toBe(10);
    expect(daysCounted("2026-01", "2026-02-10")).toBe(31);
  });
});

describe("cohorts", () => {
  it("blanks a window until it is over for the month's last due date", () => {
    const [c] = closeCohorts([{ month: "2026-10", dueCents: 100, paid15Cents: 10, paid30Cents: 20, paid60Cents: 30 }], "2026-11-22");
    // 31 October + 15 = 15 November (over); + 30 = 30 November (not yet); + 60 (not yet).
    expect(c).toEqual({ month: "2026-10", dueCents: 100, paid15Cents: 10, paid30Cents: null, paid60Cents: null });
  });
});

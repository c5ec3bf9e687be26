import { describe, expect, it } from "vitest";
import { erasureDecision, obstacleText, relationEndedOn, retentionDecision, retentionObstacles, type RetentionFacts } from "../../../shared/privacy/retention";

const TODAY = "2026-11-22";

/** A customer whose relationship ended: contract ended in March 2025, debt settled by a payment in April 2025. */
const ended: RetentionFacts = {
  legalHold: null,
  pseudonymisedOn: null,
  outstandingCents: 0,
  openCase: false,
  openTasks: 0,
  contractEnds: ["2025-03-31"],
  lastMovementOn: "2025-04-10",
  lastCaseClosedOn: "2025-04-10",
  createdOn: "2023-01-05",
};

describe("the relationship ends on the latest of the settlement, the contracts' ends and the case's closing", () => {
  it("is the last payment when the debt was settled after the contract ended", () => {
    expect(relationEndedOn(ended)).toBe("2025-04-10");
  });

  it("is the last contract's end when it ended after the debt was settled", () => {
    expect(relationEndedOn({ ...ended, contractEnds: ["2024-01-31", "2025-06-30"] })).toBe("2025-06-30");
  });

  it("is the case's closing when it came last (a write-off dated later than any payment)", () => {
    expect(relationEndedOn({ ...ended, lastCaseClosedOn: "2025-05-02" })).toBe("2025-05-02");
  });

  it("is the day Cadenas first knew the customer when nothing else says when", () => {
    expect(relationEndedOn({ ...ended, contractEnds: [], lastMovementOn: null, lastCaseClosedOn: null })).toBe("2023-01-05");
  });
});

describe("a customer whose debt is settled and every contract ended is kept for the retention period, then pseudonymised", () => {
  it("stays in the intermediate archive until three years after the relationship ended", () => {
    expect(retentionDecision(ended, "2028-04-09", 3)).toEqual({ state: "archived", endedOn: "2025-04-10", dueOn: "2028-04-10" });
  });

  it("is due for pseudonymisation on the day the three years are over", () => {
    expect(retentionDecision(ended, "2028-04-10", 3)).toEqual({ state: "due", endedOn: "2025-04-10", dueOn: "2028-04-10" });
  });

  it("follows the setting: one year of retention makes them due two years earlier", () => {
    expect(retentionDecision(ended, TODAY, 1)).toEqual({ state: "due", endedOn: "2025-04-10", dueOn: "2026-04-10" });
  });

  it("once pseudonymised, says when", () => {
    expect(retentionDecision({ ...ended, pseudonymisedOn: "2028-04-10" }, "2030-01-01", 3)).toEqual({ state: "pseudonymised", on: "2028-04-10" });
  });
});

describe("nothing is pseudonymised while something still needs the data, however old", () => {
  const late = "2040-01-01";

  it("a legal hold keeps everything", () => {
    expect(retentionDecision({ ...ended, legalHold: "Litige devant le tribunal judiciaire" }, late, 3)).toEqual({ state: "kept", obstacles: ["legal_hold"] });
  });

  it("a debt still owed keeps the data its collection needs", () => {
    expect(retentionDecision({ ...ended, outstandingCents: 12_000 }, late, 3)).toEqual({ state: "kept", obstacles: ["debt_owed"] });
  });

  it("a credit to refund to the customer keeps them too (their claim)", () => {
    expect(retentionDecision({ ...ended, outstandingCents: -500 }, late, 3)).toEqual({ state: "kept", obstacles: ["credit_owed"] });
  });

  it("a contract still running, or ending later, keeps them", () => {
    expect(retentionObstacles({ ...ended, contractEnds: ["2025-03-31", null] }, late)).toEqual(["contract_running"]);
    expect(retentionObstacles({ ...ended, contractEnds: ["2026-12-31"] }, TODAY)).toEqual(["contract_running"]);
  });

  it("an open case or a task left on the floor keeps them", () => {
    expect(retentionObstacles({ ...ended, openCase: true, openTasks: 1 }, late)).toEqual(["open_case", "open_task"]);
  });

  it("names every obstacle, the legal hold first", () => {
    expect(retentionObstacles({ ...ended, legalHold: "Remis au commissaire de justice", outstandingCents: 100, openCase: true }, late)).toEqual(["legal_hold", "debt_owed", "open_case"]);
  });
});

describe("an erasure request is carried out at once where the law allows, refused with the reason where it does not", () => {
  it("is carried out for a customer whose relationship ended, without waiting for the retention period", () => {
    expect(erasureDecision(ended, "2025-05-01")).toEqual({ state: "erase" });
  });

  it("is refused while a debt is owed, saying how much", () => {
    const owing = { ...ended, outstandingCents: 12_345 };
    expect(erasureDecision(owing, TODAY)).toEqual({ state: "refused", obstacles: ["debt_owed"] });
    expect(obstacleText("debt_owed", owing)).toMatch(/^Une dette de 123,45\s€ reste due/);
  });

  it("is refused under a legal hold, saying the hold's reason", () => {
    const held = { ...ended, legalHold: "Contestation du client" };
    expect(erasureDecision(held, TODAY)).toEqual({ state: "refused", obstacles: ["legal_hold"] });
    expect(obstacleText("legal_hold", held)).toBe("Conservation pour motif légal : Contestation du client.");
  });

  it("is refused while a contract runs", () => {
    expect(erasureDecision({ ...ended, contractEnds: [null] }, TODAY)).toEqual({ state: "refused", obstacles: ["contract_running"] });
  });

  it("finds a customer already pseudonymised done, with the day", () => {
    expect(erasureDecision({ ...ended, pseudonymisedOn: "2026-01-02" }, TODAY)).toEqual({ state: "already", on: "2026-01-02" });
  });
});

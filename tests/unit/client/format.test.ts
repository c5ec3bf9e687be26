import { describe, expect, it } from "vitest";
import { ACTION_KINDS, CALL_OUTCOMES, LEVELS, PAYMENT_METHODS, ROLES, SEGMENTS, TASK_KINDS, BOX_STEPS } from "../../../shared/enums";
import { daysLateLabel, formatEuros, formatLongDay, smsHref, telHref } from "../../../client/format";
import { ACTION_LABEL, LEVEL_LABEL, OUTCOME_LABEL, PAYMENT_METHOD_LABEL, ROLE_LABEL, SEGMENT_LABEL, STAGE_LABEL, TASK_LABEL } from "../../../client/labels";

describe("French display formats", () => {
  it("writes euros the French way", () => {
    expect(formatEuros(123456).replace(/\s/g, " ")).toBe("1 234,56 €");
    expect(formatEuros(0).replace(/\s/g, " ")).toBe("0,00 €");
  });

  it("writes the day in full", () => {
    expect(formatLongDay("2026-11-22")).toBe("dimanche 22 novembre");
  });

  it("labels how late a payment is", () => {
    expect(daysLateLabel(23)).toBe("J+23");
    expect(daysLateLabel(-8)).toBe("J-8");
  });

  it("dials French numbers internationally", () => {
    expect(telHref("06 12 34 56 78")).toBe("tel:+33612345678");
    expect(telHref("+33 4 78 00 12 34")).toBe("tel:+33478001234");
  });

  it("opens the messages app on the same number", () => {
    expect(smsHref("06 12 34 56 78")).toBe("sms:+33612345678");
  });

  it("has a French label for every code the UI shows", () => {
    const check = (codes: readonly string[], labels: Record<string, string>) => {
      for (const code of codes) expect(labels[code], code).toBeTruthy();
    };
    check(ROLES, ROLE_LABEL);
    check(LEVELS, LEVEL_LABEL);
    check(PAYMENT_METHODS, PAYMENT_METHOD_LABEL);
    check(SEGMENTS, SEGMENT_LABEL);
    check(ACTION_KINDS, ACTION_LABEL);
    check(CALL_OUTCOMES, OUTCOME_LABEL);
    check(TASK_KINDS, TASK_LABEL);
    check(BOX_STEPS, STAGE_LABEL);
  });
});

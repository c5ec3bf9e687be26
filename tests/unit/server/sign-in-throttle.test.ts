import { describe, expect, it } from "vitest";
import { FORGOT_LIMITS, SIGN_IN_LIMITS, delayAfter, signInKeys } from "../../../server/auth/sign-in-throttle";
import { tooManyAttempts, waitInWords } from "../../../shared/throttle";

describe("sign-in slow-down rule", () => {
  it("lets the free failures through, then doubles the wait up to the cap", () => {
    const rule = SIGN_IN_LIMITS.pair;
    expect([1, 2, 3, 4].map((n) => delayAfter(n, rule))).toEqual([0, 0, 0, 0]);
    expect([5, 6, 7, 8].map((n) => delayAfter(n, rule))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(delayAfter(30, rule)).toBe(15 * 60_000);
    expect(delayAfter(10_000, rule)).toBe(15 * 60_000);
  });

  it("never makes a wait outlast the quiet period that forgives it", () => {
    for (const rule of [...Object.values(SIGN_IN_LIMITS), ...Object.values(FORGOT_LIMITS)]) expect(rule.maxMs).toBeLessThanOrEqual(rule.forgiveAfterMs);
  });

  it("spares a recognised browser the account-wide key only, and still counts its failures there", () => {
    const stranger = signInKeys("bureau@exemple.fr", "203.0.113.5", false);
    const desk = signInKeys("bureau@exemple.fr", "203.0.113.5", true);
    expect(stranger.check.map((k) => k.key)).toEqual(["account:bureau@exemple.fr", "pair:bureau@exemple.fr|203.0.113.5", "address:203.0.113.5"]);
    expect(desk.check.map((k) => k.key)).toEqual(["pair:bureau@exemple.fr|203.0.113.5", "address:203.0.113.5"]);
    expect(desk.count).toEqual(stranger.count);
  });

  it("says the wait in seconds, then minutes, then hours, never too early", () => {
    expect(waitInWords(0.2)).toBe("1 s");
    expect(waitInWords(8)).toBe("8 s");
    expect(waitInWords(89)).toBe("89 s");
    expect(waitInWords(90)).toBe("2 min");
    expect(waitInWords(900)).toBe("15 min");
    expect(waitInWords(3_600)).toBe("60 min");
    expect(waitInWords(5_401)).toBe("2 h");
    expect(tooManyAttempts(4)).toBe("Trop d'essais : réessayez dans 4 s.");
  });
});

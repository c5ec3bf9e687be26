import { describe, expect, it } from "vitest";
import { LoginThrottle } from "../../../server/auth/login-throttle";

describe("login throttle", () => {
  const t0 = 1_000_000;

  it("allows attempts until the limit, then says how long to wait", () => {
    const throttle = new LoginThrottle({ maxFailures: 3, windowMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      expect(throttle.retryAfterSeconds(["a"], t0 + i)).toBe(0);
      throttle.recordFailure(["a"], t0 + i);
    }
    expect(throttle.retryAfterSeconds(["a"], t0 + 10)).toBe(60);
    expect(throttle.retryAfterSeconds(["b"], t0 + 10)).toBe(0);
  });

  it("forgets failures older than the window", () => {
    const throttle = new LoginThrottle({ maxFailures: 2, windowMs: 60_000 });
    throttle.recordFailure(["a"], t0);
    throttle.recordFailure(["a"], t0 + 30_000);
    expect(throttle.retryAfterSeconds(["a"], t0 + 40_000)).toBe(20);
    expect(throttle.retryAfterSeconds(["a"], t0 + 60_001)).toBe(0);
  });

  it("clears a key on success", () => {
    const throttle = new LoginThrottle({ maxFailures: 1, windowMs: 60_000 });
    throttle.recordFailure(["a"], t0);
    expect(throttle.retryAfterSeconds(["a"], t0)).toBeGreaterThan(0);
    throttle.recordSuccess(["a"]);
    expect(throttle.retryAfterSeconds(["a"], t0)).toBe(0);
  });
});

import { describe, expect, it } from "vitest";
import { systemClock } from "../../../server/clock";

/** A machine clock the test moves by hand. */
function machine(startIso: string) {
  let t = Date.parse(startIso);
  return { now: () => new Date(t), advance: (ms: number) => void (t += ms) };
}

describe("the server's clock", () => {
  it("is the machine's clock when nothing is pinned", () => {
    const m = machine("2027-03-01T08:00:00Z");
    const clock = systemClock({ siteTimeZone: "Europe/Paris" }, m.now);
    expect(clock.now().toISOString()).toBe("2027-03-01T08:00:00.000Z");
    expect(clock.today()).toBe("2027-03-01");
  });

  it("starts at NOW and runs from there, its day following", () => {
    const m = machine("2028-12-31T22:30:00Z");
    const clock = systemClock({ now: "2026-11-22T22:59:00Z", siteTimeZone: "Europe/Paris" }, m.now);
    expect(clock.now().toISOString()).toBe("2026-11-22T22:59:00.000Z");
    expect(clock.today()).toBe("2026-11-22");
    m.advance(2 * 60_000);
    expect(clock.now().toISOString()).toBe("2026-11-22T23:01:00.000Z");
    expect(clock.today()).toBe("2026-11-23"); // midnight in Paris has passed
  });

  it("keeps TODAY's date and the machine's time of day, running, whatever the machine's date", () => {
    const m = machine("2027-02-28T09:15:00Z");
    const clock = systemClock({ today: "2026-11-22", siteTimeZone: "Europe/Paris" }, m.now);
    expect(clock.today()).toBe("2026-11-22");
    expect(clock.now().toISOString()).toBe("2026-11-22T09:15:00.000Z");
    m.advance(60_000);
    expect(clock.now().toISOString()).toBe("2026-11-22T09:16:00.000Z");
    expect(clock.today()).toBe("2026-11-22");
  });

  it("tells the day in any zone, a pinned TODAY being the day in every zone", () => {
    const m = machine("2030-01-01T00:00:00Z");
    // 04:30 in Paris, still 23:30 the day before in Martinique (UTC−4).
    const clock = systemClock({ now: "2026-11-22T03:30:00Z", siteTimeZone: "Europe/Paris" }, m.now);
    expect(clock.todayIn("Europe/Paris")).toBe("2026-11-22");
    expect(clock.todayIn("America/Martinique")).toBe("2026-11-21");
    expect(clock.today()).toBe(clock.todayIn("Europe/Paris"));
    const pinned = systemClock({ now: "2026-11-22T03:30:00Z", today: "2026-11-22", siteTimeZone: "Europe/Paris" }, m.now);
    expect(pinned.todayIn("America/Martinique")).toBe("2026-11-22");
  });
});

import { describe, expect, it } from "vitest";
import { addDays, addMonths, dayOfWeek, daysBetween, formatDateFr, isCalendarDate, lastDayOfMonth, todayIn, zonedInstant } from "../../../shared/dates";

describe("calendar dates", () => {
  it("adds days across months, years and daylight-saving changes", () => {
    expect(addDays("2026-03-28", 2)).toBe("2026-03-30");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
  });

  it("adds months and clamps to the end of a shorter month", () => {
    expect(addMonths("2026-03-02", 1)).toBe("2026-04-02");
    expect(addMonths("2026-01-31", 1)).toBe("2026-02-28");
    expect(addMonths("2028-01-31", 1)).toBe("2028-02-29");
    expect(addMonths("2026-11-22", -4)).toBe("2026-07-22");
  });

  it("counts days between dates", () => {
    expect(daysBetween("2026-03-02", "2026-03-16")).toBe(14);
    expect(daysBetween("2026-03-16", "2026-03-02")).toBe(-14);
    expect(daysBetween("2026-03-28", "2026-03-30")).toBe(2);
  });

  it("finds the last day of the month and the weekday", () => {
    expect(lastDayOfMonth("2026-04-02")).toBe("2026-04-30");
    expect(lastDayOfMonth("2028-02-10")).toBe("2028-02-29");
    expect(dayOfWeek("2026-03-02")).toBe(1);
    expect(dayOfWeek("2026-11-22")).toBe(0);
  });

  it("writes dates as the billing software does", () => {
    expect(formatDateFr("2026-05-05")).toBe("05/05/2026");
  });

  it("tells real calendar dates from look-alikes", () => {
    expect(isCalendarDate("2026-02-28")).toBe(true);
    expect(isCalendarDate("2026-02-30")).toBe(false);
    expect(isCalendarDate("26-02-28")).toBe(false);
    expect(() => addDays("28/02/2026", 1)).toThrow(/YYYY-MM-DD/);
  });
});

describe("time zones", () => {
  it("gives Paris's date, which is already tomorrow late in the UTC evening", () => {
    expect(todayIn("Europe/Paris", new Date("2026-11-22T23:30:00Z"))).toBe("2026-11-23");
    expect(todayIn("Europe/Paris", new Date("2026-07-14T21:59:00Z"))).toBe("2026-07-14");
    expect(todayIn("Europe/Paris", new Date("2026-07-14T22:00:00Z"))).toBe("2026-07-15");
  });

  it("turns a Paris wall-clock time into UTC on both sides of the spring change", () => {
    expect(zonedInstant("2026-03-28", "09:00", "Europe/Paris")).toBe("2026-03-28T08:00:00.000Z");
    expect(zonedInstant("2026-03-30", "09:00", "Europe/Paris")).toBe("2026-03-30T07:00:00.000Z");
    expect(zonedInstant("2026-10-26", "18:30", "Europe/Paris")).toBe("2026-10-26T17:30:00.000Z");
  });
});

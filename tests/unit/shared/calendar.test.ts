import { describe, expect, it } from "vitest";
import { easterSunday, frenchPublicHolidays, isWorkingDay, onOrAfterWorkingDay, onOrBeforeWorkingDay, publicHoliday } from "../../../shared/engine/calendar";

describe("the French working-day calendar", () => {
  it.each([
    [2024, "2024-03-31"],
    [2025, "2025-04-20"],
    [2026, "2026-04-05"],
    [2027, "2027-03-28"],
    [2028, "2028-04-16"],
    [2038, "2038-04-25"],
  ])("finds Easter Sunday %i on %s", (year, date) => {
    expect(easterSunday(year)).toBe(date);
  });

  it("lists the eleven public holidays of 2026 with the moving ones in place", () => {
    const h = frenchPublicHolidays(2026);
    expect(h.size).toBe(11);
    expect(h.get("2026-04-06")).toBe("Lundi de Pâques");
    expect(h.get("2026-05-14")).toBe("Ascension");
    expect(h.get("2026-05-25")).toBe("Lundi de Pentecôte");
    for (const fixed of ["2026-01-01", "2026-05-01", "2026-05-08", "2026-07-14", "2026-08-15", "2026-11-01", "2026-11-11", "2026-12-25"]) {
      expect(h.has(fixed), fixed).toBe(true);
    }
  });

  it.each([
    ["2026-03-08", "2026-03-09", "a Sunday moves to Monday"],
    ["2026-03-07", "2026-03-07", "a Saturday is a working day"],
    ["2026-04-06", "2026-04-07", "Easter Monday moves to Tuesday"],
    ["2026-05-01", "2026-05-02", "1 May (a Friday) moves to Saturday"],
    ["2026-05-14", "2026-05-15", "Ascension Thursday moves to Friday"],
    ["2026-05-24", "2026-05-26", "Whit Sunday then Whit Monday: Tuesday"],
    ["2026-07-14", "2026-07-15", "14 July moves to the 15th"],
    ["2027-11-01", "2027-11-02", "1 November 2027 (a Monday) moves to Tuesday"],
    ["2026-12-25", "2026-12-26", "Christmas (a Friday) moves to Saturday"],
    ["2022-12-25", "2022-12-26", "Christmas on a Sunday moves to Monday"],
  ])("shifts %s forward to %s (%s)", (date, expected) => {
    expect(onOrAfterWorkingDay(date)).toBe(expected);
  });

  it("shifts back for a date that must come before, over a weekend and a holiday", () => {
    expect(onOrBeforeWorkingDay("2026-05-31")).toBe("2026-05-30"); // Sunday → Saturday
    expect(onOrBeforeWorkingDay("2026-11-01")).toBe("2026-10-31"); // Toussaint, a Sunday → Saturday
    expect(onOrBeforeWorkingDay("2027-08-15")).toBe("2027-08-14"); // Assomption, a Sunday
    expect(onOrBeforeWorkingDay("2026-04-30")).toBe("2026-04-30");
  });

  it("says which days are worked and names holidays", () => {
    expect(isWorkingDay("2026-11-23")).toBe(true);
    expect(isWorkingDay("2026-11-22")).toBe(false);
    expect(publicHoliday("2026-11-11")).toBe("Armistice 1918");
    expect(publicHoliday("2026-11-12")).toBeNull();
  });
});

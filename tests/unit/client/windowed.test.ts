import { describe, expect, it } from "vitest";
import { windowRange } from "../../../client/pages/today/windowed";

// The windowed list of *Aujourd'hui*: which rows are drawn for a band of the page, and the space standing for the
// others, which must add up to the whole list's height whatever the band.
const GAP = 10;
const heights = Array.from({ length: 5_000 }, (_, i) => 90 + (i % 7) * 10);
const height = (i: number) => heights[i]!;
const whole = heights.reduce((a, b) => a + b, 0) + (heights.length - 1) * GAP;

function drawnHeight(start: number, end: number): number {
  return end > start ? heights.slice(start, end).reduce((a, b) => a + b, 0) + (end - start - 1) * GAP : 0;
}

describe("windowRange", () => {
  it("draws only the rows that meet the band, and the padding stands for the others", () => {
    const r = windowRange(heights.length, height, GAP, 0, 1_400);
    expect(r.start).toBe(0);
    expect(r.end).toBeLessThan(20);
    expect(r.before).toBe(0);
    expect(r.before + drawnHeight(r.start, r.end) + r.after).toBe(whole);
  });

  it("reaches the 1,000th row and the last one, with the page as tall as the whole list", () => {
    let top = 0;
    for (let i = 0; i < 999; i++) top += heights[i]! + GAP;
    const at1000 = windowRange(heights.length, height, GAP, top - 600, top + 844 + 600);
    expect(at1000.start).toBeLessThanOrEqual(999);
    expect(at1000.end).toBeGreaterThan(999);
    expect(at1000.before + drawnHeight(at1000.start, at1000.end) + at1000.after).toBe(whole);

    const atEnd = windowRange(heights.length, height, GAP, whole - 844, whole + 600);
    expect(atEnd.end).toBe(heights.length);
    expect(atEnd.after).toBe(0);
    expect(atEnd.before + drawnHeight(atEnd.start, atEnd.end)).toBe(whole);
  });

  it("draws nothing past the end of the list, and keeps the list's height", () => {
    const r = windowRange(heights.length, height, GAP, whole + 100, whole + 900);
    expect(r.start).toBe(r.end);
    expect(r.before + r.after).toBe(whole);
    expect(windowRange(0, height, GAP, 0, 900)).toEqual({ start: 0, end: 0, before: 0, after: 0 });
  });
});

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fitWithin, looksCut, MAX_SIDE } from "../../../client/photos/prepare";
import { photosOfPayload } from "../../../shared/floor/photos";

describe("preparing a photo on the phone", () => {
  it("brings the longest side down to 1600 px, keeps the proportions, never enlarges", () => {
    expect(fitWithin(4032, 3024)).toEqual({ width: MAX_SIDE, height: 1200 });
    expect(fitWithin(3024, 4032)).toEqual({ width: 1200, height: MAX_SIDE });
    expect(fitWithin(800, 600)).toEqual({ width: 800, height: 600 });
    // A panorama: 1600 px long, and far under iOS's canvas ceiling.
    expect(fitWithin(12000, 2000)).toEqual({ width: 1600, height: 267 });
  });

  it("spots a JPEG or PNG whose end is missing, and lets whole ones through", async () => {
    const jpeg = readFileSync("tests/fixtures/photos/door.jpg");
    const png = readFileSync("tests/fixtures/photos/padlock.png");
    expect(await looksCut(new Blob([jpeg]))).toBe(false);
    expect(await looksCut(new Blob([png]))).toBe(false);
    expect(await looksCut(new Blob([jpeg.subarray(0, jpeg.length - 500)]))).toBe(true);
    expect(await looksCut(new Blob([png.subarray(0, 2000)]))).toBe(true);
  });

  it("reads the photos an action names, as hashes or with their role", () => {
    expect(photosOfPayload({ unitId: "u", photos: ["a", "b"] })).toEqual(["a", "b"]);
    expect(photosOfPayload({ photos: [{ sha256: "c", role: "door" }] })).toEqual(["c"]);
    expect(photosOfPayload({ customerId: "x" })).toEqual([]);
  });
});

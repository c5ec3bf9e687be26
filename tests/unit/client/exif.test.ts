import { Blob as NodeBlob } from "node:buffer";
import { createHash } from "node:crypto";
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { describe, expect, it } from "vitest";
import { readExif } from "../../../client/photos/exif";
import { describeOriginal } from "../../../client/photos/prepare";
import { CadenasDB } from "../../../client/store/db";
import { keepDraft } from "../../../client/store/photos";
import { recordAction } from "../../../client/store/record";
import { pngImage } from "../../support/images";

/**
 * A JPEG as a camera writes it: SOI, a JFIF APP0, then APP1 "Exif" holding a TIFF structure (IFD0 with Make,
 * Model and the pointer to the Exif IFD, which holds DateTimeOriginal and OffsetTimeOriginal), then the image
 * data. Built here from the TIFF 6.0 / EXIF 2.32 layout so the test depends on no tool.
 */
function cameraJpeg(tags: { make?: string; model?: string; dateTimeOriginal?: string; offset?: string }, little = true): Uint8Array {
  const u16 = (n: number) => (little ? [n & 0xff, n >> 8] : [n >> 8, n & 0xff]);
  const u32 = (n: number) => (little ? [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24] : [n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
  const ascii = (s: string) => [...Buffer.from(`${s}\0`, "latin1")];
  type Entry = { tag: number; type: number; value: number[] | number };
  const ifd0: Entry[] = [];
  const exif: Entry[] = [];
  if (tags.make) ifd0.push({ tag: 0x010f, type: 2, value: ascii(tags.make) });
  if (tags.model) ifd0.push({ tag: 0x0110, type: 2, value: ascii(tags.model) });
  if (tags.dateTimeOriginal) exif.push({ tag: 0x9003, type: 2, value: ascii(tags.dateTimeOriginal) });
  if (tags.offset) exif.push({ tag: 0x9011, type: 2, value: ascii(tags.offset) });
  ifd0.push({ tag: 0x8769, type: 4, value: 0 }); // set below
  // Layout: header (8) | IFD0 | its data | Exif IFD | its data.
  const ifdSize = (e: Entry[]) => 2 + e.length * 12 + 4;
  const dataSize = (e: Entry[]) => e.reduce((n, x) => n + (Array.isArray(x.value) && x.value.length > 4 ? x.value.length : 0), 0);
  const ifd0At = 8;
  const exifAt = ifd0At + ifdSize(ifd0) + dataSize(ifd0);
  ifd0[ifd0.length - 1]!.value = exifAt;
  const write = (entries: Entry[], at: number): number[] => {
    let dataAt = at + ifdSize(entries);
    const head: number[] = [...u16(entries.length)];
    const data: number[] = [];
    for (const e of entries) {
      const count = Array.isArray(e.value) ? e.value.length : 1;
      head.push(...u16(e.tag), ...u16(e.type), ...u32(count));
      if (!Array.isArray(e.value)) head.push(...u32(e.value));
      else if (e.value.length <= 4) head.push(...e.value, ...Array(4 - e.value.length).fill(0));
      else {
        head.push(...u32(dataAt));
        data.push(...e.value);
        dataAt += e.value.length;
      }
    }
    return [...head, ...u32(0), ...data];
  };
  const tiff = [...(little ? [0x49, 0x49] : [0x4d, 0x4d]), ...u16(42), ...u32(ifd0At), ...write(ifd0, ifd0At), ...write(exif, exifAt)];
  const app1 = [0xff, 0xe1, ...[(tiff.length + 8) >> 8, (tiff.length + 8) & 0xff], ...Buffer.from("Exif\0\0", "latin1"), ...tiff];
  const app0 = [0xff, 0xe0, 0x00, 0x10, ...Buffer.from("JFIF\0", "latin1"), 1, 1, 0, 0, 1, 0, 1, 0, 0];
  const scan = [0xff, 0xda, 0x00, 0x02, 0x12, 0x34, 0x56, 0xff, 0xd9];
  return new Uint8Array([0xff, 0xd8, ...app0, ...app1, ...scan]);
}

describe("reading a camera's EXIF on the phone", () => {
  it("reads the capture time with its offset and the device, in either byte order", () => {
    const tags = { make: "Apple", model: "iPhone 13", dateTimeOriginal: "2026:11:22 09:41:07", offset: "+01:00" };
    for (const little of [true, false]) {
      expect(readExif(cameraJpeg(tags, little))).toEqual({ capturedAt: "2026-11-22T09:41:07+01:00", device: "Apple iPhone 13" });
    }
  });

  it("keeps the camera's wall time when it wrote no offset, and names the make once", () => {
    expect(readExif(cameraJpeg({ make: "samsung", model: "samsung SM-G991B", dateTimeOriginal: "2026:11:22 09:41:07" }))).toEqual({
      capturedAt: "2026-11-22T09:41:07",
      device: "samsung SM-G991B",
    });
  });

  it("gives nulls for a JPEG without EXIF, a zeroed date, a PNG, a cut or garbled file", () => {
    const jfifOnly = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, ...Buffer.from("JFIF\0", "latin1"), 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xda, 0x00, 0x02, 0xff, 0xd9]);
    const none = { capturedAt: null, device: null };
    expect(readExif(jfifOnly)).toEqual(none);
    expect(readExif(cameraJpeg({ dateTimeOriginal: "0000:00:00 00:00:00" }))).toEqual(none);
    expect(readExif(new Uint8Array(pngImage(4, 4)))).toEqual(none);
    const whole = cameraJpeg({ make: "Apple", model: "iPhone 13", dateTimeOriginal: "2026:11:22 09:41:07" });
    expect(readExif(whole.subarray(0, 40))).toEqual(none);
    const garbled = whole.slice();
    garbled.fill(0xee, 30, 60);
    expect(() => readExif(garbled)).not.toThrow();
  });

  it("describes the original before reducing: its SHA-256, size, capture time and device", async () => {
    const jpeg = cameraJpeg({ make: "Apple", model: "iPhone 13", dateTimeOriginal: "2026:11:22 09:41:07", offset: "+01:00" });
    // Node's Blob: jsdom's hands out ArrayBuffers from another realm, which Node's crypto.subtle refuses.
    expect(await describeOriginal(new NodeBlob([jpeg], { type: "image/jpeg" }) as unknown as Blob)).toEqual({
      sha256: createHash("sha256").update(jpeg).digest("hex"),
      bytes: jpeg.length,
      capturedAt: "2026-11-22T09:41:07+01:00",
      device: "Apple iPhone 13",
    });
  });

  it("carries the original kept with a photo into the action that names it", async () => {
    const db = new CadenasDB(`exif-${Math.random()}`, { indexedDB: new IDBFactory(), IDBKeyRange });
    const original = { sha256: "b".repeat(64), bytes: 3_000_000, capturedAt: "2026-11-22T09:41:07+01:00", device: "Apple iPhone 13" };
    const reduced = "c".repeat(64);
    const drawn = "d".repeat(64);
    await keepDraft(db, { sha256: reduced, bytes: new ArrayBuffer(10), mime: "image/jpeg", width: 4, height: 3, original }, "padlock:u1");
    await keepDraft(db, { sha256: drawn, bytes: new ArrayBuffer(10), mime: "image/png", width: 4, height: 3 }, "padlock:u1");
    expect((await db.photos.get(reduced))?.original).toEqual(original);
    const who = { userId: "0190d3c0-0000-7000-8000-000000000001", initials: "VT", timeZone: "Europe/Paris" };
    const m = await recordAction(db, who, "padlock.placed", { unitId: "0190d3c0-0000-7000-8000-000000000002", photos: [reduced, drawn] });
    expect(m.payload).toMatchObject({ photos: [reduced, drawn], originals: { [reduced]: original } });
    expect((m.payload as { originals: Record<string, unknown> }).originals[drawn]).toBeUndefined();
    db.close();
  });
});

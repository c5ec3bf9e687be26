/**
 * The three things the evidence needs from a camera's JPEG, read from its EXIF block (APP1 "Exif", a TIFF
 * structure): when it was taken (DateTimeOriginal, with OffsetTimeOriginal when the camera wrote one) and by
 * which device (Make, Model). Hand-written rather than a library: these few tags are all the phone needs, and the
 * photo code must stay small. Never throws: a file without EXIF, or with a damaged one, gives nulls.
 */

export interface CameraFacts {
  /** "2026-11-30T09:41:07", with "+01:00" when the camera wrote its offset: the camera's own clock, as written. */
  capturedAt: string | null;
  /** "Apple iPhone 13", "samsung SM-G991B". */
  device: string | null;
}

const NONE: CameraFacts = { capturedAt: null, device: null };

const TAG = { make: 0x010f, model: 0x0110, exifIfd: 0x8769, dateTimeOriginal: 0x9003, offsetTimeOriginal: 0x9011 } as const;

export function readExif(bytes: Uint8Array): CameraFacts {
  try {
    const tiff = exifTiff(bytes);
    return tiff ? readTiff(tiff) : NONE;
  } catch {
    return NONE;
  }
}

/** The TIFF bytes of the JPEG's EXIF segment; it sits among the first segments, before the image data (SOS). */
function exifTiff(b: Uint8Array): DataView | null {
  if (b[0] !== 0xff || b[1] !== 0xd8) return null;
  let at = 2;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) return null;
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return null;
    const length = (b[at + 2]! << 8) | b[at + 3]!;
    if (length < 2) return null;
    const start = at + 4;
    const isExif = marker === 0xe1 && length >= 16 && String.fromCharCode(...b.subarray(start, start + 6)) === "Exif\0\0";
    if (isExif) return new DataView(b.buffer, b.byteOffset + start + 6, Math.min(length - 8, b.length - start - 6));
    at += 2 + length;
  }
  return null;
}

function readTiff(view: DataView): CameraFacts {
  const order = view.getUint16(0);
  if (order !== 0x4949 && order !== 0x4d4d) return NONE;
  const little = order === 0x4949;
  const u16 = (o: number) => view.getUint16(o, little);
  const u32 = (o: number) => view.getUint32(o, little);
  if (u16(2) !== 42) return NONE;

  /** The entries of the IFD at `offset`, by tag: where each entry starts. */
  const entries = (offset: number): Map<number, number> => {
    const found = new Map<number, number>();
    const count = u16(offset);
    for (let i = 0; i < count; i++) {
      const entry = offset + 2 + i * 12;
      if (entry + 12 > view.byteLength) break;
      found.set(u16(entry), entry);
    }
    return found;
  };
  /** An ASCII value (type 2): in the entry itself up to 4 bytes, else at its offset. */
  const ascii = (ifd: Map<number, number>, tag: number): string | null => {
    const entry = ifd.get(tag);
    if (entry === undefined || u16(entry + 2) !== 2) return null;
    const count = u32(entry + 4);
    const start = count <= 4 ? entry + 8 : u32(entry + 8);
    if (count === 0 || start + count > view.byteLength) return null;
    let text = "";
    for (let i = 0; i < count; i++) {
      const c = view.getUint8(start + i);
      if (c === 0) break;
      text += String.fromCharCode(c);
    }
    return text.trim() || null;
  };

  const ifd0 = entries(u32(4));
  const make = ascii(ifd0, TAG.make);
  const model = ascii(ifd0, TAG.model);
  const pointer = ifd0.get(TAG.exifIfd);
  const exif = pointer !== undefined ? entries(u32(pointer + 8)) : new Map<number, number>();
  return { capturedAt: captureTime(ascii(exif, TAG.dateTimeOriginal), ascii(exif, TAG.offsetTimeOriginal)), device: deviceName(make, model) };
}

/** "2026:11:30 09:41:07" (+ "+01:00") as ISO-like text; a blank or zeroed date (some cameras write one) is none. */
function captureTime(dateTime: string | null, offset: string | null): string | null {
  const m = dateTime && /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(dateTime);
  if (!m || m[1] === "0000" || m[2] === "00") return null;
  const zone = offset && /^([+-]\d{2}:\d{2}|Z)$/.test(offset) ? offset : "";
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${zone}`;
}

/** Make and model, the make once ("Apple iPhone 13", not "Apple Apple iPhone 13" as some models read). */
function deviceName(make: string | null, model: string | null): string | null {
  const name = model && make && model.toLowerCase().startsWith(make.toLowerCase()) ? model : [make, model].filter(Boolean).join(" ");
  return name ? name.slice(0, 120) : null;
}

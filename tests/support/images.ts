import { randomBytes } from "node:crypto";
import { deflateSync } from "node:zlib";

/**
 * A real PNG of `width`×`height`, made here so tests need no large fixture: a gradient (as large as a camera's
 * picture, small on disk) or, with `noise`, random pixels (the file is then about width × height × 3 bytes).
 */
export function pngImage(width: number, height: number, options: { noise?: boolean } = {}): Buffer {
  const stride = 1 + width * 3;
  const raw = options.noise ? randomBytes(stride * height) : Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const start = y * stride;
    raw[start] = 0; // no filter
    if (options.noise) continue;
    for (let x = 0; x < width; x++) {
      raw[start + 1 + x * 3] = (x * 255) / width;
      raw[start + 2 + x * 3] = (y * 255) / height;
      raw[start + 3 + x * 3] = 128;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", header), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function crc32(bytes: Buffer): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/**
 * A photo from the camera made ready to keep and send: turned upright (EXIF orientation), its longest side
 * brought down to 1600 px, compressed to JPEG, and addressed by the SHA-256 of the bytes that will be sent. JPEG
 * rather than WebP: the office's evidence pack embeds the photos in a PDF, which takes JPEG as it is.
 */

import type { PhotoOriginal } from "../../shared/floor/original";
import { readExif } from "./exif";

export const MAX_SIDE = 1600;
/** iOS refuses canvases above ~16.7 Mpx; a 1600 px side stays far under it, this guards odd panoramas. */
const MAX_PIXELS = 16_000_000;
const QUALITY = 0.82;

export interface PreparedPhoto {
  sha256: string;
  bytes: ArrayBuffer;
  mime: "image/jpeg";
  width: number;
  height: number;
  /** The camera's file before reducing: its SHA-256 and what its EXIF says (kept with the photo for the evidence). */
  original: PhotoOriginal;
}

/** Why a file could not be made into a photo, in words for the user. */
export class PhotoError extends Error {}

export async function preparePhoto(file: Blob): Promise<PreparedPhoto> {
  if (file.type && !file.type.startsWith("image/")) throw new PhotoError(`Ce fichier n'est pas une photo (${file.type}).`);
  if (await looksCut(file)) throw new PhotoError("Photo incomplète (fichier coupé) : reprenez-la.");
  // Read once and hashed while the image decodes: the original is not kept, only what it says.
  const original = describeOriginal(file);
  original.catch(() => undefined); // awaited below; a decoding error is the one to report
  const image = await decodeUpright(file);
  try {
    const { width, height } = fitWithin(image.width, image.height);
    const blob = await encodeJpeg(image.source, width, height);
    const bytes = await blob.arrayBuffer();
    const [sha256, facts] = await Promise.all([sha256Hex(bytes), original]);
    return { sha256, bytes, mime: "image/jpeg", width, height, original: facts };
  } finally {
    image.release();
  }
}

/** The camera's file as the phone received it: its SHA-256, its size, and its EXIF capture time and device. */
export async function describeOriginal(file: Blob): Promise<PhotoOriginal> {
  const bytes = await file.arrayBuffer();
  const sha256 = await sha256Hex(bytes);
  return { sha256, bytes: bytes.byteLength, ...readExif(new Uint8Array(bytes)) };
}

/** The size to draw at: the longest side at most `MAX_SIDE`, never enlarged, under the pixel ceiling. */
export function fitWithin(width: number, height: number, maxSide = MAX_SIDE): { width: number; height: number } {
  let scale = Math.min(1, maxSide / Math.max(width, height));
  if (width * height * scale * scale > MAX_PIXELS) scale = Math.sqrt(MAX_PIXELS / (width * height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  if (!crypto.subtle) throw new PhotoError("Connexion non sécurisée : les photos demandent une adresse en https.");
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A JPEG or PNG whose end is missing (a copy or download cut short): browsers decode what is there and paint
 * the rest black, which would make a useless piece of evidence. A JPEG ends with its end-of-image marker (some
 * phones add data after it, hence the window); a PNG with its IEND chunk.
 */
export async function looksCut(file: Blob): Promise<boolean> {
  const head = new Uint8Array(await file.slice(0, 8).arrayBuffer());
  const tailStart = Math.max(0, file.size - 65_536);
  const tail = () => file.slice(tailStart).arrayBuffer().then((b) => new Uint8Array(b));
  if (head[0] === 0xff && head[1] === 0xd8) {
    const t = await tail();
    for (let i = t.length - 2; i >= 0; i--) if (t[i] === 0xff && t[i + 1] === 0xd9) return false;
    return true;
  }
  if (head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47) {
    const t = await tail();
    const iend = [0x49, 0x45, 0x4e, 0x44];
    return !iend.every((b, k) => t[t.length - 8 + k] === b);
  }
  return false;
}

interface Decoded {
  source: CanvasImageSource;
  width: number;
  height: number;
  release(): void;
}

/**
 * Decodes the file with its EXIF orientation applied (browsers do it when asked, or by default for <img>), so
 * the pixels drawn are the way the photo was taken, not the way the sensor was held.
 */
async function decodeUpright(file: Blob): Promise<Decoded> {
  if (typeof createImageBitmap === "function") {
    try {
      const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
      return { source: bitmap, width: bitmap.width, height: bitmap.height, release: () => bitmap.close() };
    } catch {
      // Some browsers refuse the option or the format here; <img> below still decodes it.
    }
  }
  const url = URL.createObjectURL(file);
  const img = new Image();
  img.src = url;
  try {
    await img.decode();
  } catch {
    URL.revokeObjectURL(url);
    throw new PhotoError("Photo illisible : ce fichier n'est pas une image que le téléphone sait ouvrir.");
  }
  return { source: img, width: img.naturalWidth, height: img.naturalHeight, release: () => URL.revokeObjectURL(url) };
}

async function encodeJpeg(source: CanvasImageSource, width: number, height: number): Promise<Blob> {
  if (typeof OffscreenCanvas === "function") {
    const canvas = new OffscreenCanvas(width, height);
    draw(canvas.getContext("2d"), source, width, height);
    return canvas.convertToBlob({ type: "image/jpeg", quality: QUALITY });
  }
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  draw(canvas.getContext("2d"), source, width, height);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
  // Free the canvas's memory at once (iOS keeps a budget for all canvases of the page).
  canvas.width = canvas.height = 0;
  if (!blob) throw new PhotoError("La photo n'a pas pu être compressée (mémoire du téléphone ?). Réessayez.");
  return blob;
}

function draw(ctx: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null, source: CanvasImageSource, width: number, height: number): void {
  if (!ctx) throw new PhotoError("La photo n'a pas pu être préparée (mémoire du téléphone ?). Réessayez.");
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(source, 0, 0, width, height);
}

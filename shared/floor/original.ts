// Plain code, no schema library: the phone's photo code imports the type, the server's pack the rules.

/**
 * The camera's original file as the phone saw it before reducing it: its SHA-256 and size, and the capture time
 * and device the camera wrote in it (EXIF). The original itself stays on the phone (weak 4G): this is the phone's
 * statement at capture, carried in the action's payload and so in the evidence chain.
 */
export interface PhotoOriginal {
  sha256: string;
  bytes: number;
  /** "2026-11-30T09:41:07", "+01:00" appended when the camera wrote its offset; null when the file has none. */
  capturedAt: string | null;
  device: string | null;
}

/** Beyond this, a phone's clock and the server's receipt are said to differ. */
export const CLOCK_GAP_MINUTES = 5;

const CAPTURED_RE = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})([+-]\d{2}:\d{2}|Z)?$/;

/**
 * The instant a capture time names: exact when the camera wrote its offset; otherwise read as wall time in
 * `timeZone` (the site's: the phone was there). Null when the text is not a capture time.
 */
export function captureInstant(capturedAt: string, timeZone: string): Date | null {
  const m = CAPTURED_RE.exec(capturedAt);
  if (!m) return null;
  if (m[5]) return new Date(capturedAt);
  const wall = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}Z`);
  if (Number.isNaN(wall)) return null;
  const offset = (at: number) => {
    const p = Object.fromEntries(
      new Intl.DateTimeFormat("en-GB", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" })
        .formatToParts(new Date(at))
        .map((x) => [x.type, x.value]),
    );
    return Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!) - at;
  };
  let guess = wall - offset(wall);
  guess = wall - offset(guess);
  return new Date(guess);
}

/** Whole minutes between a phone's clock and the server's receipt, when beyond `CLOCK_GAP_MINUTES`; else null. */
export function clockGapMinutes(phone: Date | string, receivedAt: Date | string): number | null {
  const ms = Math.abs(new Date(phone).getTime() - new Date(receivedAt).getTime());
  if (Number.isNaN(ms)) return null;
  const minutes = Math.round(ms / 60_000);
  return ms > CLOCK_GAP_MINUTES * 60_000 ? minutes : null;
}

/** The originals a payload carries (`originals`, by the reduced photo's SHA-256), for the photos it names. */
export function originalsOfPayload(payload: unknown, photos: readonly string[]): Record<string, PhotoOriginal> | undefined {
  const all = (payload as { originals?: Record<string, PhotoOriginal> } | null)?.originals;
  if (!all || typeof all !== "object") return undefined;
  const kept = Object.fromEntries(Object.entries(all).filter(([sha]) => photos.includes(sha)));
  return Object.keys(kept).length > 0 ? kept : undefined;
}

import { captureInstant, clockGapMinutes, type PhotoOriginal } from "../../shared/floor/original";

/**
 * What the evidence pack says of a photo's camera original: its SHA-256, the capture time and device the camera
 * wrote, that the original itself was not uploaded (the reduced photo was), and any gap between the phone's clock
 * and the server's receipt beyond five minutes. Kept apart from the pack's layout so the wording is tested alone.
 */

export interface OriginalLine {
  text: string;
  /** A gap a reader must notice (printed in red). */
  flagged?: boolean;
}

/** The record that first names the photo: the phone's clock when it was saved, and when the server received it. */
export interface RecordTimes {
  deviceTime: string;
  receivedAt: string;
}

export function originalLines(original: PhotoOriginal | null, record: RecordTimes, timeZone: string, second: (instant: string | Date) => string): OriginalLine[] {
  const lines: OriginalLine[] = [];
  if (!original) {
    lines.push({ text: "Original : non décrit (photo prise avec une version de l'application qui ne relevait pas l'original)." });
  } else {
    const taken = original.capturedAt ? `pris le ${cameraTime(original.capturedAt)} (horloge de l'appareil)` : "pas d'heure de prise de vue dans le fichier";
    const device = original.device ? `appareil ${original.device}` : "appareil non indiqué dans le fichier";
    lines.push({ text: `Original : SHA-256 ${original.sha256}, ${bytesWord(original.bytes)}, ${taken}, ${device}.` });
    lines.push({
      text:
        "L'original n'est pas envoyé au serveur (réseau mobile souvent faible) : la photo ci-dessus en est la version réduite sur le téléphone ; " +
        "l'empreinte SHA-256 de l'original, son heure et son appareil sont la déclaration du téléphone au moment de la prise de vue, inscrite dans la chaîne de preuves.",
    });
  }
  const received = second(record.receivedAt);
  const capture = original?.capturedAt ? captureInstant(original.capturedAt, timeZone) : null;
  const captureGap = capture ? clockGapMinutes(capture, record.receivedAt) : null;
  if (captureGap !== null) {
    lines.push({ text: `Écart d'horloge de ${minutes(captureGap)} entre la prise de vue (${cameraTime(original!.capturedAt!)}) et la réception par le serveur (${received}).`, flagged: true });
  }
  const deviceGap = clockGapMinutes(record.deviceTime, record.receivedAt);
  if (deviceGap !== null) {
    lines.push({ text: `Écart d'horloge de ${minutes(deviceGap)} entre l'heure du téléphone à l'enregistrement (${second(record.deviceTime)}) et la réception par le serveur (${received}).`, flagged: true });
  }
  if (captureGap !== null || deviceGap !== null) {
    lines.push({ text: "Un tel écart vient d'une action gardée hors réseau avant son envoi, ou d'une horloge du téléphone mal réglée.", flagged: true });
  }
  return lines;
}

/** The record's own line: the gap between the phone's clock and the server's receipt, when beyond five minutes. */
export function deviceClockNote(record: RecordTimes): string {
  const gap = clockGapMinutes(record.deviceTime, record.receivedAt);
  return gap === null ? "" : ` — écart d'horloge de ${minutes(gap)} avec la réception par le serveur`;
}

/** "2026-11-30T09:41:07+01:00" as the camera wrote it, in French order: "30/11/2026 09:41:07 (UTC+01:00)". */
function cameraTime(capturedAt: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2})(.*)$/.exec(capturedAt);
  if (!m) return capturedAt;
  const zone = m[5] === "Z" ? " (UTC)" : m[5] ? ` (UTC${m[5]})` : "";
  return `${m[3]}/${m[2]}/${m[1]} ${m[4]}${zone}`;
}

function minutes(n: number): string {
  return `${n} min`;
}

function bytesWord(n: number): string {
  return `${n.toLocaleString("fr-FR").replace(/\s/g, " ")} octets`;
}

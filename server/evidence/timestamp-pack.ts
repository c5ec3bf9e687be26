import type { PDFFont } from "pdf-lib";
import { INK, LEFT, MUTED, RIGHT, type PageWriter } from "../pdf";
import { parseStampReply, pem } from "./rfc3161";
import { stampedData, type TimestampRow } from "./timestamps";

/**
 * The trusted timestamps' part of the evidence pack: a section of the PDF that lists them and says how to check
 * them, and the ZIP's files that let anyone do it with OpenSSL alone — each token (`timestamps/<n>.tsr`, the TSA's
 * reply as received), the data it stamps (`timestamps/<n>.data`, the head's hash as 64 ASCII characters) and the
 * certificates the tokens carry (`tsa-ca.pem`).
 */

export const CA_FILE = "tsa-ca.pem";

const verifyCommand = (seq: number | string) => `openssl ts -verify -data timestamps/${seq}.data -in timestamps/${seq}.tsr -CAfile ${CA_FILE}`;

const HOW_TO_VERIFY = (seq: number | string) =>
  [
    `Pour vérifier un horodatage (ici le n° ${seq}), dans le dossier où le ZIP est décompressé : ${verifyCommand(seq)} — la réponse doit être « Verification: OK ».`,
    `${CA_FILE} contient les certificats que l'autorité a joints à ses jetons : comparez l'empreinte de son certificat racine à celle que l'autorité publie (liste de confiance de l'UE pour un prestataire qualifié eIDAS), ou vérifiez avec le certificat obtenu d'elle.`,
    "Le fichier .data est l'empreinte SHA-256 de l'enregistrement (64 caractères), telle qu'imprimée ici : un horodatage valide prouve que cet enregistrement, et toute la chaîne qui le précède, existait à cette date.",
  ];

export function timestampFiles(rows: readonly TimestampRow[]): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const certs = new Map<string, Buffer>();
  for (const r of rows) {
    if (!r.token || !r.genTime) continue;
    files.set(`timestamps/${r.recordSeq}.tsr`, new Uint8Array(r.token));
    files.set(`timestamps/${r.recordSeq}.data`, new Uint8Array(stampedData(r.headHash)));
    try {
      for (const c of parseStampReply(r.token).certificates) certs.set(c.toString("base64"), c);
    } catch {
      // Stored only after it parsed; a token that no longer does is still given as it is.
    }
  }
  if (files.size === 0) return files;
  if (certs.size > 0) files.set(CA_FILE, new TextEncoder().encode([...certs.values()].map((c) => pem(c)).join("")));
  const first = rows.find((r) => r.genTime)!.recordSeq;
  files.set("timestamps/LISEZMOI.txt", new TextEncoder().encode(`Horodatages RFC 3161 de la chaîne de preuves.\n\n${HOW_TO_VERIFY(first).join("\n")}\n\nExemple : ${verifyCommand(first)}\n`));
  return files;
}

/** The section of the PDF: each head stamped (its hash, the TSA's time, the TSA), those waiting, or the chain self-certified. */
export function drawTimestamps(w: PageWriter, rows: readonly TimestampRow[], options: { tsaUrl: string | undefined; mono: PDFFont; minute: (instant: string) => string }): void {
  w.need(60);
  w.y -= 10;
  w.text("Horodatage qualifié (RFC 3161)", { size: 13, bold: true, gap: 1 });
  w.page.drawLine({ start: { x: LEFT, y: w.y }, end: { x: RIGHT, y: w.y }, thickness: 0.8, color: INK });
  w.y -= 6;
  const stamped = rows.filter((r) => r.genTime && r.token);
  const waiting = rows.filter((r) => !r.genTime);
  if (!options.tsaUrl && stamped.length === 0) {
    w.text("Chaîne auto-certifiée : aucun horodatage qualifié.", { bold: true, gap: 2 });
    w.text("Aucune autorité d'horodatage n'est configurée (TSA_URL) : les dates des enregistrements sont celles du serveur de l'exploitant, que seule la chaîne d'empreintes relie entre elles.", { size: 9.5, color: MUTED, gap: 4 });
    return;
  }
  if (stamped.length === 0) w.text("Aucun horodatage reçu à ce jour.", { size: 9.5, color: MUTED, gap: 4 });
  for (const r of stamped) {
    const tsa = r.tsaUrl ? new URL(r.tsaUrl).host : "—";
    w.text(`Enregistrement n° ${r.recordSeq} — horodaté par l'autorité ${tsa} le ${options.minute(r.genTime!)} — jeton timestamps/${r.recordSeq}.tsr`, { size: 9.5, gap: 1 });
    w.text(r.headHash, { size: 8.5, font: options.mono, color: MUTED, gap: 4 });
  }
  for (const r of waiting) {
    const why = r.lastError ? ` — ${r.attempts} essai${r.attempts > 1 ? "s" : ""}, dernier défaut : ${r.lastError}` : "";
    w.text(`Enregistrement n° ${r.recordSeq} — horodatage en attente (demandé à nouveau jusqu'à réponse)${why}`, { size: 9.5, color: MUTED, gap: 3 });
  }
  if (!options.tsaUrl) w.text("Aucune autorité d'horodatage n'est configurée aujourd'hui (TSA_URL) : les enregistrements suivants sont auto-certifiés.", { size: 9.5, color: MUTED, gap: 3 });
  if (stamped.length > 0) for (const line of HOW_TO_VERIFY(stamped[0]!.recordSeq)) w.text(line, { size: 8.5, color: MUTED, gap: 2 });
}

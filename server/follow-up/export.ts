import { dateOfInstant, formatDateFr } from "../../shared/dates";
import { CUSTOMER_KIND_LABEL, PROMISE_STATE_LABEL, SEGMENT_LABEL, STAGE_LABEL } from "../../shared/labels";
import type { FollowUpRow } from "../../shared/schemas/follow-up";
import { csvCell, csvEuros, csvFile } from "../csv";

/**
 * One cell of an export, typed so that each format writes it its own way: a CSV for French Excel as text, a
 * spreadsheet as a real number, amount or date cell.
 */
export type ExportCell = { text: string } | { cents: number } | { day: string } | { count: number } | { yes: boolean } | null;

/** The follow-up table's columns as the exports write them, in order: one list for the CSV and the XLSX. */
export function followUpColumns(timeZone: string): { header: string; cell: (r: FollowUpRow) => ExportCell }[] {
  const text = (v: string | null | undefined): ExportCell => ({ text: v ?? "" });
  const day = (d: string | null | undefined): ExportCell => (d ? { day: d } : null);
  const stage = (code: string | null | undefined) => text(code ? (STAGE_LABEL[code] ?? code) : "");
  return [
    { header: "client", cell: (r) => text(r.ref) },
    { header: "nom", cell: (r) => text(r.name) },
    { header: "type", cell: (r) => text(CUSTOMER_KIND_LABEL[r.kind]) },
    { header: "scenario", cell: (r) => text(SEGMENT_LABEL[r.scenario]) },
    { header: "site", cell: (r) => text(r.site.code) },
    { header: "box", cell: (r) => text(r.units.join(" ")) },
    { header: "solde", cell: (r) => ({ cents: r.balanceCents }) },
    { header: "impaye_depuis", cell: (r) => day(r.oldestDueOn) },
    { header: "jours_de_retard", cell: (r) => ({ count: r.daysLate }) },
    { header: "niveau", cell: (r) => text(r.level === "none" ? "" : r.level) },
    { header: "etape", cell: (r) => stage(r.stage) },
    { header: "prochaine_etape", cell: (r) => stage(r.nextStep?.code) },
    { header: "prochaine_etape_le", cell: (r) => day(r.nextStep?.on) },
    { header: "promesse_le", cell: (r) => day(r.promise?.on) },
    { header: "promesse_montant", cell: (r) => (r.promise ? { cents: r.promise.amountCents } : null) },
    { header: "promesse", cell: (r) => text(PROMISE_STATE_LABEL[r.promise?.state ?? "none"]) },
    { header: "echeancier", cell: (r) => ({ yes: r.paymentPlan }) },
    { header: "cadenas", cell: (r) => ({ yes: r.padlock }) },
    { header: "code_suspendu", cell: (r) => ({ yes: r.gateSuspended }) },
    { header: "derniere_action_le", cell: (r) => day(r.lastAction ? dateOfInstant(new Date(r.lastAction.at), timeZone) : null) },
    { header: "derniere_action_par", cell: (r) => text(r.lastAction?.initials) },
    { header: "derniere_action", cell: (r) => text(r.lastAction?.text) },
    { header: "stop", cell: (r) => ({ yes: r.stop }) },
    { header: "litige", cell: (r) => ({ yes: r.dispute !== null }) },
    { header: "litige_motif", cell: (r) => text(r.dispute?.note) },
    { header: "transmis_au_contentieux_le", cell: (r) => day(r.handedOverAt ? dateOfInstant(new Date(r.handedOverAt), timeZone) : null) },
  ];
}

function csvOf(cell: ExportCell): string {
  if (cell === null) return "";
  if ("text" in cell) return csvCell(cell.text);
  if ("cents" in cell) return csvEuros(cell.cents);
  if ("day" in cell) return formatDateFr(cell.day);
  if ("count" in cell) return String(cell.count);
  return cell.yes ? "oui" : "non";
}

/** The follow-up table's current view as a CSV for French Excel: every matching row, the columns of the screen; days in the user's zone. */
export function followUpCsv(rows: readonly FollowUpRow[], timeZone: string): string {
  const columns = followUpColumns(timeZone);
  return csvFile([columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => csvOf(c.cell(r))))]);
}

import { dateOfInstant, formatDateFr } from "../../shared/dates";
import { CUSTOMER_KIND_LABEL, PROMISE_STATE_LABEL, SEGMENT_LABEL, STAGE_LABEL } from "../../shared/labels";
import type { FollowUpRow } from "../../shared/schemas/follow-up";
import { csvCell, csvEuros, csvFile } from "../csv";

const yesNo = (v: boolean) => (v ? "oui" : "non");
const day = (d: string | null | undefined) => (d ? formatDateFr(d) : "");

/** The follow-up table's current view as a CSV for French Excel: every matching row, the columns of the screen; days in the user's zone. */
export function followUpCsv(rows: readonly FollowUpRow[], timeZone: string): string {
  return csvFile([
    ["client", "nom", "type", "scenario", "site", "box", "solde", "impaye_depuis", "jours_de_retard", "niveau", "etape", "prochaine_etape", "prochaine_etape_le", "promesse_le", "promesse_montant", "promesse", "echeancier", "cadenas", "code_suspendu", "derniere_action_le", "derniere_action_par", "derniere_action", "stop"],
    ...rows.map((r) => [
      csvCell(r.ref),
      csvCell(r.name),
      csvCell(CUSTOMER_KIND_LABEL[r.kind]),
      csvCell(SEGMENT_LABEL[r.scenario]),
      csvCell(r.site.code),
      csvCell(r.units.join(" ")),
      csvEuros(r.balanceCents),
      day(r.oldestDueOn),
      String(r.daysLate),
      csvCell(r.level === "none" ? "" : r.level),
      csvCell(r.stage ? (STAGE_LABEL[r.stage] ?? r.stage) : ""),
      csvCell(r.nextStep ? (STAGE_LABEL[r.nextStep.code] ?? r.nextStep.code) : ""),
      day(r.nextStep?.on),
      day(r.promise?.on),
      r.promise ? csvEuros(r.promise.amountCents) : "",
      csvCell(PROMISE_STATE_LABEL[r.promise?.state ?? "none"]),
      yesNo(r.paymentPlan),
      yesNo(r.padlock),
      yesNo(r.gateSuspended),
      r.lastAction ? formatDateFr(dateOfInstant(new Date(r.lastAction.at), timeZone)) : "",
      csvCell(r.lastAction?.initials ?? ""),
      csvCell(r.lastAction?.text ?? ""),
      yesNo(r.stop),
    ]),
  ]);
}

import { z } from "zod";
import type { DisposalBasis as DisposalBasisRule } from "../floor/opening";
import { Id } from "./common";

const text = (max: number, say: string) => z.string().trim().min(2, say).max(max);

/**
 * The legal basis for disposing of an opened box's contents, entered by the office: a court order (its reference
 * and court), or the contract's clause with the commissaire de justice's report.
 */
export const DisposalBasis = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("court_order"), reference: text(120, "La référence de la décision"), court: text(160, "La juridiction") }),
    z.object({ kind: z.literal("contract_clause"), clause: text(300, "La clause du contrat (article et son objet)"), bailiffReport: text(160, "La référence du procès-verbal du commissaire de justice") }),
  ])
  .meta({ id: "DisposalBasis" });
export type DisposalBasis = z.infer<typeof DisposalBasis>;
// The rule's own type (shared/floor/opening.ts, no schema library there) must stay the same shape.
const _sameShape: DisposalBasisRule = null as unknown as DisposalBasis;
void _sameShape;

export const DisposalBasisBody = z.object({ unitId: Id, basis: DisposalBasis }).meta({ id: "DisposalBasisBody" });
export type DisposalBasisBody = z.infer<typeof DisposalBasisBody>;

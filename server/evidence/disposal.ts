import { and, desc, eq, inArray } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { basisText } from "../../shared/floor/opening";
import type { DisposalBasis } from "../../shared/schemas/disposal";
import { actions } from "../cases/cases.sql";
import type { Database } from "../db/client";
import { AppError } from "../errors";
import { units } from "../sites/sites.sql";
import { markCustomersChanged } from "../sync/changes";
import { appendEvidence, chainOf } from "./chain";
import { evidenceRecords } from "./evidence.sql";

export interface BasisRequest {
  caseId: string;
  customerId: string;
  unitId: string;
  basis: DisposalBasis;
  by: { id: string; initials: string };
  now: Date;
}

/**
 * The office records the legal basis for disposing of an opened box's contents: a record of the case's evidence
 * chain (so the pack shows it, and the clearing names it), a line of the history, and the phones told. Only for a
 * box opened in that case and not cleared yet; entered again, the latest counts (the earlier stays in the chain).
 */
export async function recordDisposalBasis(db: Database, r: BasisRequest): Promise<void> {
  await db.transaction(async (tx) => {
    const chain = chainOf(r.caseId, r.customerId);
    const records = await tx
      .select({ kind: evidenceRecords.kind, hash: evidenceRecords.hash })
      .from(evidenceRecords)
      .where(and(eq(evidenceRecords.chain, chain), eq(evidenceRecords.unitId, r.unitId), inArray(evidenceRecords.kind, ["box.opened", "box.cleared"])))
      .orderBy(desc(evidenceRecords.seq));
    const [unit] = await tx.select({ number: units.number, siteId: units.siteId }).from(units).where(eq(units.id, r.unitId));
    const opening = records.find((x) => x.kind === "box.opened");
    if (!unit || !opening) throw new AppError("CONFLICT", "Ce box n'a pas été ouvert dans ce dossier : la base légale d'un enlèvement suit l'ouverture et son inventaire.");
    if (records.some((x) => x.kind === "box.cleared")) throw new AppError("CONFLICT", `Le box ${unit.number} a déjà été vidé.`);
    const now = r.now.toISOString();
    const actionId = uuidv7();
    const text = `Base légale de l'enlèvement du contenu du box ${unit.number} enregistrée par le bureau : ${basisText(r.basis)}`;
    await tx.insert(actions).values({ id: actionId, caseId: r.caseId, customerId: r.customerId, siteId: unit.siteId, unitId: r.unitId, userId: r.by.id, initials: r.by.initials, kind: "note", text, happenedAt: now, data: { basis: r.basis } });
    await appendEvidence(tx, {
      caseId: r.caseId,
      customerId: r.customerId,
      unitId: r.unitId,
      kind: "disposal.basis",
      actionId,
      photos: [],
      authorId: r.by.id,
      authorInitials: r.by.initials,
      deviceTime: now,
      receivedAt: now,
      payload: { unitNumber: unit.number, basis: r.basis, opening: opening.hash },
    });
    await markCustomersChanged(tx, [r.customerId]);
  });
}

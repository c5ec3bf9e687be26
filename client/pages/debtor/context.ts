import { formatEurosPlain } from "../../../shared/money";
import type { DebtorDoc } from "../../../shared/schemas/debtor-doc";
import type { SessionUser } from "../../../shared/schemas/auth";

/** The values the floor's templates can use for this debtor, from what the phone holds. */
export function templateValues(doc: DebtorDoc, user: SessionUser): Record<string, string> {
  const siteId = doc.units[0]?.siteId;
  const site = user.sites.find((s) => s.id === siteId) ?? user.sites[0];
  return {
    nom: doc.name,
    box: doc.units.map((u) => u.number).join(", "),
    site: site?.name ?? "",
    telephone_site: site?.phone ?? "",
    solde: formatEurosPlain(doc.balanceCents),
    signature: user.name,
  };
}

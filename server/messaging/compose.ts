import { inArray, sql } from "drizzle-orm";
import type { CalendarDate } from "../../shared/dates";
import type { CustomerKind } from "../../shared/enums";
import type { Addressee } from "../../shared/messaging/compose";
import { unpaidInvoicesOf } from "../billing/ledger";
import type { Database, Transaction } from "../db/client";
import { senderSites } from "../sites/sites";

// The renderer itself is shared with the phone (`shared/messaging/compose.ts`); the server reads the customers.
export { compose, INVOICE_TABLE, letterTerms, type Addressee, type Composed, type LetterTerms } from "../../shared/messaging/compose";

type Db = Database | Transaction;

/** Everything the engine's messages need to know about their customers, read for many customers at once. */
export async function loadAddressees(db: Db, customerIds: readonly string[], asOf: CalendarDate): Promise<Map<string, Addressee>> {
  const out = new Map<string, Addressee>();
  const unpaid = await unpaidInvoicesOf(db, customerIds);
  for (let i = 0; i < customerIds.length; i += 500) {
    const rows = await db.all<{
      id: string;
      ref: string;
      name: string;
      email: string | null;
      phone: string | null;
      address: string | null;
      postal_code: string | null;
      city: string | null;
      kind: CustomerKind;
      units: string;
    }>(sql`
      select c.id, c.ref, c.name, c.email, c.phone, c.address, c.postal_code, c.city, c.kind,
        (select json_group_array(json_array(u.number, u.site_id, ct.ref))
           from contracts ct join units u on u.id = ct.unit_id
          where ct.customer_id = c.id and (ct.end_date is null or ct.end_date >= date(${asOf}, '-3 months'))) as units
      from customers c where ${inArray(sql.raw("c.id"), customerIds.slice(i, i + 500))}`);
    const parsed = rows.map((r) => ({ r, units: (JSON.parse(r.units) as [string, string, string][]).sort((a, b) => a[0].localeCompare(b[0], "fr")) }));
    // The site of the first box speaks for the customer, with its current settings (name, address, letterhead).
    const sites = await senderSites(db, parsed.map((p) => p.units[0]?.[1] ?? null));
    for (const { r, units } of parsed) {
      const first = units[0];
      const invoices = unpaid.get(r.id) ?? [];
      out.set(r.id, {
        customerId: r.id,
        ref: r.ref,
        name: r.name,
        email: r.email,
        phone: r.phone,
        address: [r.name, r.address ?? "", [r.postal_code, r.city].filter(Boolean).join(" ")].filter((l) => l.trim() !== ""),
        boxes: units.map((u) => u[0]),
        site: (first && sites.get(first[1])) || NO_SITE,
        invoices,
        balanceCents: invoices.filter((inv) => inv.dueDate <= asOf).reduce((s, inv) => s + inv.remainingCents, 0),
        kind: r.kind,
        contracts: units.map((u) => u[2]),
      });
    }
  }
  return out;
}

/** A customer with no box left on record: their messages speak for the operator. */
const NO_SITE = { id: null, name: "Cadenas", address: "", city: "", phone: "" };

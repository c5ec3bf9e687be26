import { sql, type SQL } from "drizzle-orm";

// What makes a box opening lawful, as SQL conditions: the server's check of an opening (sync) and the phones'
// documents (which show the Manager the conditions before the flow) read the same ones.

/** The tenant's contract was ended by the exit step: the case's `contract_end` action is done. */
export function exitDoneSql(caseId: SQL | string): SQL {
  return sql`exists (select 1 from planned_actions pa where pa.case_id = ${caseId} and pa.action = 'contract_end' and pa.status = 'done')`;
}

/** The formal notice (R3) went by registered mail (posted, with its tracking number). */
export function r3RegisteredSql(customerId: SQL | string): SQL {
  return sql`exists (select 1 from actions ra where ra.customer_id = ${customerId} and ra.kind = 'registered_letter' and json_extract(ra.data, '$.step') = 'R3')`;
}

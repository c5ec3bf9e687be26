import { sql, type SQL } from "drizzle-orm";
import { receivedOnSql as receiptDaySql } from "../messaging/receipts";

// The facts a box opening depends on, as SQL: the server's check of an opening (sync) and the phones' documents
// (which show the Manager the conditions before the flow) read the same ones; the rule over them is
// `openingConditions` (shared/floor/opening.ts), the same on both sides.

/** The tenant's contract was ended by the exit step: the case's `contract_end` action is done. */
export function exitDoneSql(caseId: SQL | string): SQL {
  return sql`exists (select 1 from planned_actions pa where pa.case_id = ${caseId} and pa.action = 'contract_end' and pa.status = 'done')`;
}

/**
 * The day the case's registered letter of `step` was received (YYYY-MM-DD), or null: the AR's day or the unclaimed
 * letter's return (`receivedOnSql` of receipts.ts, the one rule). The latest, when the letter went twice: a deadline
 * runs from it.
 */
export function receivedOnSql(caseId: SQL | string, step: "R3" | "exit"): SQL {
  return sql`(select max(${receiptDaySql("m")}) from messages m where m.case_id = ${caseId} and m.step_code = ${step}
    and m.channel = 'registered_letter' and m.status = 'sent')`;
}

/** The case's registered letter of `step` was posted. */
export function postedSql(caseId: SQL | string, step: "R3" | "exit"): SQL {
  return sql`exists (select 1 from messages m where m.case_id = ${caseId} and m.step_code = ${step} and m.channel = 'registered_letter' and m.status = 'sent')`;
}

/** An opening's facts as columns (`exit_done`, `r3_received_on`, `notice_sent`, `notice_received_on`) of the case `caseId`. */
export function openingFactsSql(caseId: SQL | string): SQL {
  return sql`${exitDoneSql(caseId)} as exit_done, ${receivedOnSql(caseId, "R3")} as r3_received_on,
    ${postedSql(caseId, "exit")} as notice_sent, ${receivedOnSql(caseId, "exit")} as notice_received_on`;
}

/** The same facts as the entries of a `json_object(…)` (the phones' documents). */
export function openingFactsJson(caseId: SQL | string): SQL {
  return sql`'exitDone', json(case when ${exitDoneSql(caseId)} then 'true' else 'false' end),
    'r3ReceivedOn', ${receivedOnSql(caseId, "R3")},
    'noticeSent', json(case when ${postedSql(caseId, "exit")} then 'true' else 'false' end),
    'noticeReceivedOn', ${receivedOnSql(caseId, "exit")}`;
}

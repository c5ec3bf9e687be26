import { sql, type SQL } from "drizzle-orm";

/**
 * A floor entry is corrected when a later `correction` row names it (`corrects_id`, unique): its own row is never
 * changed. These fragments read that, by the unique index, wherever an entry counts for something.
 */

/** True when the action whose id is `actionId` (an SQL expression) has not been corrected. */
export function notCorrectedSql(actionId: SQL): SQL {
  return sql`not exists (select 1 from actions x where x.corrects_id = ${actionId})`;
}

/** `{correctedBy, correctedAt}` as JSON (the author's initials, when), or null, for the action `actionId`. */
export function correctionOfSql(actionId: SQL): SQL {
  return sql`(select json_object('correctedBy', x.initials, 'correctedAt', x.happened_at) from actions x where x.corrects_id = ${actionId})`;
}

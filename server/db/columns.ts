import { sql, type SQL } from "drizzle-orm";
import { check, text, type SQLiteColumn } from "drizzle-orm/sqlite-core";

// Column helpers shared by every table: ids are UUID strings (v7 when made by Cadenas), instants are ISO-8601 UTC
// strings, calendar dates `YYYY-MM-DD`. Both sort correctly as text.

export const id = () => text("id").primaryKey();

export const createdAt = () =>
  text("created_at")
    .notNull()
    .$defaultFn(() => new Date().toISOString());

export const updatedAt = () =>
  text("updated_at")
    .notNull()
    .$defaultFn(() => new Date().toISOString())
    .$onUpdateFn(() => new Date().toISOString());

/** A CHECK constraint that keeps an enum column inside its `as const` list, so bad data cannot get in by SQL. */
export function oneOf(name: string, column: SQLiteColumn, values: readonly string[]) {
  const list: SQL = sql.join(
    values.map((v) => sql.raw(`'${v.replaceAll("'", "''")}'`)),
    sql`, `,
  );
  return check(name, sql`${column} in (${list})`);
}

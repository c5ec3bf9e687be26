import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "../auth/auth.sql";
import { IMPORT_KINDS, IMPORT_SOURCES } from "../../shared/schemas/imports";
import { createdAt, id, oneOf } from "../db/columns";

export { IMPORT_KINDS };
export type ImportKind = (typeof IMPORT_KINDS)[number];
export type ImportSource = (typeof IMPORT_SOURCES)[number];

/**
 * One import of a CSV file from the billing software, kept whether it went in or not. The newest successful one
 * dates the data: the engine sends nothing automatically when it is more than 24 hours old.
 */
export const importRuns = sqliteTable(
  "import_runs",
  {
    id: id(),
    kind: text("kind", { enum: IMPORT_KINDS }).notNull(),
    fileName: text("file_name").notNull(),
    /** Who uploaded it; null from the command line and the drop folder. */
    userId: text("user_id").references(() => users.id),
    /** Uploaded at the office, from the command line, or dropped in IMPORT_DIR (runs from before it say office). */
    source: text("source", { enum: IMPORT_SOURCES }).notNull().default("office"),
    ok: integer("ok", { mode: "boolean" }).notNull(),
    lines: integer("lines").notNull(),
    created: integer("created").notNull().default(0),
    updated: integer("updated").notNull().default(0),
    /** The per-line, per-column report of a refused file. */
    errors: text("errors", { mode: "json" }).$type<{ line: number; column: string | null; message: string }[]>(),
    createdAt: createdAt(),
  },
  (t) => [index("import_runs_kind_at").on(t.kind, t.createdAt), oneOf("import_runs_kind", t.kind, IMPORT_KINDS), oneOf("import_runs_source", t.source, IMPORT_SOURCES)],
);

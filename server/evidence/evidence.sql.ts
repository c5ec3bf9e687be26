import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "../auth/auth.sql";
import { units } from "../sites/sites.sql";

/** Photo evidence, addressed by the SHA-256 of its bytes; the bytes live under DATA_DIR/blobs/. */
export const photos = sqliteTable(
  "photos",
  {
    sha256: text("sha256").primaryKey(),
    sizeBytes: integer("size_bytes").notNull(),
    mime: text("mime").notNull(),
    width: integer("width"),
    height: integer("height"),
    unitId: text("unit_id").references(() => units.id),
    takenAt: text("taken_at"),
    takenBy: text("taken_by").references(() => users.id),
    receivedAt: text("received_at").notNull(),
  },
  (t) => [index("photos_unit").on(t.unitId)],
);

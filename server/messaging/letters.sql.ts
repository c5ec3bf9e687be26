import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "../auth/auth.sql";
import { id } from "../db/columns";
import { messages } from "./messaging.sql";

/**
 * The letters printed for posting. Printing dates each letter the day it is printed and stores the PDF under
 * DATA_DIR (`file`, relative to it, with its SHA-256): a download reads the stored file and changes nothing, and the
 * evidence pack embeds the letter exactly as it was printed. A letter printed again before it is posted gets a new
 * print (the last one is what was posted); a posted letter is never printed again.
 */
export const letterBatches = sqliteTable(
  "letter_batches",
  {
    id: id(),
    /** The day the letters are dated ("Lyon, le …"): the day they were printed for posting. */
    printedOn: text("printed_on").notNull(),
    printedAt: text("printed_at").notNull(),
    userId: text("user_id").references(() => users.id),
    initials: text("initials").notNull(),
    messageIds: text("message_ids", { mode: "json" }).notNull().$type<string[]>(),
    file: text("file").notNull(),
    sha256: text("sha256").notNull(),
    pages: integer("pages").notNull(),
  },
  (t) => [index("letter_batches_printed_at").on(t.printedAt)],
);

/** One letter in a printed batch: its own PDF (its copies, each marked with its channel). */
export const letterPrints = sqliteTable(
  "letter_prints",
  {
    id: id(),
    batchId: text("batch_id")
      .notNull()
      .references(() => letterBatches.id),
    messageId: text("message_id")
      .notNull()
      .references(() => messages.id),
    printedOn: text("printed_on").notNull(),
    printedAt: text("printed_at").notNull(),
    /** The copies it printed ("Lettre recommandée avec AR", "Lettre simple", "Dossier"). */
    copies: text("copies", { mode: "json" }).notNull().$type<string[]>(),
    file: text("file").notNull(),
    sha256: text("sha256").notNull(),
  },
  (t) => [index("letter_prints_message").on(t.messageId, t.printedAt)],
);

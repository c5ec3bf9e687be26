import { and, asc, eq } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { SavedView, SavedViewBody } from "../../shared/schemas/office-actions";
import type { Database } from "../db/client";
import { AppError } from "../errors";
import { savedViews } from "./follow-up.sql";

// The follow-up table's views saved under a name, each user's own: another user's view is answered as one that
// does not exist.

const columns = { id: savedViews.id, name: savedViews.name, query: savedViews.query, updatedAt: savedViews.updatedAt };

export async function listViews(db: Database, userId: string): Promise<SavedView[]> {
  return db.select(columns).from(savedViews).where(eq(savedViews.userId, userId)).orderBy(asc(savedViews.name));
}

/** Saves a view; a view of the same name (the user's) is replaced, and the answer says so. */
export async function saveView(db: Database, userId: string, body: SavedViewBody, now: Date): Promise<{ view: SavedView; replaced: boolean }> {
  const at = now.toISOString();
  const query = body.query.replace(/^\?/, "");
  return db.transaction(
    async (tx) => {
      const [same] = await tx.select({ id: savedViews.id }).from(savedViews).where(and(eq(savedViews.userId, userId), eq(savedViews.name, body.name)));
      const id = same?.id ?? uuidv7();
      if (same) await tx.update(savedViews).set({ query, updatedAt: at }).where(eq(savedViews.id, id));
      else await tx.insert(savedViews).values({ id, userId, name: body.name, query, createdAt: at, updatedAt: at });
      return { view: { id, name: body.name, query, updatedAt: at }, replaced: same !== undefined };
    },
    { behavior: "immediate" },
  );
}

export async function deleteView(db: Database, userId: string, id: string): Promise<void> {
  const result = await db.delete(savedViews).where(and(eq(savedViews.id, id), eq(savedViews.userId, userId)));
  if (result.rowsAffected === 0) throw new AppError("NOT_FOUND", "Vue introuvable parmi les vôtres.");
}

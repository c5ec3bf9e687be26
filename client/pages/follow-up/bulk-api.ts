import type { BulkAction, BulkRefusal, BulkResponse } from "../../../shared/schemas/office-actions";
import { ApiError, apiPost } from "../../api";

// The bulk route's client, apart from the table's components so the debtor page's decisions use it without them.

/** What is selected: ticked rows, or every row of the view (the view's query). */
export type Selection = { ids: string[] } | { view: string; count: number };

export type Outcome = { done: number; replayed: boolean } | { refused: BulkRefusal[]; message: string } | { error: string };

/** Sends one bulk action; the same `requestId` on a retry so nothing is done twice. */
export async function sendBulk(selection: Selection, action: BulkAction, requestId: string): Promise<Outcome> {
  try {
    const body = { requestId, action, ...("ids" in selection ? { customerIds: selection.ids } : { view: selection.view }) };
    const answer = await apiPost<BulkResponse>("/followup/bulk", body);
    return { done: answer.done, replayed: answer.replayed };
  } catch (e) {
    if (e instanceof ApiError) {
      const refused = (e.details as { refused?: BulkRefusal[] } | undefined)?.refused;
      if (refused && refused.length > 0) return { refused, message: e.message };
      return { error: e.code === "NETWORK" ? "Pas de réseau : rien n'a été envoyé. Réessayez une fois connecté." : e.message };
    }
    return { error: "L'action n'a pas pu être envoyée." };
  }
}


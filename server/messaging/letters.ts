import { eq } from "drizzle-orm";
import { withLetterhead, type LetterContent } from "../../shared/messaging/compose";
import type { Database, Transaction } from "../db/client";
import { logosOf, senderSites } from "../sites/sites";
import { renderLetterPdf } from "./letter-pdf";
import { messages } from "./messaging.sql";

type Db = Database | Transaction;

/**
 * Which letterhead a letter prints. Its text is frozen when it is queued, but until it is posted it is not yet
 * evidence of anything: it prints with its site's letterhead as the office last set it (name, address, logo, legal
 * mentions, signatory), and that letterhead is stored with it, so what was posted is what the record says. Once
 * posted (status `sent`) a letter is never refreshed again.
 */

export interface UnpostedLetter {
  /** The message, whose stored letter is brought up to date; null for a preview, which stores nothing. */
  id: string | null;
  siteId: string | null;
  letter: LetterContent;
}

/** The letters with their sites' current letterheads, stored back for the messages among them. */
export async function refreshLetterheads(db: Db, letters: readonly UnpostedLetter[]): Promise<LetterContent[]> {
  const sites = await senderSites(db, letters.map((l) => l.siteId));
  const out: LetterContent[] = [];
  for (const l of letters) {
    const site = l.siteId ? sites.get(l.siteId) : undefined;
    const letter = site ? withLetterhead(l.letter, site) : l.letter;
    if (l.id && JSON.stringify(letter) !== JSON.stringify(l.letter)) await db.update(messages).set({ letter }).where(eq(messages.id, l.id));
    out.push(letter);
  }
  return out;
}

/** The PDF of letters not yet posted, printed with their sites' current letterheads and logos. */
export async function unpostedLettersPdf(db: Db, letters: readonly UnpostedLetter[], options: { title?: string } = {}): Promise<Uint8Array> {
  const current = await refreshLetterheads(db, letters);
  return renderLetterPdf(current, { ...options, logos: await logosOf(db, letters.map((l) => l.siteId)) });
}

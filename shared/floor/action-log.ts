import { dateOfInstant, formatDateFr } from "../dates";

/**
 * The billing software's "Actions" column: `*INITIALS*DD/MM/YYYY*Text`, entries one after the other, oldest
 * first (`*VT*05/05/2021*Blablabla *BO*12/05/2021*Re bla bla`). The office pastes it back as it is, so a `*`
 * or a line break inside a text would break the column: they are replaced.
 */
export interface LogEntry {
  initials: string;
  happenedAt: string;
  text: string;
}

export function toBillingLog(entries: readonly LogEntry[], timeZone: string): string {
  return [...entries]
    .sort((a, b) => (a.happenedAt < b.happenedAt ? -1 : a.happenedAt > b.happenedAt ? 1 : 0))
    .map((e) => `*${clean(e.initials)}*${formatDateFr(dateOfInstant(e.happenedAt, timeZone))}*${clean(e.text)}`)
    .join(" ");
}

/** A history line as the phone holds it, or as the server lists it. */
export interface HistoryLine extends LogEntry {
  id: string;
  /** Kept but without effect: not part of the log. */
  rejectedReason?: string | null;
  /** Only on the phone, not yet on the server. */
  pending?: boolean;
}

/**
 * The lines of a debtor's billing log. The phone keeps only its `listed` newest lines: when it holds fewer of the
 * server's lines than that, they are the whole history and the log is theirs, network or not. Otherwise the log
 * is the server's whole history (`online`, when read) with the phone's unsent lines, which the server does not have
 * yet — and null while it is not at hand: the office pastes the log over the column it had, so a log of the newest
 * lines only would erase the older ones.
 */
export function billingLines(phone: readonly HistoryLine[], online: readonly HistoryLine[] | null, listed: number): HistoryLine[] | null {
  const kept = (h: HistoryLine) => !h.rejectedReason;
  const fromServer = phone.filter((h) => !h.pending);
  if (fromServer.length < listed) return phone.filter(kept);
  if (!online) return null;
  const known = new Set(online.map((h) => h.id));
  return [...online, ...phone.filter((h) => h.pending && !known.has(h.id))].filter(kept);
}

function clean(text: string): string {
  return text.replace(/\*/g, "·").replace(/\s*[\r\n]+\s*/g, " ").trim();
}

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

function clean(text: string): string {
  return text.replace(/\*/g, "·").replace(/\s*[\r\n]+\s*/g, " ").trim();
}

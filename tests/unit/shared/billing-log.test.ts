import { describe, expect, it } from "vitest";
import { billingLines, toBillingLog, type HistoryLine } from "../../../shared/floor/action-log";

// The « Journal au format WBM » is pasted over the billing software's whole "Actions" column: it must hold the whole
// history, never only the newest lines the phone keeps.

const LISTED = 3;
const line = (n: number, extra: Partial<HistoryLine> = {}): HistoryLine => ({
  id: `0190f1c2-0000-7000-8000-${String(n).padStart(12, "0")}`,
  initials: "VT",
  happenedAt: new Date(Date.UTC(2000, 0, 1, 9, n)).toISOString(),
  text: `Note ${n}`,
  ...extra,
});

describe("the billing log's lines", () => {
  it("are the phone's own when it holds fewer of the server's lines than it keeps: the whole history, offline too", () => {
    const phone = [line(3, { pending: true }), line(2), line(1)];
    expect(billingLines(phone, null, LISTED)).toEqual(phone);
  });

  it("need the server's whole history when the phone holds as many lines as it keeps: none until it is read", () => {
    expect(billingLines([line(5), line(4), line(3)], null, LISTED)).toBeNull();
  });

  it("are the server's whole history with the phone's unsent lines, each once, without lines kept with no effect", () => {
    const phone = [line(7, { pending: true }), line(6), line(5), line(4)];
    const online = [line(6), line(5), line(4), line(3, { rejectedReason: "Cadenas déjà posé" }), line(2), line(1)];
    const lines = billingLines(phone, online, LISTED)!;
    expect(lines.map((l) => l.text).sort()).toEqual(["Note 1", "Note 2", "Note 4", "Note 5", "Note 6", "Note 7"]);
    expect(toBillingLog(lines, "Europe/Paris").split(" *").length).toBe(6);
  });

  it("take a line the server received meanwhile once, not as unsent as well", () => {
    const phone = [line(5, { pending: true }), line(4), line(3), line(2)];
    const online = [line(5), line(4), line(3), line(2), line(1)];
    expect(billingLines(phone, online, LISTED)!.map((l) => l.text)).toEqual(["Note 5", "Note 4", "Note 3", "Note 2", "Note 1"]);
  });
});

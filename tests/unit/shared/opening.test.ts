import { describe, expect, it } from "vitest";
import { addDays, formatDateFr } from "../../../shared/dates";
import { clearingRefusal, keptUntil, openedOnOf, openingConditions, openingRefusal, witnessRefusal, type OpeningFacts } from "../../../shared/floor/opening";

// The opening and clearing rules the server and the phone share: periods "à compter de la réception" leave out the
// day of receipt and end at the end of their last day.

const TODAY = "2026-11-22";
const lawful: OpeningFacts = { exitDone: true, r3ReceivedOn: addDays(TODAY, -40), noticeSent: true, noticeReceivedOn: addDays(TODAY, -31) };

describe("opening a box", () => {
  it("is allowed once every condition is met, and names the first one missing otherwise", () => {
    expect(openingRefusal(lawful, 30, TODAY)).toBeNull();
    expect(openingConditions(lawful, 30, TODAY).map((c) => c.ok)).toEqual([true, true, true, true, true, true]);
    expect(openingRefusal({ ...lawful, r3ReceivedOn: null }, 30, TODAY)!.code).toBe("R3_NOT_RECEIVED");
    expect(openingRefusal({ ...lawful, exitDone: false }, 30, TODAY)!.code).toBe("NOT_EXIT");
    expect(openingRefusal({ ...lawful, noticeSent: false, noticeReceivedOn: null }, 30, TODAY)!.message).toBe("Ouverture refusée : Notification de la résiliation pas encore envoyée en recommandé.");
  });

  it("waits while the customer is in dispute, whatever else is met", () => {
    expect(openingRefusal({ ...lawful, disputeSince: addDays(TODAY, -3) }, 30, TODAY)).toEqual({
      code: "IN_DISPUTE",
      message: `Ouverture refusée : Client en litige depuis le ${formatDateFr(addDays(TODAY, -3))} : l'ouverture attend que le bureau lève le litige.`,
    });
    expect(openingRefusal({ ...lawful, disputeSince: null }, 30, TODAY)).toBeNull();
  });

  it("counts R3's eight days and the collection period from the day after receipt, to the end of their last day", () => {
    expect(openingRefusal({ ...lawful, r3ReceivedOn: addDays(TODAY, -8) }, 30, TODAY)).toEqual({ code: "R3_DEADLINE_RUNNING", message: "Ouverture refusée : Délai de 8 jours de la mise en demeure en cours, jusqu'au 22/11/2026 inclus." });
    expect(openingRefusal({ ...lawful, r3ReceivedOn: addDays(TODAY, -9) }, 30, TODAY)).toBeNull();
    expect(openingRefusal({ ...lawful, noticeReceivedOn: addDays(TODAY, -30) }, 30, TODAY)!.code).toBe("COLLECTION_PERIOD_RUNNING");
    expect(openingRefusal({ ...lawful, noticeReceivedOn: addDays(TODAY, -15) }, 14, TODAY)).toBeNull();
  });

  it("asks for a commissaire de justice unless the operator allows a plain witness", () => {
    const plain = { kind: "plain" as const, name: "M. Roux", role: "gardien" };
    expect(witnessRefusal(plain, false)!.code).toBe("PLAIN_WITNESS_NOT_ALLOWED");
    expect(witnessRefusal(plain, true)).toBeNull();
    expect(witnessRefusal({ kind: "bailiff", name: "Me Durand", office: "Étude Durand", reportRef: "PV 1" }, false)).toBeNull();
  });
});

describe("disposing of the contents", () => {
  const basis = { kind: "court_order" as const, reference: "RG 26/1", court: "TJ Lyon" };
  it("never the day of the opening, not before the keeping period is over, never without a legal basis", () => {
    const k = { openedOn: TODAY, recordedDays: 90, currentDays: 90 };
    expect(clearingRefusal({ ...k, currentDays: 0, recordedDays: 0, basis }, TODAY)!.code).toBe("KEEPING_PERIOD_RUNNING");
    expect(clearingRefusal({ ...k, basis }, addDays(TODAY, 90))!.code).toBe("KEEPING_PERIOD_RUNNING");
    expect(clearingRefusal({ ...k, basis }, addDays(TODAY, 91))).toBeNull();
    expect(clearingRefusal({ ...k, basis: null }, addDays(TODAY, 91))!.code).toBe("NO_DISPOSAL_BASIS");
  });

  it("keeps the goods for the longer of the period announced at the opening and the setting now, from the later day of phone and server", () => {
    expect(keptUntil({ openedOn: TODAY, recordedDays: 90, currentDays: 30 })).toBe(addDays(TODAY, 90));
    expect(keptUntil({ openedOn: TODAY, recordedDays: 30, currentDays: 120 })).toBe(addDays(TODAY, 120));
    expect(openedOnOf("2026-11-20", "2026-11-22")).toBe("2026-11-22");
    expect(openedOnOf("2026-11-22", null)).toBe("2026-11-22");
  });
});

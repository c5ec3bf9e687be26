import { describe, expect, it } from "vitest";
import { compose, senderSite, withLetterhead, type Addressee } from "../../../shared/messaging/compose";
import { DEFAULT_TEMPLATES } from "../../../shared/messaging/templates";
import { isSiret } from "../../../shared/schemas/sites";
import { everyDay, hoursText, weekdayOf } from "../../../shared/sites/hours";
import { userTimeZone } from "../../../shared/sites/zone";

describe("a SIRET", () => {
  it("is 14 digits whose Luhn key holds", () => {
    expect(isSiret("81234567600017")).toBe(true);
    expect(isSiret("81234567600018")).toBe(false);
    expect(isSiret("8123456760001")).toBe(false);
  });
  it("follows La Poste's own rule for its post offices (digits summing to a multiple of 5)", () => {
    expect(isSiret("35600000000048")).toBe(true); // its head office: Luhn
    expect(isSiret("35600000049837")).toBe(true); // a post office: the sum of its digits
    expect(isSiret("35600000049838")).toBe(false);
  });
});

describe("opening hours", () => {
  it("says the day's ranges, or closed, or nothing when unknown", () => {
    const hours = { ...everyDay("06:00", "22:00"), sun: [], sat: [{ from: "08:00", to: "12:00" }, { from: "14:00", to: "18:00" }] };
    // 22 November 2026 is a Sunday.
    expect(weekdayOf("2026-11-22")).toBe("sun");
    expect(weekdayOf("2026-11-23")).toBe("mon");
    expect(hoursText(hours, "mon")).toBe("06:00–22:00");
    expect(hoursText(hours, "sat")).toBe("08:00–12:00, 14:00–18:00");
    expect(hoursText(hours, "sun")).toBe("fermé");
    expect(hoursText(null, "mon")).toBeNull();
  });
});

describe("a user's calendar", () => {
  it("is their sites' time zone when they share one, else the server's", () => {
    expect(userTimeZone([{ timeZone: "America/Martinique" }], "Europe/Paris")).toBe("America/Martinique");
    expect(userTimeZone([{ timeZone: "America/Martinique" }, { timeZone: null }], "Europe/Paris")).toBe("Europe/Paris");
    expect(userTimeZone([{ timeZone: null }], "Europe/Paris")).toBe("Europe/Paris");
    expect(userTimeZone([], "Europe/Paris")).toBe("Europe/Paris");
  });
});

describe("a letter's letterhead", () => {
  const site = senderSite({ id: "s", name: "Lyon Gerland", address: "1 rue A", postalCode: "69007", city: "Lyon", phone: "04", legalName: "Old SAS", signatoryName: "Claire Morel", signatoryTitle: "Responsable recouvrement" });
  const person: Addressee = { customerId: "c", ref: "R", name: "N", email: null, phone: null, address: ["N"], boxes: ["A1"], site, invoices: [{ ref: "F1", dueDate: "2026-10-01", remainingCents: 100 }], balanceCents: 100 };
  const letter = compose(DEFAULT_TEMPLATES.find((t) => t.code === "box-R1")!, "letter", person, "2026-11-23")!.letter!;

  it("is signed by the site's signatory, and carries its legal mentions", () => {
    expect(letter.signature).toBe("Claire Morel");
    expect(letter.letterhead).toMatchObject({ legalName: "Old SAS", signatoryTitle: "Responsable recouvrement" });
  });

  it("takes the site's current letterhead and signatory, keeping the frozen text", () => {
    const now = senderSite({ id: "s", name: "Lyon Gerland", address: "2 rue B", postalCode: "69007", city: "Lyon", phone: "05", legalName: "New SAS", signatoryName: "Hélène Garnier" });
    const current = withLetterhead(letter, now);
    expect(current.letterhead?.legalName).toBe("New SAS");
    expect(current.signature).toBe("Hélène Garnier");
    expect(current.from.address).toBe("2 rue B, 69007 Lyon");
    expect(current.body).toBe(letter.body);
  });

  it("keeps a signature that was a person's own", () => {
    expect(withLetterhead({ ...letter, signature: "Valérie Thomas" }, site).signature).toBe("Valérie Thomas");
  });
});

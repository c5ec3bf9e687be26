import { describe, expect, it } from "vitest";
import { addDays, formatDateFr } from "../../../shared/dates";
import { compose, letterCopies, redated, type Addressee } from "../../../shared/messaging/compose";
import { postalAddress, postalLastLine } from "../../../shared/messaging/postal";
import type { MessageTemplate } from "../../../shared/messaging/templates";

// A letter is dated the day it is printed for posting: only what counts from that day moves (its date line, the
// {{date}} and {{echeance}} of its text), never a date of the case. And La Poste's last address line.

const day = "2026-11-22";
const person: Addressee = {
  customerId: "c",
  ref: "CL1",
  name: "Athanasie Fernandez",
  email: null,
  phone: null,
  address: ["Athanasie Fernandez", "12 rue des Lilas", "69007 Lyon"],
  boxes: ["B312"],
  site: { id: "s", name: "Lyon Gerland", address: "40 avenue Tony Garnier, 69007 Lyon", city: "Lyon", phone: "04 78 00 00 00" },
  // Due on the letter's own day + 8 (a pre-due notice's invoice): a date of the case, which must not move.
  invoices: [{ ref: "F1", dueDate: addDays(day, 8), remainingCents: 15_900 }],
  balanceCents: 15_900,
};
const template: MessageTemplate = {
  code: "t",
  label: "t",
  letter: { subject: "Courrier du {{date}}", body: "Madame,\n\nÀ régler avant le {{echeance}}. Facture : {{factures}}\n\nSalutations." },
};

describe("redated", () => {
  it("moves the date line, {{date}} and {{echeance}} to the day printed, and nothing else", () => {
    const letter = compose(template, "letter", person, day, { invoiceRef: "F1" })!.letter!;
    expect(letter).toMatchObject({ datedOn: day, placeAndDate: "Lyon, le 22 novembre 2026", subject: "Courrier du 22 novembre 2026" });
    expect(letter.body).toContain(`avant le ${formatDateFr(addDays(day, 8))}. Facture : • Facture F1 échue le ${formatDateFr(addDays(day, 8))}`);
    const later = redated(letter, "2026-12-01");
    expect(later).toMatchObject({ datedOn: "2026-12-01", placeAndDate: "Lyon, le 1er décembre 2026", subject: "Courrier du 1er décembre 2026" });
    // The deadline moved; the invoice's due date (the same day as the old deadline) did not.
    expect(later.body).toContain(`avant le 09/12/2026. Facture : • Facture F1 échue le ${formatDateFr(addDays(day, 8))}`);
    expect(redated(later, day)).toEqual(letter);
  });

  it("re-dates the date line of a letter kept before letters had their undated text", () => {
    const { undated: _, datedOn: __, ...old } = compose(template, "letter", person, day)!.letter!;
    expect(redated(old, "2026-11-25")).toMatchObject({ placeAndDate: "Lyon, le 25 novembre 2026", body: old.body, datedOn: "2026-11-25" });
  });
});

describe("copies", () => {
  it("a registered letter in 3 copies, a simple letter once, never « Original »", () => {
    expect(letterCopies("registered_letter")).toEqual(["Lettre recommandée avec AR", "Lettre simple", "Dossier"]);
    expect(letterCopies("letter")).toEqual(["Lettre simple"]);
    expect(compose(template, "letter", person, day)!.letter!.copies).toEqual(["Lettre simple"]);
  });
});

describe("postal address", () => {
  it("writes the last line in capitals without accents or punctuation", () => {
    expect(postalLastLine("69007 Lyon")).toBe("69007 LYON");
    expect(postalLastLine("42100 Saint-Étienne")).toBe("42100 SAINT ETIENNE");
    expect(postalLastLine("38080 L'Isle-d'Abeau")).toBe("38080 L ISLE D ABEAU");
    expect(postalLastLine("59000 Cœur-de-Lille")).toBe("59000 COEUR DE LILLE");
    expect(postalAddress(["Mme Zoé Martin", "3 rue de l'Église", "69001 Lyon"])).toEqual(["Mme Zoé Martin", "3 rue de l'Église", "69001 LYON"]);
    expect(postalAddress(["Zoé"])).toEqual(["Zoé"]);
  });
});

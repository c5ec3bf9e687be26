import { describe, expect, it } from "vitest";
import { addDays } from "../../../shared/dates";
import { DEFAULT_SCENARIOS } from "../../../shared/engine/scenarios";
import { schedule } from "../../../shared/engine/schedule";
import type { MessageChannel } from "../../../shared/enums";
import { compose, defaultSignature, senderSite, withLetterhead, type Addressee } from "../../../shared/messaging/compose";
import { DEFAULT_TEMPLATES, sections, templateProblems, type MessageTemplate } from "../../../shared/messaging/templates";
import { DEFAULT_SETTINGS } from "../../../shared/schemas/settings";

// What letters say (LAW.md, "Money and fees", "Letters"): no recovery fees announced to a consumer (CPCE L111-8),
// the €40 and the penalty rate stated to a company (C. com. L441-10, D441-5), texts true to what the engine does,
// a named signatory, the reference block and how to pay.

const day = "2026-11-22";
const site = senderSite({
  id: "s",
  name: "Lyon Gerland",
  address: "40 avenue Tony Garnier",
  postalCode: "69007",
  city: "Lyon",
  phone: "04 78 00 00 00",
  legalName: "Cadenas Self-Stockage",
  legalForm: "SAS",
  shareCapital: "50 000 €",
  iban: "FR76 3000 4000 0312 3456 7890 143",
});
const base: Addressee = {
  customerId: "c",
  ref: "CL1",
  name: "Athanasie Fernandez",
  email: "a@example.test",
  phone: "0600000000",
  address: ["Athanasie Fernandez", "12 rue des Lilas", "69007 Lyon"],
  boxes: ["B312"],
  contracts: ["CT-0042"],
  site,
  invoices: [{ ref: "F1", dueDate: addDays(day, -40), remainingCents: 15_900 }],
  balanceCents: 15_900,
};
const person: Addressee = { ...base, kind: "person" };
const company: Addressee = { ...base, name: "Transports Martin SARL", kind: "company" };

const CHANNELS: MessageChannel[] = ["email", "sms", "letter", "registered_letter"];
/** Everything a customer reads of a template: each channel's text, and the letter an e-mail attaches. */
function everything(t: MessageTemplate, a: Addressee): string[] {
  return CHANNELS.flatMap((channel) => {
    const c = compose(t, channel, a, day);
    return c ? [c.subject ?? "", c.body, c.letter?.subject ?? "", c.letter?.body ?? ""] : [];
  });
}
const FEE_WORDING = /frais de recouvrement|indemnité forfaitaire|clients? professionnels?|L441-10|D441-5|pénalités de retard/i;
/** The letters about a debt: every letter variant but the notice before the due date. */
const DEBT_LETTERS = DEFAULT_TEMPLATES.filter((t) => t.letter && !t.code.startsWith("pre-due"));

describe("fees in letters", () => {
  it.each(DEFAULT_TEMPLATES.map((t) => [t.code, t] as const))("%s announces no recovery fee to a person", (_code, t) => {
    for (const text of everything(t, person)) expect(text).not.toMatch(FEE_WORDING);
  });

  it("an addressee of unknown kind reads the consumer's text (the cautious reading)", () => {
    const { kind: _k, ...unknown } = company;
    for (const t of DEFAULT_TEMPLATES) for (const text of everything(t, unknown)) expect(text).not.toMatch(FEE_WORDING);
  });

  it.each(DEBT_LETTERS.map((t) => [t.code, t] as const))("%s states the €40 per invoice and the penalty rate to a company", (_code, t) => {
    const body = compose(t, "letter", company, day)!.letter!.body;
    expect(body).toContain("indemnité forfaitaire pour frais de recouvrement de 40 € par facture");
    expect(body).toContain(`${String(DEFAULT_SETTINGS.latePenaltyRatePercent).replace(".", ",")} %`);
    expect(body).toMatch(/L441-10 et D441-5 du Code de commerce/);
    // The rate is the one of the settings.
    expect(compose(t, "letter", company, day, { terms: { latePenaltyRatePercent: 10 } })!.letter!.body).toContain("au taux annuel de 10 %");
  });

  it("every default template is valid, sections included", () => {
    for (const t of DEFAULT_TEMPLATES) expect(templateProblems(t), t.code).toEqual([]);
  });

  it("sections: {{#pro}} for companies, {{^pro}} for people; unknown or open ones are refused", () => {
    const text = "A{{#pro}} pro{{/pro}}{{^pro}} particulier{{/pro}}.";
    expect(sections(text, { pro: true })).toBe("A pro.");
    expect(sections(text, { pro: false })).toBe("A particulier.");
    expect(templateProblems({ code: "x", label: "x", letter: { subject: "s", body: "{{#vip}}x{{/vip}}" } })).toEqual(["Lettre : section inconnue {{#vip}}"]);
    expect(templateProblems({ code: "x", label: "x", letter: { subject: "s", body: "{{#pro}}x" } })).toEqual(["Lettre : section {{#…}} ou {{^…}} sans sa fin {{/…}}"]);
  });
});

describe("texts true to what the engine does", () => {
  const box = DEFAULT_SCENARIOS.find((s) => s.code === "box")!;
  const byStep = (due: string) => new Map(schedule(box, due, null).map((s) => [s.step.code, s.date]));

  it.each(["2026-10-01", "2026-10-05", "2026-10-28"])("R1 (due %s) says the access is suspended from the day the engine suspends it", (due) => {
    const dates = byStep(due);
    const r1 = dates.get("R1")!;
    // The letter is dated its step's day: what it announces is the lockout's day, not a later one.
    const letter = compose(DEFAULT_TEMPLATES.find((t) => t.code === "box-R1")!, "letter", person, r1)!.letter!;
    expect(dates.get("lockout")).toBe(r1);
    const [y, m, d] = r1.split("-").map(Number);
    const months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"];
    expect(letter.body).toContain(`l'accès à votre box est suspendu à compter du ${d === 1 ? "1er" : d} ${months[m! - 1]} ${y}`);
    expect(letter.body).not.toMatch(/sera suspendu/);
  });

  it("R2 names no day of the month the engine did not choose", () => {
    for (const t of DEFAULT_TEMPLATES) for (const text of everything(t, person)) expect(text, t.code).not.toMatch(/le 15\b|avant le 15/);
    const r2 = compose(DEFAULT_TEMPLATES.find((t) => t.code === "box-R2")!, "letter", person, day)!.letter!;
    expect(r2.body).toContain("L'accès à votre box est suspendu depuis notre précédente relance.");
  });

  it("standard-R4 names no channel the customer may never have been reached by", () => {
    const r4 = DEFAULT_TEMPLATES.find((t) => t.code === "standard-R4")!;
    for (const text of everything(r4, { ...person, email: null })) expect(text).not.toMatch(/courriel|e-mail|téléphone/i);
  });
});

describe("who signs, references, how to pay", () => {
  it("signs with a name, never « L'équipe de »", () => {
    for (const t of DEFAULT_TEMPLATES) for (const text of everything(t, person)) expect(text).not.toContain("L'équipe de");
    expect(defaultSignature(site)).toBe("Cadenas Self-Stockage");
    expect(defaultSignature(senderSite({ id: "s", name: "Lyon", address: null, postalCode: null, city: null, phone: null, signatoryName: "Claire Morel" }))).toBe("Claire Morel");
    expect(defaultSignature(senderSite({ id: "s", name: "Lyon", address: null, postalCode: null, city: null, phone: null, senderName: "Cadenas Lyon" }))).toBe("Cadenas Lyon");
  });

  it("a letter written with « L'équipe de » is signed by the site's signatory when printed", () => {
    const letter = compose(DEFAULT_TEMPLATES.find((t) => t.code === "box-R2")!, "letter", person, day)!.letter!;
    const old = { ...letter, signature: `L'équipe de ${letter.from.name}`, letterhead: null };
    const now = senderSite({ id: "s", name: "Lyon Gerland", address: null, postalCode: null, city: "Lyon", phone: null, signatoryName: "Claire Morel" });
    expect(withLetterhead(old, now).signature).toBe("Claire Morel");
  });

  it("a reminder letter has the reference block and how to pay; the notice before the due date no payment paragraph", () => {
    const r2 = compose(DEFAULT_TEMPLATES.find((t) => t.code === "box-R2")!, "registered_letter", person, day)!.letter!;
    expect(r2.references).toEqual([
      { label: "Votre référence client", value: "CL1" },
      { label: "Contrat", value: "CT-0042" },
      { label: "Box", value: "B312" },
    ]);
    expect(r2.payment).toContain("à l'accueil de Lyon Gerland");
    expect(r2.payment).toContain("par carte bancaire");
    expect(r2.payment).toContain("IBAN FR76 3000 4000 0312 3456 7890 143 en rappelant votre référence CL1");
    expect(compose(DEFAULT_TEMPLATES.find((t) => t.code === "pre-due")!, "letter", person, day)!.letter!.payment).toBeNull();
    // No IBAN on the site: no transfer offered.
    const noIban = { ...person, site: senderSite({ id: "s", name: "Lyon Gerland", address: null, postalCode: null, city: "Lyon", phone: null }) };
    expect(compose(DEFAULT_TEMPLATES.find((t) => t.code === "box-R2")!, "letter", noIban, day)!.letter!.payment).not.toContain("virement");
  });
});

import { describe, expect, it } from "vitest";
import { DEFAULT_SCENARIOS } from "../../../shared/engine/scenarios";
import { daysInWords } from "../../../shared/messaging/compose";
import { isMobile, smsCount, toE164 } from "../../../shared/messaging/sms";
import { DEFAULT_TEMPLATES, fill, templateProblems, unknownVariables, variantFor } from "../../../shared/messaging/templates";

describe("templates", () => {
  it("every message of the six scenarios has its template, in its channel; no default uses an unknown variable", () => {
    const byCode = new Map(DEFAULT_TEMPLATES.map((t) => [t.code, t]));
    for (const s of DEFAULT_SCENARIOS)
      for (const step of s.steps)
        for (const a of step.actions) if (a.action === "message") expect(variantFor(byCode.get(a.template)!, a.channel), `${s.code} ${step.code} ${a.template} ${a.channel}`).toBeDefined();
    for (const t of DEFAULT_TEMPLATES) expect(templateProblems(t), t.code).toEqual([]);
  });

  it("the tone grows: the formal notice states the deadline, the costs, the next step; the first reminder assumes an oversight", () => {
    const r3 = DEFAULT_TEMPLATES.find((t) => t.code === "box-R3")!.letter!;
    expect(r3.formalNotice).toBe(true);
    for (const words of ["met", "huit jours à compter de la réception de la présente", "dernière relance", "augmenter", "commissaire de justice", "tribunal"]) expect(r3.body).toContain(words);
    expect(DEFAULT_TEMPLATES.find((t) => t.code === "box-reminder-email")!.email!.body).toContain("oubli");
  });

  it("the formal notices name the termination clause and count their 8 days from receipt, never from a printed date", () => {
    for (const code of ["box-R3", "mauvais-payeur-R3"]) {
      const body = DEFAULT_TEMPLATES.find((t) => t.code === code)!.letter!.body;
      for (const words of ["conformément à {{clause_resolutoire}}", "résolu de plein droit", "article 1225 du Code civil", "huit jours à compter de la réception de la présente"])
        expect(body, code).toContain(words);
      expect(body, code).not.toContain("{{echeance}}");
    }
  });

  it("the termination notice notifies the resolution, the end date, the debt, thirty days to collect the goods and what follows", () => {
    const t = DEFAULT_TEMPLATES.find((x) => x.code === "box-termination")!;
    expect(templateProblems(t)).toEqual([]);
    expect(t.letter!.formalNotice).toBeFalsy();
    for (const words of [
      "vous notifions donc par la présente la résolution",
      "article",
      "1226 du Code civil",
      "{{clause_resolutoire}}",
      "prend fin le {{fin_contrat}}",
      "{{factures}}",
      "{{solde}}",
      "délai de {{delai_retrait}} à compter de la réception de la présente",
      "commissaire de justice",
      "inventorié",
      "conservé pendant {{conservation}}",
      "décision de justice",
    ])
      expect(t.letter!.body).toContain(words);
  });

  it("writes a period in French words: trente jours, quatre-vingt-dix jours", () => {
    expect([1, 8, 21, 30, 45, 71, 80, 90, 91, 100, 180, 200, 365].map(daysInWords)).toEqual([
      "un jour",
      "huit jours",
      "vingt et un jours",
      "trente jours",
      "quarante-cinq jours",
      "soixante et onze jours",
      "quatre-vingts jours",
      "quatre-vingt-dix jours",
      "quatre-vingt-onze jours",
      "cent jours",
      "cent quatre-vingts jours",
      "deux cents jours",
      "trois cent soixante-cinq jours",
    ]);
  });

  it("names unknown variables, fills known ones and leaves the unknown visible", () => {
    expect(unknownVariables("Bonjour {{nom}}, {{montant}} {{ montant }} {{box}}")).toEqual(["montant"]);
    expect(templateProblems({ code: "x", label: "x", sms: { body: "{{box}} {{iban}}" } })).toEqual(["SMS : variable inconnue {{iban}}"]);
    expect(templateProblems({ code: "x", label: "x", email: { subject: "s", body: "b", attachLetter: true } })).toEqual(["Le courriel joint la lettre, mais le modèle n'a pas de lettre"]);
    expect(fill("{{nom}} doit {{solde}} {{autre}}", { nom: "Mme Durand", solde: "80,00 €" })).toBe("Mme Durand doit 80,00 € {{autre}}");
  });
});

describe("SMS", () => {
  it("never show the amount owed, a lock screen being seen by others: no default does, and an edited one is refused", () => {
    for (const t of DEFAULT_TEMPLATES.filter((x) => x.sms)) {
      expect(t.sms!.body, t.code).not.toMatch(/\{\{(solde|factures)\}\}|€/);
      expect(templateProblems(t), t.code).toEqual([]);
      // And cheap: GSM-7, one part for a short site name.
      expect(smsCount(fill(t.sms!.body, { site: "Lyon Gerland", box: "B101", telephone_site: "04 72 00 12 34", nom: "M. Martin" })), t.code).toMatchObject({ encoding: "GSM-7" });
    }
    const edited = { ...DEFAULT_TEMPLATES.find((x) => x.code === "box-reminder-sms")!, sms: { body: "Il reste {{solde}} à payer." } };
    expect(templateProblems(edited)).toEqual([expect.stringContaining("pas de {{solde}}")]);
  });

  it("counts GSM-7 (160, then 153 a part), UCS-2 as soon as one character needs it (70, then 67)", () => {
    expect(smsCount("a".repeat(160))).toMatchObject({ encoding: "GSM-7", segments: 1 });
    expect(smsCount("a".repeat(161))).toMatchObject({ encoding: "GSM-7", segments: 2 });
    expect(smsCount("é à è ù €")).toMatchObject({ encoding: "GSM-7", units: 10 }); // € counts two
    expect(smsCount("Merci de régler avant le 15.")).toMatchObject({ encoding: "GSM-7", segments: 1 });
    expect(smsCount("Vous êtes")).toMatchObject({ encoding: "UCS-2", segments: 1, unicodeChars: ["ê"] });
    expect(smsCount(`ç${"a".repeat(70)}`)).toMatchObject({ encoding: "UCS-2", units: 71, segments: 2 });
  });

  it("writes French numbers as E.164 and knows mobiles", () => {
    expect(toE164("06 12 34 56 78")).toBe("+33612345678");
    expect(toE164("06.12.34.56.78")).toBe("+33612345678");
    expect(toE164("+33 (0)6 12 34 56 78")).toBe("+33612345678");
    expect(toE164("0033612345678")).toBe("+33612345678");
    expect(toE164("+32 470 12 34 56")).toBe("+32470123456");
    expect(toE164("612345678")).toBeNull();
    expect(toE164("06 12 34")).toBeNull();
    expect(toE164("")).toBeNull();
    expect(isMobile("+33612345678")).toBe(true);
    expect(isMobile("+33478000000")).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { DEFAULT_SCENARIOS } from "../../../shared/engine/scenarios";
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
    for (const words of ["met", "huit jours", "{{echeance}}", "dernière relance", "augmenter", "commissaire de justice", "tribunal"]) expect(r3.body).toContain(words);
    expect(DEFAULT_TEMPLATES.find((t) => t.code === "box-reminder-email")!.email!.body).toContain("oubli");
  });

  it("names unknown variables, fills known ones and leaves the unknown visible", () => {
    expect(unknownVariables("Bonjour {{nom}}, {{montant}} {{ montant }} {{box}}")).toEqual(["montant"]);
    expect(templateProblems({ code: "x", label: "x", sms: { body: "{{solde}} {{iban}}" } })).toEqual(["SMS : variable inconnue {{iban}}"]);
    expect(templateProblems({ code: "x", label: "x", email: { subject: "s", body: "b", attachLetter: true } })).toEqual(["Le courriel joint la lettre, mais le modèle n'a pas de lettre"]);
    expect(fill("{{nom}} doit {{solde}} {{autre}}", { nom: "Mme Durand", solde: "80,00 €" })).toBe("Mme Durand doit 80,00 € {{autre}}");
  });
});

describe("SMS", () => {
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

import { describe, expect, it } from "vitest";
import { DEFAULT_SCENARIOS } from "../../../shared/engine/scenarios";
import { ScenarioBody, scenarioProblems } from "../../../shared/schemas/scenarios";

const box = () => structuredClone(DEFAULT_SCENARIOS.find((s) => s.code === "box")!);

describe("editing a scenario", () => {
  it("every default scenario is valid as it stands", () => {
    for (const s of DEFAULT_SCENARIOS) {
      expect(ScenarioBody.safeParse({ name: s.name, steps: s.steps }).success).toBe(true);
      expect(scenarioProblems(s.code, { name: s.name, steps: s.steps })).toEqual([]);
    }
  });

  it("names each problem with its step", () => {
    const s = box();
    s.steps.find((x) => x.code === "R1")!.actions = [{ action: "message", channel: "email", template: "nope" }];
    s.steps.find((x) => x.code === "thank-you")!.when = { from: "payment", days: -3 };
    s.steps.find((x) => x.code === "lockout")!.actions = [{ action: "task", channel: "call", task: "padlock_place" }];
    s.steps.push({ ...s.steps[0]!, code: "first-contact" });
    const messages = scenarioProblems("box", { name: s.name, steps: s.steps.filter((x) => x.code !== "R2-notice") }).map((p) => p.message);
    expect(messages).toEqual([
      "L'étape first-contact figure deux fois",
      "L'étape R2-notice ne peut pas être supprimée (désactivez-la)",
      "R1 : modèle inconnu « nope »",
      "lockout : la tâche padlock_place ne va pas sur le canal call",
      "thank-you : une étape après le paiement ne peut pas le précéder",
      "thank-you : un délai négatif ne se compte que depuis l'échéance",
    ]);
  });

  it("a gate needs a registered letter before it; a contract end needs approval", () => {
    const s = box();
    const r2 = s.steps.find((x) => x.code === "R2")!;
    r2.actions = r2.actions.filter((a) => !(a.action === "message" && a.channel === "registered_letter"));
    s.steps.find((x) => x.code === "exit")!.needsApproval = false;
    expect(scenarioProblems("box", s).map((p) => p.message)).toEqual([
      "R3 : attend une lettre recommandée, mais aucune étape avant elle n'en envoie",
      "exit : une fin de contrat demande l'accord du Manager",
    ]);
  });

  it("a step counted from a receipt names an earlier step that sends a registered letter", () => {
    const s = box();
    s.steps.find((x) => x.code === "exit")!.when = { from: "receipt", step: "R1", days: 8, endOfMonth: true };
    s.steps.find((x) => x.code === "thank-you")!.when = { from: "receipt", days: 8 };
    expect(scenarioProblems("box", s).map((p) => p.message)).toEqual([
      "exit : se compte depuis la réception d'une lettre recommandée : nommez une étape avant elle qui en envoie une (« R1 » n'en envoie pas avant elle)",
      "thank-you : se compte depuis la réception d'une lettre recommandée : nommez une étape avant elle qui en envoie une",
    ]);
  });

  it("turning a step off and adding one is fine", () => {
    const s = box();
    s.steps.find((x) => x.code === "reminder")!.enabled = false;
    s.steps.splice(2, 0, { code: "rappel-sms", when: { from: "due", days: 5 }, actions: [{ action: "message", channel: "sms", template: "box-reminder-sms" }], needsApproval: false, enabled: true });
    expect(scenarioProblems("box", s)).toEqual([]);
  });
});

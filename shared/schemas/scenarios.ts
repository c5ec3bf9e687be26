import { z } from "zod";
import { LEVELS, MESSAGE_CHANNELS, SEGMENTS, TASK_KINDS } from "../enums";
import { DEFAULT_SCENARIOS, FEE_KINDS } from "../engine/scenarios";
import { DEFAULT_TEMPLATES, variantFor, type MessageTemplate } from "../messaging/templates";

/**
 * A scenario as the office edits it (`PUT /api/scenarios/:code`). The codes stay (CONTRACT.md): a default step
 * may be turned off, not removed or renamed; new steps may be added. What the engine cannot carry out is refused
 * here, each problem named with its step.
 */
const StepCode = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,29}$/, "Code d'étape : lettres, chiffres et tirets, 30 caractères au plus");

const StepAction = z.discriminatedUnion("action", [
  z.object({ action: z.literal("message"), channel: z.enum(MESSAGE_CHANNELS), template: z.string().min(1) }),
  z.object({ action: z.literal("task"), channel: z.enum(["call", "visit", "padlock", "gate_code", "open_box"]), task: z.enum(TASK_KINDS) }),
  z.object({ action: z.literal("fee"), fee: z.enum(FEE_KINDS) }),
  z.object({ action: z.literal("level"), level: z.enum(LEVELS).exclude(["none"]) }),
  z.object({ action: z.literal("contract_end") }),
  z.object({ action: z.literal("approval") }),
]);

const StepWhen = z.object({
  from: z.enum(["due", "previous", "payment", "receipt"]),
  /** With `from: "receipt"`: the earlier step whose registered letter's receipt (AR or unclaimed return) starts the count. */
  step: StepCode.optional(),
  days: z.number().int().min(-60).max(365).optional(),
  months: z.number().int().min(0).max(24).optional(),
  endOfMonth: z.boolean().optional(),
  shift: z.enum(["next", "previous"]).optional(),
});

export const ScenarioStep = z.object({
  code: StepCode,
  when: StepWhen,
  actions: z.array(StepAction).min(1, "Une étape fait au moins une chose").max(10),
  needsApproval: z.boolean(),
  perIncident: z.boolean().optional(),
  gate: z.literal("previous_registered_letter").optional(),
  enabled: z.boolean(),
});

const TASK_CHANNEL: Record<string, string> = {
  call: "call",
  card_rerun: "call",
  padlock_place: "padlock",
  padlock_remove: "padlock",
  gate_suspend: "gate_code",
  gate_restore: "gate_code",
  open_box: "open_box",
  fix_contact: "call",
};

export const ScenarioBody = z
  .object({ name: z.string().trim().min(1, "Le nom est obligatoire").max(80), steps: z.array(ScenarioStep).min(1).max(30) })
  .meta({ id: "ScenarioBody" });
export type ScenarioBody = z.infer<typeof ScenarioBody>;

export const ScenarioResponse = z
  .object({ code: z.enum(SEGMENTS), name: z.string(), steps: z.array(ScenarioStep), customers: z.number().int(), updatedAt: z.string().nullable() })
  .meta({ id: "Scenario" });
export type ScenarioResponse = z.infer<typeof ScenarioResponse>;

export const ScenariosResponse = z
  .object({
    scenarios: z.array(ScenarioResponse),
    templates: z.array(z.string()),
    /** Each template's name as *Modèles* shows it, by code: the screen names templates, never their codes. */
    templateLabels: z.record(z.string(), z.string()),
  })
  .meta({ id: "ScenariosResponse" });
export type ScenariosResponse = z.infer<typeof ScenariosResponse>;

export interface ScenarioProblem {
  step: string | null;
  message: string;
}

/**
 * What is wrong with an edited scenario beyond its shape: codes of the default removed or twice, unknown
 * templates, a gate with no registered letter before it, a contract end without the Manager's approval,
 * a step after payment counted backwards. Empty when it can be saved.
 */
const DEFAULTS: ReadonlyMap<string, MessageTemplate> = new Map(DEFAULT_TEMPLATES.map((t) => [t.code, t]));
const CHANNEL_WORD = { email: "courriel", sms: "SMS", letter: "lettre", registered_letter: "lettre" } as const;

export function scenarioProblems(code: (typeof SEGMENTS)[number], body: ScenarioBody, templates: ReadonlyMap<string, MessageTemplate> = DEFAULTS): ScenarioProblem[] {
  const problems: ScenarioProblem[] = [];
  const seen = new Set<string>();
  for (const step of body.steps) {
    if (seen.has(step.code)) problems.push({ step: step.code, message: `L'étape ${step.code} figure deux fois` });
    seen.add(step.code);
  }
  const defaults = DEFAULT_SCENARIOS.find((s) => s.code === code);
  for (const d of defaults?.steps ?? []) {
    if (!seen.has(d.code)) problems.push({ step: d.code, message: `L'étape ${d.code} ne peut pas être supprimée (désactivez-la)` });
  }
  body.steps.forEach((step, i) => {
    const say = (message: string) => problems.push({ step: step.code, message: `${step.code} : ${message}` });
    if (step.when.from === "payment" && (step.when.days ?? 0) < 0) say("une étape après le paiement ne peut pas le précéder");
    if (step.when.from !== "due" && (step.when.days ?? 0) < 0) say("un délai négatif ne se compte que depuis l'échéance");
    if (step.when.from === "previous" && i === 0) say("la première étape ne peut pas suivre une étape précédente");
    if ((step.when.days ?? 0) < 0 && (step.when.months || step.when.endOfMonth)) say("un avis avant l'échéance se compte en jours seulement");
    if (step.when.from === "receipt") {
      const sender = body.steps.slice(0, i).find((s) => s.code === step.when.step);
      if (!sender || !sender.actions.some((a) => a.action === "message" && a.channel === "registered_letter")) {
        say(`se compte depuis la réception d'une lettre recommandée : nommez une étape avant elle qui en envoie une${step.when.step ? ` (« ${step.when.step} » n'en envoie pas avant elle)` : ""}`);
      }
    }
    for (const a of step.actions) {
      if (a.action === "message") {
        const t = templates.get(a.template);
        if (!t) say(`modèle inconnu « ${a.template} »`);
        else if (!variantFor(t, a.channel)) say(`le modèle « ${a.template} » n'a pas de version ${CHANNEL_WORD[a.channel]}`);
      }
      if (a.action === "task" && TASK_CHANNEL[a.task] !== a.channel) say(`la tâche ${a.task} ne va pas sur le canal ${a.channel}`);
    }
    if (step.actions.some((a) => a.action === "contract_end") && !step.needsApproval) say("une fin de contrat demande l'accord du Manager");
    if (step.gate === "previous_registered_letter") {
      const before = body.steps.slice(0, i).some((s) => s.actions.some((a) => a.action === "message" && a.channel === "registered_letter"));
      if (!before) say("attend une lettre recommandée, mais aucune étape avant elle n'en envoie");
    }
  });
  return problems;
}

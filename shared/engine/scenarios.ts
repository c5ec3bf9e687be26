import { R3_DEADLINE_DAYS } from "../floor/opening";
import type { Level, MessageChannel, Segment, TaskKind } from "../enums";

/**
 * Reminder scenarios: what happens to a late customer, step by step, by days and months from the due date of
 * their oldest unpaid invoice (or from the payment, for what follows it). The defaults below are the operator's
 * procedure (seed 000, scenario `box`) and the per-customer-type scenarios of seed 004; operators edit them
 * (stored in the database), the codes stay (CONTRACT.md).
 */

export const PLAN_ACTIONS = ["message", "task", "fee", "level", "contract_end", "approval"] as const;
export type PlanAction = (typeof PLAN_ACTIONS)[number];

export const PLAN_CHANNELS = ["email", "sms", "letter", "registered_letter", "call", "visit", "padlock", "gate_code", "open_box"] as const;
export type PlanChannel = (typeof PLAN_CHANNELS)[number];

export const FEE_KINDS = ["sepa_reject", "late_penalties", "recovery_indemnity"] as const;
export type FeeKind = (typeof FEE_KINDS)[number];

/** Fees the law allows only from company customers (Code de commerce L441-10); never charged to consumers. */
export const COMPANY_ONLY_FEES: readonly FeeKind[] = ["late_penalties", "recovery_indemnity"];

export type StepAction =
  | { action: "message"; channel: MessageChannel; template: string }
  | { action: "task"; channel: "call" | "visit" | "padlock" | "gate_code" | "open_box"; task: TaskKind }
  | { action: "fee"; fee: FeeKind }
  | { action: "level"; level: Exclude<Level, "none"> }
  | { action: "contract_end" }
  | { action: "approval" };

export interface StepWhen {
  /**
   * `due`: the due date of the case's oldest unpaid invoice; `previous`: the date the step before fell due;
   * `payment`: the day the customer paid in full (the case closed); `receipt`: the day the registered letter of
   * `step` was received in this case — its AR, or its return unclaimed (`server/messaging/receipts.ts`). Counted
   * from a receipt, `days`/`months` are a deadline the letter gave: the step falls once it has passed (the day
   * after it, or the end of the month it passed in), and is not planned at all until the receipt is recorded.
   */
  from: "due" | "previous" | "payment" | "receipt";
  /** With `from: "receipt"`: the earlier step whose registered letter's receipt starts the count. */
  step?: string;
  days?: number;
  months?: number;
  /** Then to the last day of that month (the contract end, before the next billing). */
  endOfMonth?: boolean;
  /** A step that falls on a Sunday or a public holiday moves to the next working day, or back to the previous. */
  shift?: "next" | "previous";
}

export interface ScenarioStep {
  code: string;
  when: StepWhen;
  actions: StepAction[];
  needsApproval: boolean;
  /**
   * `first-contact` of the procedure: also falls on the day of each payment incident (a rejected card, debit or
   * cheque) after the due date, once for each.
   */
  perIncident?: boolean;
  /** Waits until the registered letter of the step before has been recorded as sent. */
  gate?: "previous_registered_letter";
  /** Off: kept in the scenario (operators may turn it on), never planned. */
  enabled: boolean;
}

export interface Scenario {
  code: Segment;
  name: string;
  steps: ScenarioStep[];
}

const msg = (channel: MessageChannel, template: string): StepAction => ({ action: "message", channel, template });
const call: StepAction = { action: "task", channel: "call", task: "call" };
const level = (l: Exclude<Level, "none">): StepAction => ({ action: "level", level: l });
const step = (code: string, when: StepWhen, actions: StepAction[], more: Partial<ScenarioStep> = {}): ScenarioStep => ({
  code,
  when: { shift: "next", ...when },
  actions,
  needsApproval: false,
  enabled: true,
  ...more,
});

/** When the box procedure's contract end falls: 8 days after the receipt of R3's formal notice, at the month's end. */
export const EXIT_WHEN: StepWhen = { from: "receipt", step: "R3", days: R3_DEADLINE_DAYS, endOfMonth: true, shift: "previous" };
/** The exit's termination notice (notification de la résolution): registered, with its simple copy. */
export const TERMINATION_NOTICE: readonly StepAction[] = [msg("registered_letter", "box-termination"), msg("letter", "box-termination")];

/** The operator's procedure (seed 000, CONTRACT.md "Default scenario box"). */
const BOX: Scenario = {
  code: "box",
  name: "Box (procédure du site)",
  steps: [
    step("first-contact", { from: "due", days: 1 }, [call], { perIncident: true }),
    step("reminder", { from: "due", days: 9 }, [call, msg("sms", "box-reminder-sms"), msg("email", "box-reminder-email")]),
    step("R1", { from: "due", days: 14 }, [msg("email", "box-R1"), level("R1")]),
    step("lockout", { from: "due", days: 14 }, [
      { action: "task", channel: "padlock", task: "padlock_place" },
      { action: "task", channel: "gate_code", task: "gate_suspend" },
    ]),
    step("R2-notice", { from: "due", days: 24 }, [{ action: "approval" }, msg("email", "box-R2-notice")], { needsApproval: true }),
    step("R2", { from: "due", months: 1 }, [msg("registered_letter", "box-R2"), msg("letter", "box-R2"), msg("email", "box-R2"), level("R2")], {
      needsApproval: true,
    }),
    step(
      "R3",
      { from: "due", months: 1, days: 14 },
      [
        msg("registered_letter", "box-R3"),
        msg("letter", "box-R3"),
        msg("email", "box-R3"),
        level("R3"),
        { action: "fee", fee: "late_penalties" },
        { action: "fee", fee: "recovery_indemnity" },
      ],
      { needsApproval: true, gate: "previous_registered_letter" },
    ),
    // The contract ends on the last day of the month in which the formal notice's 8 days from its receipt have
    // passed (art. 1225 C. civ.), before the next billing; the termination notice goes by registered letter
    // (art. 1226), the goods' collection period counted from its own receipt.
    step("exit", EXIT_WHEN, [{ action: "contract_end" }, { action: "approval" }, ...TERMINATION_NOTICE, { action: "task", channel: "open_box", task: "open_box" }], {
      needsApproval: true,
      gate: "previous_registered_letter",
    }),
    step("unlock", { from: "payment" }, [
      { action: "task", channel: "padlock", task: "padlock_remove" },
      { action: "task", channel: "gate_code", task: "gate_restore" },
    ]),
    step("thank-you", { from: "payment", days: 8 }, [msg("email", "thank-you")]),
  ],
};

/** Seed 004, "standard avec e-mail"; the variant without e-mail writes where this e-mails. */
function standard(code: "standard" | "standard-sans-email", name: string, early: MessageChannel): Scenario {
  return {
    code,
    name,
    steps: [
      step("pre-due", { from: "due", days: -8 }, [msg(early, "pre-due")]),
      step("R1", { from: "due", days: 8 }, [msg(early, "standard-R1"), level("R1")]),
      step("R2", { from: "due", days: 16 }, [call, level("R2")]),
      step("R3", { from: "due", days: 24 }, [call, level("R3")]),
      step("R4", { from: "due", days: 32 }, [msg("letter", "standard-R4"), level("R4"), { action: "fee", fee: "recovery_indemnity" }]),
      step("R5", { from: "due", days: 40 }, [msg("letter", "standard-R5"), level("R5"), { action: "fee", fee: "late_penalties" }]),
      step("thank-you", { from: "payment", days: 8 }, [msg("email", "thank-you")]),
    ],
  };
}

const EXPORT: Scenario = {
  code: "export",
  name: "Export",
  steps: [
    step("R1", { from: "due", days: 8 }, [msg("email", "export-R1"), level("R1")]),
    step("R2", { from: "due", days: 16 }, [msg("email", "export-R2"), level("R2")]),
    step("R3", { from: "due", days: 24 }, [call, level("R3")]),
    step("R4", { from: "due", days: 32 }, [msg("letter", "export-R4"), level("R4"), { action: "fee", fee: "recovery_indemnity" }]),
    step("R5", { from: "due", days: 40 }, [msg("letter", "export-R5"), level("R5"), { action: "fee", fee: "late_penalties" }]),
  ],
};

const GRAND_COMPTE: Scenario = {
  code: "grand-compte",
  name: "Grand compte",
  steps: [
    step("pre-due", { from: "due", days: -8 }, [msg("email", "pre-due")], { enabled: false }),
    step("R1", { from: "due", days: 8 }, [call, level("R1")]),
    step("R2", { from: "due", days: 16 }, [msg("email", "grand-compte-R2"), level("R2")]),
    step("R3", { from: "due", days: 24 }, [call, level("R3")], { enabled: false }),
    step("R4", { from: "due", days: 32 }, [msg("letter", "standard-R4"), level("R4")], { enabled: false }),
    step("thank-you", { from: "payment", days: 8 }, [msg("email", "thank-you")]),
  ],
};

const MAUVAIS_PAYEUR: Scenario = {
  code: "mauvais-payeur",
  name: "Mauvais payeur",
  steps: [
    step("pre-due", { from: "due", days: -8 }, [msg("email", "pre-due-firm")]),
    step("R1", { from: "due", days: 3 }, [msg("email", "mauvais-payeur-R1"), level("R1")]),
    step("R2", { from: "due", days: 8 }, [msg("email", "mauvais-payeur-R2"), msg("sms", "mauvais-payeur-R2-sms"), level("R2")]),
    step(
      "R3",
      { from: "due", days: 15 },
      [msg("registered_letter", "mauvais-payeur-R3"), level("R3"), { action: "fee", fee: "late_penalties" }, { action: "fee", fee: "recovery_indemnity" }],
      { needsApproval: true },
    ),
  ],
};

export const DEFAULT_SCENARIOS: readonly Scenario[] = [
  BOX,
  standard("standard", "Standard avec e-mail", "email"),
  standard("standard-sans-email", "Standard sans e-mail", "letter"),
  EXPORT,
  GRAND_COMPTE,
  MAUVAIS_PAYEUR,
];


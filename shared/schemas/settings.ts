import { z } from "zod";
import { Cents } from "./common";

/**
 * The office's settings of the procedure. Amounts in cents. Each has a default, so a new database works
 * before anyone sets anything.
 */
export const Settings = z
  .object({
    /** The unpaid fee billed when a SEPA debit is rejected (*frais d'impayé*, a shop invoice). */
    sepaRejectFeeCents: Cents.min(0).max(100_000),
    /**
     * Late-payment penalties for company customers, yearly rate in percent (Code de commerce L441-10: at least
     * three times the legal interest rate; commonly the ECB rate + 10 points).
     */
    latePenaltyRatePercent: z.number().min(0).max(50),
    /** A case opens only when the balance is above this (0: any debt). */
    minBalanceCents: Cents.min(0).max(1_000_000),
  })
  .meta({ id: "Settings" });
export type Settings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = {
  sepaRejectFeeCents: 1_500,
  latePenaltyRatePercent: 12.15,
  minBalanceCents: 0,
};

/** A change of some settings; the others stay. */
export const SettingsPatch = Settings.partial().meta({ id: "SettingsPatch" });
export type SettingsPatch = z.infer<typeof SettingsPatch>;

/** The €40 recovery indemnity a company owes for each invoice paid late (Code de commerce D441-5); set by law. */
export const RECOVERY_INDEMNITY_CENTS = 4_000;

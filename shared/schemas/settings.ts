import { z } from "zod";
import { RETENTION_YEARS } from "../privacy/retention";
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
    /**
     * The period the termination notice gives to collect the goods, counted from its receipt (or its unclaimed
     * return): "trente jours à compter de la réception de la présente". The box is opened only after it.
     */
    collectionPeriodDays: z.number().int().min(8).max(180),
    /**
     * Who witnesses a box opening. The cautious default is a commissaire de justice (name, office, report
     * reference); a plain witness is accepted only when the operator turns this on, and the pack says which it was.
     */
    allowPlainWitness: z.boolean(),
    /** How long the inventoried contents of an opened box are kept before any disposal may be recorded (days). */
    keepGoodsDays: z.number().int().min(0).max(365),
    /**
     * The contract's termination clause as the formal notice names it after "conformément à" (art. 1225 C. civ.:
     * the notice must mention it expressly), e.g. "l'article 12 de vos conditions générales".
     */
    terminationClause: z.string().trim().min(3).max(200),
    /**
     * Office and Manager accounts must sign in with a second factor (an authenticator app's code): one without it
     * sets it up at its next sign-in. Site managers, on the floor's phones, are never asked.
     */
    twoFactorRequired: z.boolean(),
    /**
     * Years a customer's personal data are kept after the relationship ended (last debt settled, every contract
     * ended) before the daily job pseudonymises them (shared/privacy/retention.ts). The CNIL's reference is 3 years.
     */
    retentionYears: z.number().int().min(RETENTION_YEARS.min).max(RETENTION_YEARS.max),
  })
  .meta({ id: "Settings" });
export type Settings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = {
  sepaRejectFeeCents: 1_500,
  latePenaltyRatePercent: 12.15,
  minBalanceCents: 0,
  collectionPeriodDays: 30,
  allowPlainWitness: false,
  keepGoodsDays: 90,
  terminationClause: "la clause résolutoire de votre contrat",
  twoFactorRequired: false,
  retentionYears: RETENTION_YEARS.default,
};

/** A change of some settings; the others stay. */
export const SettingsPatch = Settings.partial().meta({ id: "SettingsPatch" });
export type SettingsPatch = z.infer<typeof SettingsPatch>;

/** The €40 recovery indemnity a company owes for each invoice paid late (Code de commerce D441-5); set by law. */
export const RECOVERY_INDEMNITY_CENTS = 4_000;

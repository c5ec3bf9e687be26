import { z } from "zod";
import { CalendarDate, Cents, Id } from "./common";

/** Why a customer's data must stay (shared/privacy/retention.ts `RetentionObstacle`), with its French sentence. */
export const RetentionObstacleItem = z.object({
  code: z.enum(["legal_hold", "debt_owed", "credit_owed", "open_case", "open_task", "contract_running"]),
  text: z.string(),
});
export type RetentionObstacleItem = z.infer<typeof RetentionObstacleItem>;

/** Where one customer's personal data stand: legal hold, retention, erasure. For the office. */
export const PrivacyStatus = z
  .object({
    customerId: Id,
    ref: z.string(),
    name: z.string(),
    legalHold: z.object({ reason: z.string(), at: z.string().nullable(), byInitials: z.string().nullable() }).nullable(),
    pseudonymisedAt: z.string().nullable(),
    outstandingCents: Cents,
    /** `kept`: something still needs the data; `archived` until `dueOn`; `due`: the next daily run erases them. */
    state: z.enum(["kept", "archived", "due", "pseudonymised"]),
    obstacles: z.array(RetentionObstacleItem),
    endedOn: CalendarDate.nullable(),
    dueOn: CalendarDate.nullable(),
    retentionYears: z.number().int(),
  })
  .meta({ id: "PrivacyStatus" });
export type PrivacyStatus = z.infer<typeof PrivacyStatus>;

export const PrivacyLookupQuery = z.object({ ref: z.string().trim().min(1).max(100) });

/** Setting or lifting a legal hold (dispute, hand-over to a bailiff or to court), always with the reason. */
export const LegalHoldBody = z
  .object({
    held: z.boolean(),
    reason: z.string().trim().min(3, "Dites pourquoi en quelques mots").max(500),
  })
  .meta({ id: "LegalHoldBody" });
export type LegalHoldBody = z.infer<typeof LegalHoldBody>;

/** A person's request to erase their data (GDPR art. 17), as the office received it. */
export const ErasureRequestBody = z
  .object({
    /** The day the request was received. */
    requestedOn: CalendarDate,
    /** How it came and its reference: "courrier du 12/11, réf. 2026-044", "e-mail du client". */
    reference: z.string().trim().min(3, "Dites comment la demande est arrivée").max(200),
    note: z.string().trim().max(500).optional(),
  })
  .meta({ id: "ErasureRequestBody" });
export type ErasureRequestBody = z.infer<typeof ErasureRequestBody>;

/** An erasure carried out (or found done already); a refusal is a 409 `CONFLICT` whose details list the obstacles. */
export const ErasureResponse = z
  .object({
    outcome: z.enum(["erased", "already"]),
    pseudonymisedAt: z.string(),
    /** What went: evidence records tombstoned, photos deleted, history lines and messages emptied. */
    erased: z.object({ records: z.number().int(), photos: z.number().int(), actions: z.number().int(), messages: z.number().int() }).nullable(),
  })
  .meta({ id: "ErasureResponse" });
export type ErasureResponse = z.infer<typeof ErasureResponse>;

/** `details` of an erasure refused (409 CONFLICT). */
export const ErasureRefusal = z.object({ outcome: z.literal("refused"), obstacles: z.array(RetentionObstacleItem) });
export type ErasureRefusal = z.infer<typeof ErasureRefusal>;

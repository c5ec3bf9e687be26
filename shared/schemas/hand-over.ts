import { z } from "zod";
import { CalendarDate, Cents, Id, Instant } from "./common";

/** Those the office hands cases over to. */
export const HAND_OVER_RECIPIENT_KINDS = ["bailiff", "agency"] as const;
export type HandOverRecipientKind = (typeof HAND_OVER_RECIPIENT_KINDS)[number];
export const RECIPIENT_KIND_LABEL: Record<HandOverRecipientKind, string> = { bailiff: "Commissaire de justice", agency: "Société de recouvrement" };

export const RecipientBody = z
  .object({
    kind: z.enum(HAND_OVER_RECIPIENT_KINDS),
    name: z.string().trim().min(2, "Le nom, 2 caractères au moins").max(200),
    address: z.string().trim().min(5, "L'adresse postale complète").max(500),
    email: z.email("Adresse e-mail invalide").max(254).nullable(),
  })
  .meta({ id: "HandOverRecipientBody" });
export type RecipientBody = z.infer<typeof RecipientBody>;

/** A change of a recipient; `archived: true` takes it off the list offered for new hand-overs (never deleted). */
export const RecipientPatch = RecipientBody.partial().extend({ archived: z.boolean().optional() }).meta({ id: "HandOverRecipientPatch" });
export type RecipientPatch = z.infer<typeof RecipientPatch>;

export const Recipient = z
  .object({
    id: Id,
    kind: z.enum(HAND_OVER_RECIPIENT_KINDS),
    name: z.string(),
    address: z.string(),
    email: z.string().nullable(),
    archivedAt: z.string().nullable(),
  })
  .meta({ id: "HandOverRecipient" });
export type Recipient = z.infer<typeof Recipient>;

export const RecipientsResponse = z.object({ recipients: z.array(Recipient) }).meta({ id: "HandOverRecipients" });
export type RecipientsResponse = z.infer<typeof RecipientsResponse>;

export const RecipientIdParam = z.object({ id: Id });

export const HandOverBody = z
  .object({
    recipientId: Id,
    note: z.string().trim().max(1000).optional(),
  })
  .meta({ id: "HandOverBody" });
export type HandOverBody = z.infer<typeof HandOverBody>;

/** A hand-over as the office's list shows it: what was owed then, what was paid since, what is owed now. */
export const HandOverRow = z
  .object({
    id: Id,
    caseId: Id,
    customerId: Id,
    customerRef: z.string(),
    customerName: z.string(),
    siteCode: z.string().nullable(),
    siteName: z.string().nullable(),
    recipient: z.object({ id: Id, kind: z.enum(HAND_OVER_RECIPIENT_KINDS), name: z.string() }),
    handedOn: CalendarDate,
    handedAt: Instant,
    handedBy: z.string().nullable(),
    amountCents: Cents,
    /** Payments dated after the hand-over day. */
    paidSinceCents: Cents,
    balanceCents: Cents,
    zipBytes: z.number().int(),
    zipSha256: z.string(),
    note: z.string().nullable(),
  })
  .meta({ id: "HandOverRow" });
export type HandOverRow = z.infer<typeof HandOverRow>;

export const HandOversResponse = z.object({ handOvers: z.array(HandOverRow) }).meta({ id: "HandOvers" });
export type HandOversResponse = z.infer<typeof HandOversResponse>;

export const HandOverIdParam = z.object({ id: Id });

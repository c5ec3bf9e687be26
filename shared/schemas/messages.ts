import { z } from "zod";
import { MESSAGE_CHANNELS, MESSAGE_STATUSES } from "../enums";
import { CalendarDate, Id, Instant, Sha256 } from "./common";

export const MessageItem = z
  .object({
    id: Id,
    customerId: Id,
    customerRef: z.string(),
    name: z.string(),
    channel: z.enum(MESSAGE_CHANNELS),
    purpose: z.string(),
    step: z.string().nullable(),
    template: z.string().nullable(),
    recipient: z.string(),
    subject: z.string().nullable(),
    status: z.enum(MESSAGE_STATUSES),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    notBefore: Instant.nullable(),
    sentAt: Instant.nullable(),
    /** SMS: what the provider reported; registered letter: `acknowledged` once the AR came back, `unclaimed` when it came back unclaimed. */
    deliveryStatus: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    /** Registered letter: the tracking number. */
    trackingNumber: z.string().nullable(),
    createdAt: Instant,
  })
  .meta({ id: "MessageItem" });
export type MessageItem = z.infer<typeof MessageItem>;

export const MessagesQuery = z.object({
  status: z.enum(MESSAGE_STATUSES).optional(),
  channel: z.enum(MESSAGE_CHANNELS).optional(),
  customerId: Id.optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

export const MessagesResponse = z.object({ items: z.array(MessageItem), counts: z.record(z.string(), z.number().int()) }).meta({ id: "MessagesResponse" });

export const MessageDetail = MessageItem.extend({
  body: z.string(),
  tries: z.array(z.object({ at: Instant, worker: z.string(), outcome: z.string(), detail: z.string().nullable() })),
}).meta({ id: "MessageDetail" });
export type MessageDetail = z.infer<typeof MessageDetail>;

export const MessageIdParam = z.object({ id: Id });

/**
 * A provider refusing every message of a channel for a reason of configuration (a key, a sender, AUTH, credit): what
 * is wrong in French, since when, and how many of the channel's messages wait meanwhile. Gone with the next success.
 */
export const ProviderAlert = z
  .object({
    channel: z.enum(["email", "sms"]),
    code: z.string(),
    message: z.string(),
    detail: z.string().nullable(),
    since: Instant,
    lastAt: Instant,
    waiting: z.number().int(),
  })
  .meta({ id: "ProviderAlert" });
export type ProviderAlert = z.infer<typeof ProviderAlert>;

export const ProviderAlertsResponse = z.object({ alerts: z.array(ProviderAlert) }).meta({ id: "ProviderAlertsResponse" });
export type ProviderAlertsResponse = z.infer<typeof ProviderAlertsResponse>;

/**
 * Letters to print for posting: these `ids`, or every letter waiting (written up to `date`, when given). Each is
 * dated the day it is printed; the PDF is stored and downloaded from the answer's link.
 */
export const PrintBody = z
  .object({ date: CalendarDate.optional(), ids: z.array(Id).min(1).max(2_000).optional() })
  .meta({ id: "PrintBody" });
export type PrintBody = z.infer<typeof PrintBody>;

export const PrintResponse = z
  .object({
    /** The batch printed; null when every letter asked for was cancelled instead (no longer due). */
    batch: z
      .object({
        id: Id,
        /** The day the letters are dated. */
        printedOn: CalendarDate,
        printedAt: Instant,
        /** The stored PDF of the whole batch. */
        pdf: z.string(),
        pages: z.number().int(),
        letters: z.array(
          z.object({ id: Id, channel: z.enum(MESSAGE_CHANNELS), printedOn: CalendarDate, copies: z.array(z.string()), pdf: z.string() }),
        ),
      })
      .nullable(),
    /** Letters no longer due, cancelled instead of printed, with the reason. */
    cancelled: z.array(z.object({ id: Id, reason: z.string() })),
  })
  .meta({ id: "PrintResponse" });
export type PrintResponse = z.infer<typeof PrintResponse>;

/** A printed batch's stored PDF: `<batch id>.pdf`. */
export const BatchFileParam = z.object({ file: z.string().regex(/^[0-9a-f-]{36}\.pdf$/, "<identifiant du lot>.pdf") });

/** Letters put in the post: registered ones with their tracking number. */
export const PostedBody = z
  .object({
    letters: z
      .array(z.object({ id: Id, trackingNumber: z.string().trim().regex(/^[A-Z0-9]{8,20}$/i, "Numéro de suivi : 8 à 20 lettres et chiffres").optional() }))
      .min(1)
      .max(2_000),
  })
  .meta({ id: "PostedBody" });
export type PostedBody = z.infer<typeof PostedBody>;

/**
 * What came back of a registered letter, each of which counts as its receipt (the day its deadlines start): the
 * acknowledgement of receipt signed (`acknowledged`), or the letter itself, advised and not collected (*pli avisé
 * et non réclamé*, `unclaimed`). Stored as the message's `deliveryStatus`, the day in `deliveredAt`.
 */
export const RECEIPT_OUTCOMES = ["acknowledged", "unclaimed"] as const;
export type ReceiptOutcome = (typeof RECEIPT_OUTCOMES)[number];

/** The acknowledgement of receipt (*avis de réception*) of a registered letter came back — or the letter, unclaimed. */
export const AcknowledgedBody = z
  .object({
    /** Default `acknowledged` (the body of the AR alone, as before). */
    outcome: z.enum(RECEIPT_OUTCOMES).default("acknowledged"),
    /** The day the AR was signed, or the day the unclaimed letter came back. */
    receivedOn: CalendarDate,
    /** The photo of the AR card or of the returned envelope, by the SHA-256 of its bytes (uploaded with `PUT /api/blobs/:sha256`). */
    photoSha256: Sha256.optional(),
  })
  .meta({ id: "AcknowledgedBody" });
export type AcknowledgedBody = z.input<typeof AcknowledgedBody>;

/** A registered letter came back unclaimed (`POST /api/letters/{id}/unclaimed`): the day it came back, the envelope's photo. */
export const UnclaimedBody = AcknowledgedBody.omit({ outcome: true }).meta({ id: "UnclaimedBody" });
export type UnclaimedBody = z.infer<typeof UnclaimedBody>;

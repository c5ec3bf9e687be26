import { z } from "zod";
import {
  ACTION_KINDS,
  CALL_OUTCOMES,
  CASE_STATUSES,
  CUSTOMER_KINDS,
  GATE_STATES,
  LEVELS,
  PADLOCK_STATES,
  PAYMENT_METHODS,
  PHOTO_ROLES,
  SEGMENTS,
  TASK_KINDS,
  TASK_STATUSES,
} from "../enums";
import { CalendarDate, Cents, Id, Instant, Sha256 } from "./common";
import { DisposalBasis } from "./disposal";
import { FloorMessaging } from "./templates";

/**
 * What the phone keeps about one debtor: what the floor's screens show, and nothing they do not read. The server
 * sends it again whenever anything in it changes; the phone lays its unsent actions over it. A field that would
 * say nothing (null, no photos) is left out rather than sent: a first sync carries thousands of debtors, so the
 * fields that may be null are also optional, and readers take absent as null.
 */
export const DocUnit = z.object({
  id: Id,
  number: z.string(),
  siteId: Id,
  siteCode: z.string(),
  building: z.string().nullable().optional(),
  aisle: z.string().nullable().optional(),
  padlock: z.enum(PADLOCK_STATES),
  gate: z.enum(GATE_STATES),
  contractEnded: CalendarDate.nullable().optional(),
  /** The box's opening at the end of the procedure, once recorded; `missing`: its photos the server has not received yet. */
  opening: z
    .object({
      openedAt: Instant,
      initials: z.string(),
      photos: z.array(z.object({ sha256: Sha256, role: z.enum(PHOTO_ROLES) })),
      missing: z.array(Sha256),
      clearedAt: Instant.nullable(),
      /** When the server recorded it (absent while only on the phone): the keeping period counts from the later day. */
      receivedAt: Instant.nullable().optional(),
      /** The drawn signatures (PNG, sent like photos): the witness's and the one under the inventory. */
      signatures: z.object({ witness: Sha256, inventory: Sha256 }).nullable().optional(),
      /** The keeping period (days) the operator's settings gave when it was opened. */
      keepGoodsDays: z.number().int().nullable().optional(),
      /** The legal basis for disposing of the contents, once the office entered it. */
      basis: DisposalBasis.nullable().optional(),
    })
    .nullable()
    .optional(),
});
export type DocUnit = z.infer<typeof DocUnit>;

export const DocTask = z.object({
  id: Id,
  kind: z.enum(TASK_KINDS),
  dueOn: CalendarDate,
  unitId: Id.nullable().optional(),
  status: z.enum(TASK_STATUSES),
  /** What the office asks, in its words (a task `office_request`). */
  note: z.string().nullable().optional(),
});
export type DocTask = z.infer<typeof DocTask>;

export const DocHistory = z.object({
  id: Id,
  happenedAt: Instant,
  kind: z.enum(ACTION_KINDS),
  outcome: z.enum(CALL_OUTCOMES).nullable().optional(),
  text: z.string(),
  initials: z.string(),
  unitId: Id.nullable().optional(),
  /** Set when the event is kept but could not take effect (a padlock already placed by someone else). */
  rejectedReason: z.string().nullable().optional(),
  /** The photos taken with it (padlock, opening, clearing), by SHA-256. */
  photos: z.array(Sha256).nullable().optional(),
  /** Only on the phone: made there and not yet confirmed by the server. */
  pending: z.boolean().optional(),
  /** The user who made it (null: the system): only they may correct it. */
  authorId: Id.nullable().optional(),
  /** Cancelled as a mistake by its author (initials) at `correctedAt`: shown struck through, counts for nothing. */
  correctedBy: z.string().nullable().optional(),
  correctedAt: Instant.nullable().optional(),
  /** A promise's date and amount: a new promise replaces the earlier ones, which were broken only if already late. */
  promise: z.object({ promisedOn: CalendarDate, amountCents: Cents }).nullable().optional(),
  /** A correction: the entry it cancels. */
  correctsId: Id.nullable().optional(),
});
export type DocHistory = z.infer<typeof DocHistory>;

/**
 * An older line in brief: what the phone's rules read of it (`linesForRules` in shared/floor/history.ts) — when
 * and who, a call's outcome, a promise's terms, a padlock's box and photos, whether it was refused or corrected.
 */
export const DocEarlier = DocHistory.pick({
  happenedAt: true,
  kind: true,
  outcome: true,
  initials: true,
  unitId: true,
  rejectedReason: true,
  photos: true,
  correctedAt: true,
  promise: true,
});
export type DocEarlier = z.infer<typeof DocEarlier>;

/** Who the customer is and how to reach them; `stop` and `segment` are the office's. */
export const CustomerFacts = z.object({
  ref: z.string(),
  name: z.string(),
  kind: z.enum(CUSTOMER_KINDS),
  phone: z.string().nullable().optional(),
  email: z.string().nullable().optional(),
  address: z.string().nullable().optional(),
  postalCode: z.string().nullable().optional(),
  city: z.string().nullable().optional(),
  paymentMethod: z.enum(PAYMENT_METHODS),
  segment: z.enum(SEGMENTS),
  /** On stop, in the billing software or by the office: no automatic step. */
  stop: z.boolean(),
  /** In dispute (*litige*) since when and why: no automatic step, no message, until the office lifts it. */
  dispute: z.object({ since: Instant, note: z.string() }).nullable().optional(),
  /** The open case was handed over to a bailiff or a collection agency: the engine leaves it alone. */
  handedOverAt: Instant.nullable().optional(),
});

export const DebtorDoc = CustomerFacts.extend({
  customerId: Id,
  case: z
    .object({
      id: Id,
      status: z.enum(CASE_STATUSES),
      openedOn: CalendarDate,
      anchorOn: CalendarDate,
      level: z.enum(LEVELS),
      stage: z.string().nullable().optional(),
      /**
       * What a box opening needs (`openingConditions`): the contract ended by the exit step, the formal notice (R3)
       * and the termination notice received (AR signed or unclaimed return: its day), their periods over.
       */
      exitDone: z.boolean().optional(),
      r3ReceivedOn: CalendarDate.nullable().optional(),
      noticeSent: z.boolean().optional(),
      noticeReceivedOn: CalendarDate.nullable().optional(),
    })
    .nullable(),
  balanceCents: Cents,
  units: z.array(DocUnit),
  tasks: z.array(DocTask),
  /** The latest promise to pay of the open case, if any. */
  promise: z.object({ promisedOn: CalendarDate, amountCents: Cents, madeAt: Instant }).nullable().optional(),
  invoices: z.array(z.object({ ref: z.string(), dueDate: CalendarDate, amountCents: Cents, paidCents: Cents })),
  /** Newest first: the `HISTORY_LISTED` newest lines, those the debtor screen lists (shared/floor/history.ts). */
  history: z.array(DocHistory),
  /**
   * Newest first: the older lines, up to the `HISTORY_READ` newest, that the phone's rules read (calls, promises,
   * padlock placements), in brief. Absent when there are none.
   */
  earlier: z.array(DocEarlier).optional(),
}).meta({ id: "DebtorDoc" });
export type DebtorDoc = z.infer<typeof DebtorDoc>;

export const PullBody = z
  .object({
    clientId: Id,
    /** Null on a first pull: the answer is then everything in scope. */
    cursor: z.string().max(200).nullable(),
    /** The `nextPage` of the previous answer while `hasMore`. */
    page: z.string().max(300).nullable().optional(),
    /** The `version` of the floor's templates the phone holds: the answer carries them when they changed. */
    templates: z.string().max(100).nullable().optional(),
    /** How many actions are still unsent on the phone, as with a push (the office sees the last count). */
    pending: z.number().int().min(0).optional(),
  })
  .meta({ id: "PullBody" });
export type PullBody = z.infer<typeof PullBody>;

export const PullResponse = z
  .object({
    /** True: drop every debtor you hold and keep only what this pull (and its next pages) sends. */
    reset: z.boolean(),
    docs: z.array(DebtorDoc),
    /** Customers to drop: no longer followed on the user's sites. */
    removed: z.array(Id),
    cursor: z.string(),
    hasMore: z.boolean(),
    nextPage: z.string().nullable(),
    /** The highest `seq` of this client the server has processed. */
    lastSeq: z.number().int(),
    asOf: CalendarDate,
    /** The floor's templates and sites, on the first page when the phone's copy is missing or out of date. */
    templates: FloorMessaging.optional(),
  })
  .meta({ id: "PullResponse" });
export type PullResponse = z.infer<typeof PullResponse>;

import { z } from "zod";
import { CALL_OUTCOMES, PHOTO_ROLES } from "../enums";
import { DISPOSAL_METHODS } from "../floor/opening";
import { CalendarDate, Id, Instant, Sha256 } from "./common";
import { NOTE_MAX_CHARS } from "./limits";

/**
 * Everything a phone can do, as sync mutations. A mutation is made on the phone (id = UUID v7, `seq` = the
 * phone's own counter, `happenedAt` = the phone's clock), saved in its outbox, and applied once by the server.
 * `v` is the schema version of the payload: a later version adds a new literal and the server upcasts the old.
 */
export const MUTATION_VERSION = 1;

const text = (max: number) => z.string().trim().min(1, "must not be empty").max(max);

/**
 * The camera's originals of the photos an action names, by the reduced photo's SHA-256 (`PhotoOriginal` in
 * shared/floor/original.ts): the original's SHA-256 and size, and the capture time and device its EXIF gave, read
 * on the phone before reducing it. Optional: actions queued by phones from before it still pass.
 */
const PhotoOriginal = z.object({
  sha256: Sha256,
  bytes: z.number().int().nonnegative(),
  capturedAt: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}([+-]\d{2}:\d{2}|Z)?$/, "capture time as the camera wrote it")
    .nullable(),
  device: z.string().max(120).nullable(),
});
const originals = (max: number) =>
  z
    .record(Sha256, PhotoOriginal)
    .refine((o) => Object.keys(o).length <= max, `at most ${max} originals`)
    .optional();

export const MUTATION_PAYLOADS = {
  /** A call made from the phone, with its outcome. Completes the customer's open call tasks. */
  "call.logged": z.object({ customerId: Id, outcome: z.enum(CALL_OUTCOMES), note: text(NOTE_MAX_CHARS).optional() }),
  "note.added": z.object({ customerId: Id, text: text(NOTE_MAX_CHARS) }),
  /** What the customer said, by any channel (at the desk, by phone, by e-mail). */
  "answer.logged": z.object({ customerId: Id, text: text(NOTE_MAX_CHARS) }),
  "promise.made": z.object({
    customerId: Id,
    promisedOn: CalendarDate,
    amountCents: z.number().int().positive().max(100_000_000),
    note: text(NOTE_MAX_CHARS).optional(),
  }),
  /**
   * An SMS or e-mail sent by the phone's own app from a template (the server could not send it). `templateLabel`:
   * the template's name as the phone showed it, for the history line.
   */
  "message.logged": z.object({ customerId: Id, channel: z.enum(["sms", "email"]), templateCode: text(60), templateLabel: text(120).optional(), text: text(2000) }),
  /** An SMS or e-mail for the server to send from a template. */
  "message.requested": z.object({ customerId: Id, channel: z.enum(["sms", "email"]), templateCode: text(60), templateLabel: text(120).optional() }),
  /**
   * `photos`: SHA-256 of the photos taken (the door with its number and the padlock), at least one: the padlock
   * is evidence. The bytes may reach the server after the mutation (`PUT /api/blobs/{sha256}`).
   */
  "padlock.placed": z.object({
    unitId: Id,
    padlockNumber: text(30).optional(),
    photos: z.array(Sha256).min(1, "at least one photo: the door with its number and the padlock").max(10),
    originals: originals(10),
  }),
  "padlock.removed": z.object({ unitId: Id, photos: z.array(Sha256).max(10).optional(), originals: originals(10) }),
  "gate.suspended": z.object({ unitId: Id }),
  "gate.restored": z.object({ unitId: Id }),
  "task.done": z.object({ taskId: Id, note: text(NOTE_MAX_CHARS).optional() }),
  /**
   * The Manager opened a box at the end of the procedure: the box number typed from the door (against a wrong
   * box), the witness (or bailiff), photos of the door, the cut lock and the contents, the inventory, the new padlock.
   */
  "box.opened": z.object({
    unitId: Id,
    confirmedNumber: text(20),
    /** A commissaire de justice (the default), or a plain witness where the operator allows one (`allowPlainWitness`). */
    witness: z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("bailiff"), name: text(120), office: text(160), reportRef: text(80) }),
      z.object({ kind: z.literal("plain"), name: text(120), role: text(120) }),
    ]),
    /**
     * Signatures drawn on the phone (PNG images, sent like photos and chained with them): the witness's, and the one
     * under the inventory.
     */
    signatures: z.object({ witness: Sha256, inventory: Sha256 }),
    photos: z
      .array(z.object({ sha256: Sha256, role: z.enum(PHOTO_ROLES) }))
      .min(4, "at least 4 photos: the door, the lock being cut, the contents")
      .max(40),
    originals: originals(40),
    inventory: text(4000),
    newPadlockNumber: text(30),
  }),
  /**
   * A floor entry made by mistake (a note, a call, an answer, a promise), cancelled by its author the same site
   * day. It carries no replacement: on a phone the user then records the right entry with the form they already
   * know, instead of a second copy of every form inside the correction. The entry stays in the history, struck.
   */
  "entry.corrected": z.object({ customerId: Id, actionId: Id }),
  /**
   * The box cleared: its contents disposed of (`method`: *mise à la benne*, sale, charity), once every photo of its
   * opening has reached the server, the office has recorded the legal basis and the keeping period is over.
   */
  "box.cleared": z.object({ unitId: Id, method: z.enum(DISPOSAL_METHODS), photos: z.array(Sha256).max(20).optional(), originals: originals(20), note: text(NOTE_MAX_CHARS).optional() }),
} as const;

export type MutationKind = keyof typeof MUTATION_PAYLOADS;
export const MUTATION_KINDS = Object.keys(MUTATION_PAYLOADS) as MutationKind[];
export type MutationPayload<K extends MutationKind> = z.infer<(typeof MUTATION_PAYLOADS)[K]>;

const envelope = {
  id: Id,
  seq: z.number().int().positive(),
  happenedAt: Instant,
  v: z.literal(MUTATION_VERSION),
};

function mutation<K extends MutationKind>(kind: K) {
  return z.object({ ...envelope, kind: z.literal(kind), payload: MUTATION_PAYLOADS[kind] });
}

export const Mutation = z
  .discriminatedUnion("kind", [
    mutation("call.logged"),
    mutation("note.added"),
    mutation("answer.logged"),
    mutation("promise.made"),
    mutation("message.logged"),
    mutation("message.requested"),
    mutation("padlock.placed"),
    mutation("padlock.removed"),
    mutation("gate.suspended"),
    mutation("gate.restored"),
    mutation("task.done"),
    mutation("box.opened"),
    mutation("box.cleared"),
    mutation("entry.corrected"),
  ])
  .meta({ id: "Mutation" });
export type Mutation = z.infer<typeof Mutation>;
export type MutationOf<K extends MutationKind> = Extract<Mutation, { kind: K }>;

export const PushBody = z
  .object({
    clientId: Id,
    mutations: z.array(Mutation).min(1).max(200),
    /** How many actions are still unsent on the phone (this batch included): the office sees it on *Comptes*. */
    pending: z.number().int().min(0).optional(),
  })
  .meta({ id: "PushBody" });
export type PushBody = z.infer<typeof PushBody>;

/** Why a mutation was refused, for the person who made it: `message` is French and shown as it is. */
export const Rejection = z.object({ code: z.string(), message: z.string() }).meta({ id: "Rejection" });
export type Rejection = z.infer<typeof Rejection>;

export const PushResult = z
  .object({
    id: Id,
    status: z.enum(["applied", "rejected", "duplicate"]),
    /** For a duplicate: what happened the first time. */
    original: z.enum(["applied", "rejected"]).optional(),
    reason: Rejection.optional(),
  })
  .meta({ id: "PushResult" });
export type PushResult = z.infer<typeof PushResult>;

export const PushResponse = z
  .object({ results: z.array(PushResult), lastSeq: z.number().int() })
  .meta({ id: "PushResponse" });
export type PushResponse = z.infer<typeof PushResponse>;

/**
 * A phone's report of the mutations it set aside after they met a server fault again and again (sent apart from
 * the failing push, so the office sees them). `pending`: how many actions the phone has not sent, these included.
 */
export const SetAsideBody = z
  .object({
    clientId: Id,
    mutations: z
      .array(
        z.object({
          id: Id,
          seq: z.number().int().positive(),
          kind: z.string().max(60),
          /** The action as the phone words it ("Note : …" for whom), so the office knows which one it is. */
          summary: z.string().max(300).optional(),
          faults: z.number().int().nonnegative(),
          lastError: z.string().max(500).nullable(),
        }),
      )
      .min(1)
      .max(200),
    pending: z.number().int().nonnegative().optional(),
  })
  .meta({ id: "SetAsideBody" });
export type SetAsideBody = z.infer<typeof SetAsideBody>;

/** One set-aside mutation as the office sees it; `processed` once a later try went through (how, and when). */
export const SetAsideItem = z
  .object({
    id: Id,
    clientId: Id,
    userId: Id,
    userName: z.string(),
    seq: z.number().int(),
    kind: z.string(),
    summary: z.string().nullable(),
    faults: z.number().int(),
    lastError: z.string().nullable(),
    firstReportedAt: Instant,
    reportedAt: Instant,
    /** How many actions were still waiting on that phone at its last report. */
    pendingOnPhone: z.number().int().nullable(),
    processed: z.object({ outcome: z.enum(["applied", "rejected"]), at: Instant }).nullable(),
  })
  .meta({ id: "SetAsideItem" });
export type SetAsideItem = z.infer<typeof SetAsideItem>;

export const SetAsideList = z.object({ items: z.array(SetAsideItem) }).meta({ id: "SetAsideList" });
export type SetAsideList = z.infer<typeof SetAsideList>;

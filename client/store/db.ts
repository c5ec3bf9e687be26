import Dexie, { type DexieOptions, type Table } from "dexie";
import type { PhotoRole } from "../../shared/enums";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import type { FloorMessaging } from "../../shared/schemas/templates";
import type { ActorContext } from "../../shared/floor/apply";
import type { PhotoOriginal } from "../../shared/floor/original";
import { STORE_NAME } from "./peek";
import type { Mutation, Rejection } from "../../shared/schemas/mutations";

// The phone's store, and the only code that touches IndexedDB. Opened with strict durability: a tap the user
// saw saved must survive the battery dying the next second.

/** A debtor as the server last sent it (`base`) and as the phone shows it with its unsent actions (`view`). */
export interface DebtorRow {
  customerId: string;
  base: DebtorDoc;
  /** `base` with the pending mutations laid over it; null when nothing is pending for this debtor. */
  view: DebtorDoc | null;
  unitIds: string[];
  taskIds: string[];
  /**
   * New each time the row is written (`stampRow`, stamp.ts): a screen may keep what it computed from a row while
   * its stamp stays the same. Rows stored before stamps existed have none, and are computed again each time.
   */
  stamp?: string;
}

/**
 * A mutation waiting for the server. `acked`: the server has it; kept until a pull brings its effect.
 * `set-aside`: the server faulted on it again and again (`faults`); it no longer holds the others back, is shown
 * to the user, reported to the office, and tried again at each app start and every hour. Never dropped.
 */
export type OutboxEntry = Mutation & {
  userId: string;
  /** Who made it and the site's time zone, to lay it over the debtor the same way every time. */
  actor: ActorContext;
  customerId: string | null;
  status: "pending" | "acked" | "set-aside";
  attempts: number;
  lastError: string | null;
  /** Server faults named on this mutation (a 5xx answer naming it); absent on entries made before faults were counted. */
  faults?: number;
  setAsideAt?: string | null;
  /** Whether the office has been told of its set-aside with the current `faults`. */
  reported?: boolean;
};

/** A mutation the server refused: kept, with why, until the user has read it. */
export type RejectedEntry = Mutation & {
  userId: string;
  customerId: string | null;
  /** The history line the phone showed for it, so the user knows which action this was. */
  summary: string;
  reason: Rejection;
  rejectedAt: string;
};

/** Photo bytes as ArrayBuffer (WebKit loses Blobs in IndexedDB), apart from their state so a progress bar never reads them. */
export interface BlobRow {
  sha256: string;
  bytes: ArrayBuffer;
  mime: string;
  createdAt: string;
}

/**
 * A photo taken on this phone and where it stands: `draft` while the form it was taken in is open (`draftKey`
 * says which, so an interrupted box opening finds its photos again), `queued` once the action that references
 * it is saved, `sent` when the server holds the same SHA-256, `refused` when the server said why not (the bytes
 * are kept: a photo is never thrown away by the phone on its own).
 */
export interface PhotoRow {
  sha256: string;
  state: "draft" | "queued" | "sent" | "refused";
  draftKey: string | null;
  /** What it shows in a box opening: the door, the lock being cut, the contents. */
  role: PhotoRole | null;
  mime: string;
  width: number;
  height: number;
  size: number;
  /** Bytes the server is known to hold. */
  sent: number;
  createdAt: string;
  sentAt: string | null;
  error: string | null;
  /** The camera's original before reducing (SHA-256, size, EXIF capture time and device); none for a drawn signature. */
  original?: PhotoOriginal;
  /** A refused photo the user has read about: the status bar stops naming it (the photo still shows "refusée"). */
  refusalSeen?: boolean;
}

export interface MetaRow {
  key: string;
  value: unknown;
}

export class CadenasDB extends Dexie {
  debtors!: Table<DebtorRow, string>;
  outbox!: Table<OutboxEntry, number>;
  rejected!: Table<RejectedEntry, string>;
  blobs!: Table<BlobRow, string>;
  photos!: Table<PhotoRow, string>;
  meta!: Table<MetaRow, string>;

  constructor(name = STORE_NAME, options: DexieOptions = {}) {
    // No query cache: Dexie's default deep-copies every live query's answer (after IndexedDB has copied it once),
    // which doubled the cost of reading thousands of debtors on a phone; the screens never use its optimistic answers.
    super(name, { chromeTransactionDurability: "strict", cache: "disabled", ...options });
    this.version(1).stores({
      debtors: "customerId, *unitIds, *taskIds",
      outbox: "seq, &id, status, customerId, userId",
      rejected: "id, seq, userId",
      blobs: "sha256",
      meta: "key",
    });
    this.version(2).stores({ photos: "sha256, state, draftKey" });
  }
}

/** The meta keys, and what they hold. */
export interface Meta {
  /** This phone's sync id for `userId`; a new user on the phone gets a new one. */
  clientId: string;
  userId: string;
  /** The last `seq` given to a mutation. */
  seq: number;
  cursor: string | null;
  lastSyncAt: string | null;
  /** Why the last sync did not finish, for the status bar; null when it did. */
  syncProblem: string | null;
  /** How the last sync pass ended: "offline" while the server cannot be reached. */
  lastOutcome: "synced" | "offline" | "signed-out" | "failed";
  /** The office's templates offered on the message sheet, and the sites they name (from the last pull that had them). */
  floorMessaging: FloorMessaging | null;
}

export async function getMeta<K extends keyof Meta>(db: CadenasDB, key: K): Promise<Meta[K] | undefined> {
  return (await db.meta.get(key))?.value as Meta[K] | undefined;
}

export async function setMeta<K extends keyof Meta>(db: CadenasDB, key: K, value: Meta[K]): Promise<void> {
  await db.meta.put({ key, value });
}

/**
 * Writes a meta key only when its value changes: every write wakes the live queries that read the key, and some of
 * them read much more after it (*Aujourd'hui*'s list reads every debtor when the cursor or the pass's outcome may
 * have moved). A sync pass that finds nothing new then wakes nothing.
 */
export async function updateMeta<K extends keyof Meta>(db: CadenasDB, key: K, value: Meta[K]): Promise<void> {
  const stored = await getMeta(db, key);
  if (stored === undefined || JSON.stringify(stored) !== JSON.stringify(value)) await setMeta(db, key, value);
}

import { randomBytes } from "node:crypto";
import { and, eq, gt, inArray, lt, sql } from "drizzle-orm";
import { tooManyAttempts } from "../../shared/throttle";
import { recordAudit, type AuditEntry } from "../audit/audit";
import type { Database } from "../db/client";
import { AppError } from "../errors";
import { signInDevices, signInThrottle } from "./security.sql";
import { hashToken } from "./sessions";

// Sign-in attempts slow down instead of locking: past a few failures for a key, the next attempt for it waits a
// delay that doubles with each further failure (up to a cap), and while it waits the password is not even looked
// at. Keys are counted in the database (`sign_in_throttle`), one UPSERT per failure, so every API process shares
// them and two processes counting at once never lose a failure.
//
// "The right place" is a browser that signed in to the account before: it holds a device cookie, and the
// account-wide key does not slow it down (its own address's keys still do). An address that signed in before is
// not a proof: a 4G carrier puts thousands of phones behind one address, an attacker among them.

/** How one kind of key slows down. */
export interface SlowDown {
  /** Failures allowed before any wait. */
  free: number;
  /** The wait after failure number `free`; each further failure doubles it, up to `maxMs`. */
  firstMs: number;
  maxMs: number;
  /** A key with no failure for this long is forgiven: it counts from zero again. Never shorter than `maxMs`. */
  forgiveAfterMs: number;
}

const MINUTE = 60_000;

export const SIGN_IN_LIMITS = {
  /** The account from anywhere: room for a person trying their passwords from a new phone. */
  account: { free: 10, firstMs: 1_000, maxMs: 15 * MINUTE, forgiveAfterMs: 60 * MINUTE },
  /** The account from one address: the narrowest key, the first to slow down. */
  pair: { free: 5, firstMs: 1_000, maxMs: 15 * MINUTE, forgiveAfterMs: 60 * MINUTE },
  /** One address across every account (credential stuffing): more room — an office shares one address — then steeper. */
  address: { free: 25, firstMs: 5_000, maxMs: 15 * MINUTE, forgiveAfterMs: 60 * MINUTE },
} satisfies Record<string, SlowDown>;

/** "Mot de passe oublié": every request counts, whatever came of it, so that nobody floods a mailbox with links. */
export const FORGOT_LIMITS = {
  account: { free: 3, firstMs: 5 * MINUTE, maxMs: 60 * MINUTE, forgiveAfterMs: 60 * MINUTE },
  address: { free: 20, firstMs: MINUTE, maxMs: 60 * MINUTE, forgiveAfterMs: 60 * MINUTE },
} satisfies Record<string, SlowDown>;

/** Rows with no failure for this long are deleted (every rule forgives them well before). */
const PRUNE_AFTER_MS = 24 * 60 * MINUTE;

export interface ThrottleKey {
  key: string;
  rule: SlowDown;
}

/** The wait after `failures` failures for a key: none within the free ones, then doubling up to the cap. */
export function delayAfter(failures: number, rule: SlowDown): number {
  if (failures < rule.free) return 0;
  return Math.min(rule.maxMs, rule.firstMs * 2 ** Math.min(failures - rule.free, 40));
}

/**
 * The keys of a sign-in (or of a password change, which checks the current password): the account, the account from
 * this address, this address. `recognised`: the browser holds this account's device cookie, so the account-wide
 * key does not hold it back — its failures still count there.
 */
export function signInKeys(email: string, address: string, recognised: boolean): { check: ThrottleKey[]; count: ThrottleKey[] } {
  const account = { key: `account:${email}`, rule: SIGN_IN_LIMITS.account };
  const pair = { key: `pair:${email}|${address}`, rule: SIGN_IN_LIMITS.pair };
  const from = { key: `address:${address}`, rule: SIGN_IN_LIMITS.address };
  return { check: recognised ? [pair, from] : [account, pair, from], count: [account, pair, from] };
}

export function signInPairKey(email: string, address: string): ThrottleKey {
  return signInKeys(email, address, false).count[1]!;
}

export function forgotKeys(email: string, address: string): ThrottleKey[] {
  return [
    { key: `forgot:account:${email}`, rule: FORGOT_LIMITS.account },
    { key: `forgot:address:${address}`, rule: FORGOT_LIMITS.address },
  ];
}

export interface Wait {
  key: string;
  failures: number;
  blockedUntil: string;
  seconds: number;
}

/** The longest wait among these keys at `now`, or null when none is waiting. */
export async function currentWait(db: Database, keys: readonly ThrottleKey[], now: Date): Promise<Wait | null> {
  if (keys.length === 0) return null;
  const rows = await db
    .select()
    .from(signInThrottle)
    .where(and(inArray(signInThrottle.key, keys.map((k) => k.key)), gt(signInThrottle.blockedUntil, now.toISOString())));
  let longest: Wait | null = null;
  for (const row of rows) {
    const seconds = Math.ceil((Date.parse(row.blockedUntil!) - now.getTime()) / 1000);
    if (seconds > 0 && (!longest || seconds > longest.seconds)) longest = { key: row.key, failures: row.failures, blockedUntil: row.blockedUntil!, seconds };
  }
  return longest;
}

export interface Refusal {
  /** The audit line written for the first refused attempt of each wait (not for each: a flood would bloat the log). */
  audit: Omit<AuditEntry, "details"> & { details?: Record<string, unknown> };
  /** The 429's message for this many seconds. */
  message?: (seconds: number) => string;
}

/** Answers 429 with `Retry-After` while any of these keys waits; nothing else of the request is looked at. */
export async function refuseWhileWaiting(db: Database, keys: readonly ThrottleKey[], now: Date, refusal: Refusal): Promise<void> {
  const wait = await currentWait(db, keys, now);
  if (!wait) return;
  if (await firstRefusalOf(db, wait, now)) {
    await recordAudit(db, { ...refusal.audit, details: { ...refusal.audit.details, key: wait.key.split(":")[0], failures: wait.failures, blockedUntil: wait.blockedUntil } });
  }
  const message = (refusal.message ?? tooManyAttempts)(wait.seconds);
  throw new AppError("RATE_LIMITED", message, { retryAfterSeconds: wait.seconds }, { "Retry-After": String(wait.seconds) });
}

/**
 * Whether this is the first refused attempt of this wait, claimed atomically in a `refused:<key>` row holding the
 * wait's end: only the process whose UPSERT changes it (or creates it) writes the audit line.
 */
async function firstRefusalOf(db: Database, wait: Wait, now: Date): Promise<boolean> {
  const claimed = await db
    .insert(signInThrottle)
    .values({ key: `refused:${wait.key}`, failures: 1, lastFailureAt: now.toISOString(), blockedUntil: wait.blockedUntil })
    .onConflictDoUpdate({
      target: signInThrottle.key,
      set: { failures: sql`${signInThrottle.failures} + 1`, lastFailureAt: now.toISOString(), blockedUntil: wait.blockedUntil },
      setWhere: sql`${signInThrottle.blockedUntil} IS NOT ${wait.blockedUntil}`,
    })
    .returning({ key: signInThrottle.key });
  return claimed.length > 0;
}

/**
 * Counts a failure for each key, each in one UPSERT: the count starts again at 1 when the last failure is older
 * than the rule forgives, and the wait's end is picked from the rule's table by the new count inside the same
 * statement — no read-then-write that a second process could slip between. Old rows are pruned on the way.
 */
export async function recordFailures(db: Database, keys: readonly ThrottleKey[], now: Date): Promise<void> {
  const at = now.toISOString();
  for (const { key, rule } of keys) {
    const ends = waitEnds(rule, now);
    const forgiveBefore = new Date(now.getTime() - rule.forgiveAfterMs).toISOString();
    const count = sql`(CASE WHEN ${signInThrottle.lastFailureAt} < ${forgiveBefore} THEN 1 ELSE ${signInThrottle.failures} + 1 END)`;
    await db
      .insert(signInThrottle)
      .values({ key, failures: 1, lastFailureAt: at, blockedUntil: ends[1] ?? null })
      .onConflictDoUpdate({
        target: signInThrottle.key,
        set: {
          failures: count,
          lastFailureAt: at,
          // CAST: a bound JS number arrives as a REAL, and `$[15.0]` is no JSON path.
          blockedUntil: sql`json_extract(${JSON.stringify(ends)}, '$[' || CAST(min(${count}, ${ends.length - 1}) AS INTEGER) || ']')`,
        },
      });
  }
  await db.delete(signInThrottle).where(lt(signInThrottle.lastFailureAt, new Date(now.getTime() - PRUNE_AFTER_MS).toISOString()));
}

/** `ends[n]`: when the wait after `n` failures ends (null: no wait), up to the first count the cap is reached at. */
function waitEnds(rule: SlowDown, now: Date): (string | null)[] {
  const ends: (string | null)[] = [null];
  for (let n = 1; ; n++) {
    const delay = delayAfter(n, rule);
    ends.push(delay > 0 ? new Date(now.getTime() + delay).toISOString() : null);
    if (delay >= rule.maxMs) return ends;
  }
}

/** Forgets these keys' failures (a successful sign-in clears its own place's key). */
export async function forgiveKeys(db: Database, keys: readonly ThrottleKey[]): Promise<void> {
  if (keys.length > 0) await db.delete(signInThrottle).where(inArray(signInThrottle.key, keys.map((k) => k.key)));
}

// --- the device cookie ---

export const DEVICE_COOKIE = "cadenas_device";
/** A device is remembered for a year after its last sign-in (browsers cap cookies at 400 days). */
export const DEVICE_DAYS = 365;

/**
 * A device row is the SHA-256 of the user's id and the browser's token: one cookie per browser vouches for every
 * account signed in from it (an office PC shared by two people), and the database alone proves nothing.
 */
function deviceId(userId: string, token: string): string {
  return hashToken(`${userId}:${token}`);
}

/** Whether the browser's device token is one this user signed in with before. */
export async function isKnownDevice(db: Database, userId: string | undefined, token: string | undefined): Promise<boolean> {
  if (!userId || !token || token.length > 100) return false;
  const [row] = await db.select({ id: signInDevices.id }).from(signInDevices).where(eq(signInDevices.id, deviceId(userId, token))).limit(1);
  return row !== undefined;
}

/**
 * Remembers the browser as a place this user signs in from, after a successful sign-in: keeps its token when it has
 * one (its other accounts stay recognised), else makes one; the cookie's year starts again. Devices unused for a
 * year are dropped on the way.
 */
export async function rememberDevice(db: Database, userId: string, presented: string | undefined, now: Date): Promise<{ token: string; expiresAt: Date }> {
  const token = presented && /^[A-Za-z0-9_-]{43}$/.test(presented) ? presented : randomBytes(32).toString("base64url");
  const at = now.toISOString();
  await db
    .insert(signInDevices)
    .values({ id: deviceId(userId, token), userId, createdAt: at, lastUsedAt: at })
    .onConflictDoUpdate({ target: signInDevices.id, set: { lastUsedAt: at } });
  const expiresAt = new Date(now.getTime() + DEVICE_DAYS * 86_400_000);
  await db.delete(signInDevices).where(lt(signInDevices.lastUsedAt, new Date(now.getTime() - DEVICE_DAYS * 86_400_000).toISOString()));
  return { token, expiresAt };
}

import { createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { and, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import { generateSecret, generateURI, verify } from "otplib";
import QRCode from "qrcode";
import type { SessionUser } from "../../shared/schemas/auth";
import { RECOVERY_CODE_COUNT, twoFactorAvailableTo, twoFactorRequiredFor, type EnrolmentSecret, type TwoFactorStatus, type TwoFactorStep } from "../../shared/schemas/two-factor";
import { recordAudit } from "../audit/audit";
import type { Services } from "../context";
import type { Database, Transaction } from "../db/client";
import { loadSettings } from "../engine/settings";
import { AppError } from "../errors";
import { users } from "./auth.sql";
import { verifyPassword } from "./password";
import { recoveryCodes, signInChallenges } from "./security.sql";
import { hashToken } from "./sessions";
import { isKnownDevice, recordFailures, refuseWhileWaiting, signInKeys } from "./sign-in-throttle";

// Two-factor sign-in with TOTP (RFC 6238: 6 digits, 30 s steps, SHA-1, as every authenticator app reads them).
// A code is accepted one step early or late (a phone's clock drifts) and once only: the step it was accepted at is
// kept (`users.totpLastStep`) and an older or equal one is refused. Recovery codes are stored hashed and spent once.
// Time is always passed in (the server's clock, `services.clock`), never read here.
// Secrets and codes go nowhere but the user's row and the answer that shows them once: not in a log, not in the
// audit log.

export const TOTP_ISSUER = "Cadenas";
const TOTP_PERIOD_SECONDS = 30;
/** A second step stays open this long after the password was right. */
export const CHALLENGE_MINUTES = 5;
/**
 * Wrong codes one challenge takes before it is dead (sign in again from the password). Every wrong code also counts
 * as a failed sign-in for the account and the address (`sign-in-throttle.ts`), which a right password does not
 * forgive: someone who knows the password cannot open challenge after challenge to try a million codes, and the
 * account's own browsers are not slowed down by it.
 */
export const CHALLENGE_MAX_ATTEMPTS = 5;
/** Dead challenges are dropped this long after they expired. */
const CHALLENGE_KEEP_MINUTES = 60;
const NOT_FOR_THE_FLOOR = "La double authentification concerne les comptes du bureau et des Managers.";
/** Crockford's base 32: no I, L, O, U, which read like 1, 1, 0, V. */
const RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const RECOVERY_CODE_LENGTH = 10;

type Db = Database | Transaction;
type UserRow = typeof users.$inferSelect;

/** Where a code comes from: the client's address and the browser's device cookie (`sign-in-throttle.ts`). */
export interface CodeOrigin {
  address: string;
  device: string | undefined;
}

/** What a typed code is, once spaces and dashes are dropped: an app's TOTP, a recovery code, or neither. */
export type TypedCode = { kind: "totp"; code: string } | { kind: "recovery"; code: string } | { kind: "invalid" };

export function readCode(input: string): TypedCode {
  const code = input.replace(/[\s-]/g, "").toUpperCase();
  if (/^\d{6}$/.test(code)) return { kind: "totp", code };
  if (code.length === RECOVERY_CODE_LENGTH && [...code].every((ch) => RECOVERY_ALPHABET.includes(ch))) return { kind: "recovery", code };
  return { kind: "invalid" };
}

/** A new TOTP secret: 20 random bytes (160 bits, as RFC 4226 recommends), in base 32. */
export function newTotpSecret(): string {
  return generateSecret();
}

/** The `otpauth://` link an authenticator app reads from the QR code: issuer Cadenas, the user's e-mail as label. */
export function otpauthUrl(secret: string, email: string): string {
  return generateURI({ issuer: TOTP_ISSUER, label: email, secret });
}

/** The secret as the enrolment screen shows it: a QR code (SVG data URL), the link, the text to type by hand. */
export async function enrolmentSecret(secret: string, email: string): Promise<EnrolmentSecret> {
  const url = otpauthUrl(secret, email);
  // Drawn here rather than on the phone: the QR code library never reaches the client's bundles.
  const svg = await QRCode.toString(url, { type: "svg", margin: 2, errorCorrectionLevel: "M" });
  return { secret: groupsOf4(secret), otpauthUrl: url, qrCode: `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}` };
}

/**
 * The time step at which `code` is valid for `secret` at instant `at` (one step of drift either way), or null when
 * it is not — or when that step is not after `lastStep`, the last one accepted (a code is used once).
 */
export async function totpStep(secret: string, code: string, at: Date, lastStep: number | null): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  try {
    const result = await verify({
      secret,
      token: code,
      epoch: Math.floor(at.getTime() / 1000),
      epochTolerance: TOTP_PERIOD_SECONDS,
      ...(lastStep === null ? {} : { afterTimeStep: lastStep }),
    });
    return result.valid && "timeStep" in result ? result.timeStep : null;
  } catch {
    return null;
  }
}

/** Ten new recovery codes, `ABCDE-FGHJK`: 50 random bits each. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: RECOVERY_CODE_LENGTH }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join("");
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** A recovery code as stored: SHA-256 of the user's id and the code without its dash (the id keeps equal codes apart). */
export function hashRecoveryCode(userId: string, code: string): string {
  const plain = readCode(code);
  return createHash("sha256").update(`${userId}:${plain.kind === "recovery" ? plain.code : code}`).digest("hex");
}

/** Which of the stored hashes `code` matches, compared in constant time; null when none. */
export function matchRecoveryCode<T extends { codeHash: string }>(userId: string, code: string, stored: readonly T[]): T | null {
  const wanted = Buffer.from(hashRecoveryCode(userId, code), "hex");
  let found: T | null = null;
  for (const row of stored) {
    const candidate = Buffer.from(row.codeHash, "hex");
    if (candidate.length === wanted.length && timingSafeEqual(candidate, wanted)) found = row;
  }
  return found;
}

// ---------------------------------------------------------------------------------------------------------------
// Sign-in: the second step after the password.

/**
 * What sign-in asks once the password was right: the code, for a user with a second factor; setting one up, for an
 * office or Manager user without one when the operator requires it; nothing (null: open the session) otherwise.
 */
export async function secondFactorStep(services: Services, user: UserRow): Promise<TwoFactorStep | null> {
  const { db, clock } = services;
  if (user.totpSecret) return { twoFactor: "code", challenge: await openChallenge(db, user.id, "code", clock.now()) };
  const settings = await loadSettings(db);
  if (twoFactorRequiredFor(user.role, settings.twoFactorRequired)) return { twoFactor: "enrol", challenge: await openChallenge(db, user.id, "enrol", clock.now()) };
  return null;
}

/** How the second step was passed, for the audit line of the sign-in. */
export type SignInMethod = "totp" | "recovery_code";

/**
 * Checks the code given for a `code` challenge. Right: the challenge is spent and the user returned (the caller
 * opens the session). Wrong: counted against the challenge and the user, audited, refused (401); the challenge dies
 * after 5 wrong codes (410), and 10 wrong codes in 15 minutes make every code wait (429).
 */
export async function passCodeChallenge(services: Services, token: string, typed: string, origin: CodeOrigin): Promise<{ user: UserRow; method: SignInMethod }> {
  const { db, clock } = services;
  const now = clock.now();
  const { challenge, user } = await liveChallenge(db, token, "code", now);
  const keys = await throttleKeys(db, user, origin);
  await refuseWhileWaiting(db, keys.check, now, { audit: { event: "auth.login_slowed", userId: user.id, address: origin.address, details: { email: user.email, step: "code" } } });
  const method = await checkSecondFactor(db, user, typed, now);
  if (!method) {
    const left = await countWrongCode(db, challenge.id);
    await recordFailures(db, keys.count, now);
    await recordAudit(db, { event: "auth.login_failed", userId: user.id, address: origin.address, details: { email: user.email, reason: "wrong_second_factor" } });
    throw wrongCode(left);
  }
  if (!(await spendChallenge(db, challenge.id))) throw staleChallenge();
  if (method === "recovery_code") await auditRecoveryCodeUsed(db, user.id, origin.address);
  return { user, method };
}

/** The secret to set up during sign-in: made at the first call, the same one after (a reload shows the same QR code). */
export async function startSignInEnrolment(services: Services, token: string): Promise<EnrolmentSecret> {
  const { db, clock } = services;
  const { challenge, user } = await liveChallenge(db, token, "enrol", clock.now());
  let secret = challenge.pendingSecret;
  if (!secret) {
    secret = newTotpSecret();
    await db.update(signInChallenges).set({ pendingSecret: secret }).where(and(eq(signInChallenges.id, challenge.id), isNull(signInChallenges.pendingSecret)));
    // Two tabs asking at once: the one stored wins, and both show it.
    const [row] = await db.select({ pendingSecret: signInChallenges.pendingSecret }).from(signInChallenges).where(eq(signInChallenges.id, challenge.id));
    secret = row?.pendingSecret ?? secret;
  }
  return enrolmentSecret(secret, user.email);
}

/**
 * Finishes setting up the authenticator during sign-in: the first code it shows proves it reads the secret; the
 * second factor is on, the recovery codes made (returned once), the challenge spent. The caller opens the session.
 */
export async function passEnrolChallenge(services: Services, token: string, typed: string, address: string): Promise<{ user: UserRow; recoveryCodes: string[] }> {
  const { db, clock } = services;
  const now = clock.now();
  const { challenge, user } = await liveChallenge(db, token, "enrol", now);
  if (!challenge.pendingSecret) throw new AppError("CONFLICT", "Affichez d'abord le code QR à scanner.");
  const typedCode = readCode(typed);
  const step = typedCode.kind === "totp" ? await totpStep(challenge.pendingSecret, typedCode.code, now, null) : null;
  if (step === null) {
    const left = await countWrongCode(db, challenge.id);
    throw wrongCode(left, "Code incorrect : vérifiez que l'application affiche le code de Cadenas et que l'heure du téléphone est juste.");
  }
  const recoveryCodes = await db.transaction(async (tx) => {
    const [spent] = await tx.delete(signInChallenges).where(eq(signInChallenges.id, challenge.id)).returning({ id: signInChallenges.id });
    if (!spent) throw staleChallenge();
    return turnOn(tx, user, challenge.pendingSecret!, step, now, address, "sign_in");
  });
  return { user, recoveryCodes };
}

// ---------------------------------------------------------------------------------------------------------------
// "Mon compte": one's own second factor.

export async function twoFactorStatus(db: Db, me: SessionUser): Promise<TwoFactorStatus> {
  const user = await userRow(db, me.id);
  const settings = await loadSettings(db);
  const [left] = await db
    .select({ n: sql<number>`count(*)` })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, me.id), isNull(recoveryCodes.usedAt)));
  return {
    enabled: user.totpSecret !== null,
    enabledAt: user.totpSecret ? user.totpEnabledAt : null,
    recoveryCodesLeft: user.totpSecret ? Number(left?.n ?? 0) : 0,
    available: twoFactorAvailableTo(user.role) || user.totpSecret !== null,
    required: twoFactorRequiredFor(user.role, settings.twoFactorRequired),
  };
}

/**
 * Starts turning two factors on from "Mon compte": a new secret kept server-side (a challenge row whose token is
 * thrown away, so it can never serve to sign in) until a code proves the app reads it.
 */
export async function startEnrolment(services: Services, me: SessionUser): Promise<EnrolmentSecret> {
  const { db, clock } = services;
  const user = await userRow(db, me.id);
  if (!twoFactorAvailableTo(user.role)) throw new AppError("FORBIDDEN", NOT_FOR_THE_FLOOR);
  if (user.totpSecret) throw new AppError("CONFLICT", "La double authentification est déjà activée.");
  const now = clock.now();
  const secret = newTotpSecret();
  await db.delete(signInChallenges).where(and(eq(signInChallenges.userId, user.id), eq(signInChallenges.purpose, "enrol")));
  await db.insert(signInChallenges).values({
    id: hashToken(randomBytes(32).toString("base64url")),
    userId: user.id,
    purpose: "enrol",
    pendingSecret: secret,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 15 * 60_000).toISOString(),
  });
  return enrolmentSecret(secret, user.email);
}

/** Turns two factors on with the first code of the app just set up; returns the recovery codes (shown once). */
export async function enable(services: Services, me: SessionUser, typed: string, address: string): Promise<string[]> {
  const { db, clock } = services;
  const now = clock.now();
  const user = await userRow(db, me.id);
  if (!twoFactorAvailableTo(user.role)) throw new AppError("FORBIDDEN", NOT_FOR_THE_FLOOR);
  if (user.totpSecret) throw new AppError("CONFLICT", "La double authentification est déjà activée.");
  const [pending] = await db
    .select()
    .from(signInChallenges)
    .where(and(eq(signInChallenges.userId, user.id), eq(signInChallenges.purpose, "enrol"), gt(signInChallenges.expiresAt, now.toISOString()), lt(signInChallenges.attempts, CHALLENGE_MAX_ATTEMPTS)))
    .orderBy(sql`${signInChallenges.createdAt} desc`)
    .limit(1);
  if (!pending?.pendingSecret) throw staleChallenge("Le code QR affiché a expiré : recommencez l'activation.");
  const typedCode = readCode(typed);
  const step = typedCode.kind === "totp" ? await totpStep(pending.pendingSecret, typedCode.code, now, null) : null;
  if (step === null) throw wrongCode(await countWrongCode(db, pending.id), "Code incorrect : vérifiez que l'application affiche le code de Cadenas et que l'heure du téléphone est juste.");
  return db.transaction(async (tx) => {
    const [spent] = await tx.delete(signInChallenges).where(eq(signInChallenges.id, pending.id)).returning({ id: signInChallenges.id });
    if (!spent) throw staleChallenge("Le code QR affiché a expiré : recommencez l'activation.");
    return turnOn(tx, user, pending.pendingSecret!, step, now, address, "account");
  });
}

/** New recovery codes (the old ones stop working), against a current code. */
export async function regenerateRecoveryCodes(services: Services, me: SessionUser, typed: string, origin: CodeOrigin): Promise<string[]> {
  const { db, clock } = services;
  const now = clock.now();
  const user = await userRow(db, me.id);
  if (!user.totpSecret) throw new AppError("CONFLICT", "La double authentification n'est pas activée.");
  const keys = await throttleKeys(db, user, origin);
  await refuseWhileWaiting(db, keys.check, now, { audit: { event: "auth.login_slowed", userId: user.id, address: origin.address, details: { email: user.email, step: "account" } } });
  await proveSecondFactor(db, user, typed, now, origin.address, keys.count);
  return db.transaction(async (tx) => {
    const codes = await replaceRecoveryCodes(tx, user.id, now);
    await recordAudit(tx, { event: "auth.recovery_codes_regenerated", userId: user.id, address: origin.address, entity: "user", entityId: user.id, details: { count: codes.length } });
    return codes;
  });
}

/** Turns two factors off, against the password and a current code; refused while the operator requires them. */
export async function disable(services: Services, me: SessionUser, body: { password: string; code: string }, origin: CodeOrigin): Promise<void> {
  const { db, clock } = services;
  const now = clock.now();
  const user = await userRow(db, me.id);
  if (!user.totpSecret) return;
  const settings = await loadSettings(db);
  if (twoFactorRequiredFor(user.role, settings.twoFactorRequired)) {
    throw new AppError("CONFLICT", "Le bureau exige la double authentification pour votre rôle : elle ne peut pas être désactivée.");
  }
  const keys = await throttleKeys(db, user, origin);
  await refuseWhileWaiting(db, keys.check, now, { audit: { event: "auth.login_slowed", userId: user.id, address: origin.address, details: { email: user.email, step: "account" } } });
  if (!(await verifyPassword(body.password, user.passwordHash))) {
    await recordFailures(db, keys.count, now);
    const message = "Mot de passe incorrect.";
    throw new AppError("INVALID_CREDENTIALS", message, { issues: [{ path: "password", message }] });
  }
  await proveSecondFactor(db, user, body.code, now, origin.address, keys.count);
  await db.transaction(async (tx) => {
    await clearSecondFactor(tx, user.id, now);
    await recordAudit(tx, { event: "auth.totp_disabled", userId: user.id, address: origin.address, entity: "user", entityId: user.id, details: { by: "self" } });
  });
}

/**
 * The office turns off another user's second factor (a lost phone): they sign in with their password alone, and set
 * an app up again at their next sign-in if the operator requires it.
 */
export async function resetSecondFactor(db: Database, actor: { user: SessionUser; address: string }, targetId: string, now: Date): Promise<void> {
  if (actor.user.role !== "office") throw new AppError("FORBIDDEN", "Seul le bureau réinitialise la double authentification d'un compte.");
  const [target] = await db.select().from(users).where(eq(users.id, targetId)).limit(1);
  if (!target) throw new AppError("NOT_FOUND", "Compte introuvable.");
  if (target.id === actor.user.id) throw new AppError("CONFLICT", "Pour votre propre compte, passez par « Mon compte ».");
  if (!target.totpSecret) throw new AppError("CONFLICT", "Ce compte n'a pas de double authentification.");
  await db.transaction(async (tx) => {
    await clearSecondFactor(tx, target.id, now);
    await recordAudit(tx, { event: "auth.totp_disabled", userId: actor.user.id, address: actor.address, entity: "user", entityId: target.id, details: { by: "office", email: target.email } });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers.

async function openChallenge(db: Db, userId: string, purpose: "code" | "enrol", now: Date): Promise<string> {
  await db.delete(signInChallenges).where(lt(signInChallenges.expiresAt, new Date(now.getTime() - CHALLENGE_KEEP_MINUTES * 60_000).toISOString()));
  const token = randomBytes(32).toString("base64url");
  await db.insert(signInChallenges).values({
    id: hashToken(token),
    userId,
    purpose,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + CHALLENGE_MINUTES * 60_000).toISOString(),
  });
  return token;
}

/** The challenge behind a token and its user, if still open (not expired, not spent, wrong codes left, user active). */
async function liveChallenge(db: Db, token: string, purpose: "code" | "enrol", now: Date) {
  const [row] = await db
    .select({ challenge: signInChallenges, user: users })
    .from(signInChallenges)
    .innerJoin(users, eq(users.id, signInChallenges.userId))
    .where(and(eq(signInChallenges.id, hashToken(token)), eq(signInChallenges.purpose, purpose)))
    .limit(1);
  if (!row || !row.user.active || row.challenge.expiresAt <= now.toISOString() || row.challenge.attempts >= CHALLENGE_MAX_ATTEMPTS) throw staleChallenge();
  // The second factor was reset, or set up elsewhere, since the password step: start again from the password.
  if ((purpose === "code") !== (row.user.totpSecret !== null)) throw staleChallenge();
  return row;
}

/** The second factor checked against a typed code: TOTP (claimed atomically, once) or a recovery code (spent). */
async function checkSecondFactor(db: Db, user: UserRow, typed: string, now: Date): Promise<SignInMethod | null> {
  if (!user.totpSecret) return null;
  const code = readCode(typed);
  if (code.kind === "totp") {
    const step = await totpStep(user.totpSecret, code.code, now, user.totpLastStep);
    if (step === null) return null;
    // Two requests with the same code at once: only one moves the last step forward.
    const [claimed] = await db
      .update(users)
      .set({ totpLastStep: step })
      .where(and(eq(users.id, user.id), or(isNull(users.totpLastStep), lt(users.totpLastStep, step))))
      .returning({ id: users.id });
    return claimed ? "totp" : null;
  }
  if (code.kind === "recovery") {
    const unused = await db.select().from(recoveryCodes).where(and(eq(recoveryCodes.userId, user.id), isNull(recoveryCodes.usedAt)));
    const match = matchRecoveryCode(user.id, code.code, unused);
    if (!match) return null;
    const [spent] = await db
      .update(recoveryCodes)
      .set({ usedAt: now.toISOString() })
      .where(and(eq(recoveryCodes.id, match.id), isNull(recoveryCodes.usedAt)))
      .returning({ id: recoveryCodes.id });
    return spent ? "recovery_code" : null;
  }
  return null;
}

/** For "Mon compte": a right code or nothing (counted as a failed sign-in, audited, refused). */
async function proveSecondFactor(db: Database, user: UserRow, typed: string, now: Date, address: string, keys: Parameters<typeof recordFailures>[1]): Promise<void> {
  const method = await checkSecondFactor(db, user, typed, now);
  if (!method) {
    await recordFailures(db, keys, now);
    await recordAudit(db, { event: "auth.second_factor_failed", userId: user.id, address, entity: "user", entityId: user.id });
    const message = "Code incorrect.";
    throw new AppError("INVALID_CREDENTIALS", message, { issues: [{ path: "code", message }] });
  }
  if (method === "recovery_code") await auditRecoveryCodeUsed(db, user.id, address);
}

async function turnOn(tx: Transaction, user: UserRow, secret: string, step: number, now: Date, address: string, during: "sign_in" | "account"): Promise<string[]> {
  const [updated] = await tx
    .update(users)
    .set({ totpSecret: secret, totpEnabledAt: now.toISOString(), totpLastStep: step, updatedAt: now.toISOString() })
    .where(and(eq(users.id, user.id), isNull(users.totpSecret)))
    .returning({ id: users.id });
  if (!updated) throw new AppError("CONFLICT", "La double authentification est déjà activée.");
  const codes = await replaceRecoveryCodes(tx, user.id, now);
  await recordAudit(tx, { event: "auth.totp_enabled", userId: user.id, address, entity: "user", entityId: user.id, details: { during } });
  return codes;
}

async function replaceRecoveryCodes(tx: Transaction, userId: string, now: Date): Promise<string[]> {
  const codes = newRecoveryCodes();
  await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await tx.insert(recoveryCodes).values(codes.map((code) => ({ id: crypto.randomUUID(), userId, codeHash: hashRecoveryCode(userId, code), createdAt: now.toISOString() })));
  return codes;
}

async function clearSecondFactor(tx: Transaction, userId: string, now: Date): Promise<void> {
  await tx.update(users).set({ totpSecret: null, totpEnabledAt: null, totpLastStep: null, updatedAt: now.toISOString() }).where(eq(users.id, userId));
  await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await tx.delete(signInChallenges).where(eq(signInChallenges.userId, userId));
}

async function auditRecoveryCodeUsed(db: Db, userId: string, address: string): Promise<void> {
  const [left] = await db
    .select({ n: sql<number>`count(*)` })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  await recordAudit(db, { event: "auth.recovery_code_used", userId, address, entity: "user", entityId: userId, details: { left: Number(left?.n ?? 0) } });
}

/** One more wrong code on a challenge; returns how many it has left. */
async function countWrongCode(db: Db, challengeId: string): Promise<number> {
  const [row] = await db
    .update(signInChallenges)
    .set({ attempts: sql`${signInChallenges.attempts} + 1` })
    .where(eq(signInChallenges.id, challengeId))
    .returning({ attempts: signInChallenges.attempts });
  return Math.max(0, CHALLENGE_MAX_ATTEMPTS - (row?.attempts ?? CHALLENGE_MAX_ATTEMPTS));
}

/** The sign-in throttle's keys for this user from this place: their account's browsers are not held back by it. */
async function throttleKeys(db: Database, user: UserRow, origin: CodeOrigin) {
  return signInKeys(user.email, origin.address, await isKnownDevice(db, user.id, origin.device));
}

async function spendChallenge(db: Db, id: string): Promise<boolean> {
  const [spent] = await db.delete(signInChallenges).where(eq(signInChallenges.id, id)).returning({ id: signInChallenges.id });
  return Boolean(spent);
}

async function userRow(db: Db, id: string): Promise<UserRow> {
  const [user] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  if (!user) throw new AppError("UNAUTHENTICATED", "Session expirée.");
  return user;
}

function wrongCode(left: number, message = "Code incorrect."): AppError {
  if (left <= 0) return staleChallenge("Trop de codes incorrects : reconnectez-vous avec votre mot de passe.");
  return new AppError("INVALID_CREDENTIALS", message, { attemptsLeft: left, issues: [{ path: "code", message }] });
}

function staleChallenge(message = "Cette étape de connexion a expiré : reconnectez-vous avec votre mot de passe."): AppError {
  return new AppError("LINK_STALE", message);
}

/** `ABCD EFGH …`: easier to type by hand from the screen into an app. */
function groupsOf4(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, "$1 ");
}

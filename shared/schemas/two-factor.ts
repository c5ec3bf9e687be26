import { z } from "zod";
import type { Role } from "../enums";
import { Instant } from "./common";
import { SessionResponse } from "./auth";

// Two-factor sign-in (TOTP): the bodies and answers both sides share, and who it is for. The office and the Managers
// reach every customer's file from a desk; site managers sign in on the floor's phones and are never asked for it.

/** The roles that may turn two factors on, and that the operator's `twoFactorRequired` setting applies to. */
export const TWO_FACTOR_ROLES = ["office", "manager"] as const satisfies readonly Role[];

export function twoFactorAvailableTo(role: Role): boolean {
  return (TWO_FACTOR_ROLES as readonly Role[]).includes(role);
}

/** Whether this role must have a second factor, given the operator's `twoFactorRequired` setting. */
export function twoFactorRequiredFor(role: Role, required: boolean): boolean {
  return required && twoFactorAvailableTo(role);
}

/** How many recovery codes a user is given at once, each usable once. */
export const RECOVERY_CODE_COUNT = 10;

/** The token of a sign-in's second step, handed out by `POST /auth/login` once the password was right. */
const ChallengeToken = z.string().min(20).max(100);

/**
 * A code typed by the user: the 6 digits of their authenticator app, or one of their recovery codes (`ABCDE-FGHJK`).
 * Spaces and dashes are allowed here; the server reads only the letters and digits.
 */
export const TwoFactorCode = z.string().trim().min(6, "is required").max(40);

/**
 * The password was right and a second step is due: `code` asks for the authenticator app's code (or a recovery
 * code), `enrol` asks to set an authenticator app up now because the operator requires it. No session yet.
 */
export const TwoFactorStep = z
  .object({ twoFactor: z.enum(["code", "enrol"]), challenge: ChallengeToken })
  .meta({ id: "TwoFactorStep" });
export type TwoFactorStep = z.infer<typeof TwoFactorStep>;

/** What `POST /auth/login` answers: signed in, or a second step to go. */
export const LoginAnswer = z.union([SessionResponse, TwoFactorStep]).meta({ id: "LoginAnswer" });
export type LoginAnswer = z.infer<typeof LoginAnswer>;

export const LoginCodeBody = z.object({ challenge: ChallengeToken, code: TwoFactorCode }).meta({ id: "LoginCodeBody" });
export type LoginCodeBody = z.infer<typeof LoginCodeBody>;

export const EnrolStartBody = z.object({ challenge: ChallengeToken }).meta({ id: "EnrolStartBody" });
export type EnrolStartBody = z.infer<typeof EnrolStartBody>;

/** The secret to put in an authenticator app: as a QR code (an SVG data URL), as an `otpauth://` link, as text. */
export const EnrolmentSecret = z
  .object({ secret: z.string(), otpauthUrl: z.string(), qrCode: z.string() })
  .meta({ id: "EnrolmentSecret" });
export type EnrolmentSecret = z.infer<typeof EnrolmentSecret>;

/** Recovery codes, shown once: only their hashes are kept. */
export const RecoveryCodesResponse = z.object({ recoveryCodes: z.array(z.string()) }).meta({ id: "RecoveryCodesResponse" });
export type RecoveryCodesResponse = z.infer<typeof RecoveryCodesResponse>;

/** Signed in after setting the authenticator up during sign-in, with the recovery codes to keep (shown once). */
export const EnrolledResponse = SessionResponse.extend({ recoveryCodes: z.array(z.string()) }).meta({ id: "EnrolledResponse" });
export type EnrolledResponse = z.infer<typeof EnrolledResponse>;

/** "Mon compte": whether the user has a second factor, may have one, must have one. Never the secret. */
export const TwoFactorStatus = z
  .object({
    enabled: z.boolean(),
    enabledAt: Instant.nullable(),
    recoveryCodesLeft: z.number().int(),
    /** The user's role may turn two factors on. */
    available: z.boolean(),
    /** The operator requires it for the user's role: it cannot be turned off. */
    required: z.boolean(),
  })
  .meta({ id: "TwoFactorStatus" });
export type TwoFactorStatus = z.infer<typeof TwoFactorStatus>;

export const TwoFactorCodeBody = z.object({ code: TwoFactorCode }).meta({ id: "TwoFactorCodeBody" });
export type TwoFactorCodeBody = z.infer<typeof TwoFactorCodeBody>;

export const TwoFactorDisableBody = z
  .object({ password: z.string().min(1, "is required").max(256), code: TwoFactorCode })
  .meta({ id: "TwoFactorDisableBody" });
export type TwoFactorDisableBody = z.infer<typeof TwoFactorDisableBody>;

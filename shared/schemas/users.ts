import { z } from "zod";
import { ROLES } from "../enums";
import { PASSWORD_MIN_LENGTH } from "../passwords";
import { Id, Instant } from "./common";

export { PASSWORD_MIN_LENGTH };

/** A password a person chose: the server also checks it against common passwords (`server/auth/password-policy.ts`). */
export const NewPassword = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `doit compter au moins ${PASSWORD_MIN_LENGTH} caractères`)
  .max(256, "doit compter au plus 256 caractères");

const Email = z.string().trim().toLowerCase().pipe(z.email({ message: "must be an e-mail address" }).max(254));
/** Initials sign the billing log (`*VT*05/05/2026*…`): 2 to 4 capital letters, unique among all users. */
export const Initials = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{2,4}$/, "must be 2 to 4 letters (A–Z)");

export const UserBody = z
  .object({
    name: z.string().trim().min(1, "is required").max(120),
    email: Email,
    initials: Initials,
    role: z.enum(ROLES),
    /** The sites they work on; ignored for the office, who sees every site. */
    siteIds: z.array(Id).max(500),
  })
  .meta({ id: "UserBody" });
export type UserBody = z.infer<typeof UserBody>;

export const UserPatch = UserBody.partial().meta({ id: "UserPatch" });
export type UserPatch = z.infer<typeof UserPatch>;

export const USER_STATES = ["invited", "active", "deactivated"] as const;

export const UserItem = z
  .object({
    id: Id,
    name: z.string(),
    email: z.string(),
    initials: z.string(),
    role: z.enum(ROLES),
    state: z.enum(USER_STATES),
    sites: z.array(z.object({ id: Id, code: z.string(), name: z.string() })),
    createdAt: Instant,
    deactivatedAt: Instant.nullable(),
    lastSeenAt: Instant.nullable(),
    /** The last count of unsent actions any of their phones reported, and when (it matters once deactivated). */
    pendingOnPhone: z.number().int().nullable(),
    pendingReportedAt: Instant.nullable(),
    /** Whether the one asking may edit this user (a Manager: site managers of their own sites only). */
    editable: z.boolean(),
    /** Whether they sign in with a second factor (never the secret itself). */
    twoFactor: z.boolean(),
  })
  .meta({ id: "UserItem" });
export type UserItem = z.infer<typeof UserItem>;

export const UsersResponse = z.object({ users: z.array(UserItem) }).meta({ id: "UsersResponse" });
export type UsersResponse = z.infer<typeof UsersResponse>;

/**
 * After creating a user or asking for a new invitation: the link went through the outbox as an e-mail, or — with no
 * SMTP set — it is shown once to the office to hand over (`link`).
 */
export const InvitationResponse = z
  .object({
    user: UserItem,
    delivery: z.enum(["email", "handover"]),
    link: z.string().nullable(),
    expiresAt: Instant,
  })
  .meta({ id: "InvitationResponse" });
export type InvitationResponse = z.infer<typeof InvitationResponse>;

export const ForgotPasswordBody = z.object({ email: Email }).meta({ id: "ForgotPasswordBody" });

/** What a link's page shows before the password is chosen; a stale link answers 410. */
export const TokenInfo = z
  .object({ purpose: z.enum(["invitation", "reset"]), name: z.string(), email: z.string(), expiresAt: Instant })
  .meta({ id: "TokenInfo" });
export type TokenInfo = z.infer<typeof TokenInfo>;

export const ChoosePasswordBody = z.object({ token: z.string().min(20).max(200), password: NewPassword }).meta({ id: "ChoosePasswordBody" });

export const ChangePasswordBody = z
  .object({ currentPassword: z.string().min(1, "is required").max(256), newPassword: NewPassword })
  .meta({ id: "ChangePasswordBody" });

export const SessionItem = z
  .object({
    id: z.string(),
    /** "Chrome sur Android", from the browser's own description. */
    device: z.string(),
    place: z.enum(["phone", "desk"]),
    createdAt: Instant,
    lastSeenAt: Instant,
    current: z.boolean(),
  })
  .meta({ id: "SessionItem" });
export type SessionItem = z.infer<typeof SessionItem>;

export const SessionsResponse = z.object({ sessions: z.array(SessionItem) }).meta({ id: "SessionsResponse" });
export type SessionsResponse = z.infer<typeof SessionsResponse>;

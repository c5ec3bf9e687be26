import { z } from "zod";
import { ROLES } from "../enums";
import { Id } from "./common";
import { OpeningHours } from "./sites";

export const LoginBody = z
  .object({
    // Phones' keyboards add capitals and trailing spaces to e-mail fields.
    email: z.string().trim().toLowerCase().pipe(z.email({ message: "must be an e-mail address" }).max(254)),
    password: z.string().min(1, "is required").max(256),
  })
  .meta({ id: "LoginBody" });
export type LoginBody = z.infer<typeof LoginBody>;

export const SiteRef = z
  .object({
    id: Id,
    code: z.string(),
    name: z.string(),
    phone: z.string().nullable(),
    /** The site's calendar (null: the server's `TZ_SITE`); absent from sessions remembered before sites had one. */
    timeZone: z.string().nullable().optional(),
    /** The gate's opening hours, shown on the phone. */
    openingHours: OpeningHours.nullable().optional(),
  })
  .meta({ id: "SiteRef" });
export type SiteRef = z.infer<typeof SiteRef>;

export const SessionUser = z
  .object({
    id: Id,
    email: z.string(),
    name: z.string(),
    initials: z.string(),
    role: z.enum(ROLES),
    sites: z.array(SiteRef),
  })
  .meta({ id: "SessionUser" });
export type SessionUser = z.infer<typeof SessionUser>;

/** What the phone needs to know about the server: the sites' time zone, and whether it sends messages itself. */
export const ClientSettings = z
  .object({
    timeZone: z.string(),
    serverMessaging: z.object({ email: z.boolean(), sms: z.boolean() }),
  })
  .meta({ id: "ClientSettings" });
export type ClientSettings = z.infer<typeof ClientSettings>;

export const SessionResponse = z.object({ user: SessionUser, settings: ClientSettings }).meta({ id: "SessionResponse" });
export type SessionResponse = z.infer<typeof SessionResponse>;

/** Who is signed in on this browser, if anyone: "nobody" is an answer, not an error (the sign-in page asks it). */
export const SessionAnswer = z.union([SessionResponse, z.object({ user: z.null() })]).meta({ id: "SessionAnswer" });
export type SessionAnswer = z.infer<typeof SessionAnswer>;

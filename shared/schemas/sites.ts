import { z } from "zod";
import { Id, Instant } from "./common";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM");

/** The gate's opening hours, by weekday: an empty list is closed that day. */
export const OpeningHours = z
  .object(
    Object.fromEntries(
      WEEKDAYS.map((d) => [
        d,
        z
          .array(z.object({ from: Time, to: Time }).refine((r) => r.from < r.to, "from must be before to"))
          .max(3),
      ]),
    ) as Record<(typeof WEEKDAYS)[number], z.ZodArray<z.ZodObject<{ from: typeof Time; to: typeof Time }>>>,
  )
  .meta({ id: "OpeningHours" });
export type OpeningHours = z.infer<typeof OpeningHours>;

/** An SMS sender as operators allow it: 3 to 11 letters or digits, not only digits. */
export const SmsSender = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9]{3,11}$/, "must be 3 to 11 letters or digits, without spaces or accents")
  .refine((v) => !/^\d+$/.test(v), "must contain at least one letter");

const optional = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .nullable()
    .transform((v) => (v === "" ? null : v));

export const SiteBody = z
  .object({
    code: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z0-9]{2,10}$/, "must be 2 to 10 letters or digits"),
    name: z.string().trim().min(1, "is required").max(120),
    address: optional(200),
    postalCode: z
      .string()
      .trim()
      .regex(/^\d{5}$/, "must be 5 digits")
      .nullable(),
    city: optional(100),
    phone: optional(30),
    email: z.email({ message: "must be an e-mail address" }).nullable(),
    senderName: optional(80),
    replyTo: z.email({ message: "must be an e-mail address" }).nullable(),
    smsSender: SmsSender.nullable(),
    legalName: optional(120),
    siret: z
      .string()
      .transform((v) => v.replace(/\s/g, ""))
      .pipe(z.string().regex(/^\d{14}$/, "must be 14 digits"))
      .nullable(),
    rcs: optional(80),
    registeredOffice: optional(200),
    signatoryName: optional(120),
    signatoryTitle: optional(120),
    timeZone: z.string().refine(isTimeZone, "must be an IANA time zone such as Europe/Paris"),
    openingHours: OpeningHours.nullable(),
    /** The users who work there (site managers and Managers). */
    userIds: z.array(Id).max(500),
  })
  .meta({ id: "SiteBody" });
export type SiteBody = z.infer<typeof SiteBody>;

export const SitePatch = SiteBody.partial().meta({ id: "SitePatch" });
export type SitePatch = z.infer<typeof SitePatch>;

export const SiteItem = SiteBody.omit({ userIds: true })
  .extend({
    id: Id,
    users: z.array(z.object({ id: Id, name: z.string(), role: z.string() })),
    hasLogo: z.boolean(),
    boxes: z.number().int(),
    updatedAt: Instant,
  })
  .meta({ id: "SiteItem" });
export type SiteItem = z.infer<typeof SiteItem>;

export const SitesResponse = z.object({ sites: z.array(SiteItem) }).meta({ id: "SitesResponse" });

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

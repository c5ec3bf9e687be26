import { z } from "zod";
import { isTimeZone } from "../dates";
import { Id, Instant } from "./common";

import { WEEKDAYS } from "../sites/weekdays";

export { WEEKDAYS };
const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "doit être une heure HH:MM");

/** The gate's opening hours, by weekday: an empty list is closed that day. */
export const OpeningHours = z
  .object(
    Object.fromEntries(
      WEEKDAYS.map((d) => [
        d,
        z
          .array(z.object({ from: Time, to: Time }).refine((r) => r.from < r.to, "l'ouverture doit précéder la fermeture"))
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
  .regex(/^[A-Za-z0-9]{3,11}$/, "3 à 11 lettres ou chiffres, sans espace ni accent")
  .refine((v) => !/^\d+$/.test(v), "doit contenir au moins une lettre");

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
      .regex(/^[A-Z0-9]{2,10}$/, "2 à 10 lettres ou chiffres"),
    name: z.string().trim().min(1, "obligatoire").max(120),
    address: optional(200),
    postalCode: z
      .string()
      .trim()
      .regex(/^\d{5}$/, "5 chiffres")
      .nullable(),
    city: optional(100),
    phone: optional(30),
    email: z.email({ message: "adresse e-mail invalide" }).nullable(),
    senderName: optional(80),
    replyTo: z.email({ message: "adresse e-mail invalide" }).nullable(),
    smsSender: SmsSender.nullable(),
    legalName: optional(120),
    /** "SAS", "SARL"…, and the share capital as printed ("50 000 €"): letters name the company with them. */
    legalForm: optional(40).optional(),
    shareCapital: optional(60).optional(),
    siret: z
      .string()
      .transform((v) => v.replace(/\s/g, ""))
      .pipe(z.string().regex(/^\d{14}$/, "14 chiffres").refine(isSiret, "clé de contrôle fausse : vérifiez le numéro"))
      .nullable(),
    rcs: optional(80),
    registeredOffice: optional(200),
    signatoryName: optional(120),
    signatoryTitle: optional(120),
    /** The account reminder letters ask transfers to. */
    iban: optional(42).optional(),
    timeZone: z.string().refine(isTimeZone, "fuseau horaire inconnu (par exemple Europe/Paris)"),
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

export const SitesResponse = z
  .object({
    sites: z.array(SiteItem),
    /** The time zone a new site starts with (`TZ_SITE`). */
    defaultTimeZone: z.string(),
    /** Whether the one asking may create and edit sites (the office only). */
    editable: z.boolean(),
  })
  .meta({ id: "SitesResponse" });
export type SitesResponse = z.infer<typeof SitesResponse>;

/** The largest letterhead logo accepted: it is embedded in every letter. */
export const MAX_LOGO_BYTES = 300 * 1024;

/**
 * A SIRET's check key (Luhn over the 14 digits). La Poste's establishments (SIREN 356 000 000) may follow their own
 * rule instead: the sum of the digits is a multiple of 5.
 */
export function isSiret(siret: string): boolean {
  if (!/^\d{14}$/.test(siret)) return false;
  if (siret.startsWith("356000000") && [...siret].reduce((s, d) => s + Number(d), 0) % 5 === 0) return true;
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    let d = Number(siret[13 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

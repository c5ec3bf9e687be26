import { z } from "zod";
import { MESSAGE_CHANNELS } from "../enums";
import { Id } from "./common";

const Text = (max: number) => z.string().trim().min(1).max(max);

/** A message template as the office edits it (`PUT /api/templates/:code`). */
export const TemplateBody = z
  .object({
    label: Text(120),
    /** Offered on the phones' message sheet (its SMS and e-mail variants). */
    floor: z.boolean().optional(),
    from: z.string().trim().max(80).optional(),
    email: z.object({ subject: Text(200), body: Text(10_000), attachLetter: z.boolean().optional() }).optional(),
    sms: z.object({ body: Text(1_000) }).optional(),
    letter: z.object({ subject: Text(200), body: Text(10_000), formalNotice: z.boolean().optional() }).optional(),
  })
  .meta({ id: "TemplateBody" });
export type TemplateBody = z.infer<typeof TemplateBody>;

export const TemplateCodeParam = z.object({ code: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,59}$/, "Code : lettres, chiffres et tirets") });

export const TemplateItem = TemplateBody.extend({ code: z.string(), customized: z.boolean() }).meta({ id: "Template" });
export type TemplateItem = z.infer<typeof TemplateItem>;

export const TemplatesResponse = z
  .object({ templates: z.array(TemplateItem), variables: z.record(z.string(), z.string()) })
  .meta({ id: "TemplatesResponse" });
export type TemplatesResponse = z.infer<typeof TemplatesResponse>;

/** The site a floor message speaks for, as the renderer needs it (`SenderSite`). */
export const TemplateSite = z.object({
  id: Id,
  name: z.string(),
  address: z.string(),
  city: z.string(),
  phone: z.string(),
  /** The operator's company, named by the privacy notice; absent from copies kept before it was sent. */
  legalName: z.string().nullable().optional(),
});

/**
 * What the phones need to write the floor's messages themselves (the preview): the templates marked for the floor
 * and the sites of the user's scope. `version` is its fingerprint: a pull sends it again only when it changed.
 */
export const FloorMessaging = z
  .object({
    version: z.string(),
    templates: z.array(TemplateBody.extend({ code: z.string() })),
    sites: z.array(TemplateSite),
    /**
     * The operator's settings the Manager's box opening and clearing follow on the phone (the server checks them
     * again): absent from copies kept before they were sent.
     */
    procedure: z.object({ collectionPeriodDays: z.number().int(), keepGoodsDays: z.number().int(), allowPlainWitness: z.boolean() }).optional(),
  })
  .meta({ id: "FloorMessaging" });
export type FloorMessaging = z.infer<typeof FloorMessaging>;

export const PreviewQuery = z.object({ customerId: Id, channel: z.enum(MESSAGE_CHANNELS) });

export const PreviewResponse = z
  .object({
    channel: z.enum(MESSAGE_CHANNELS),
    recipient: z.string(),
    subject: z.string().nullable(),
    body: z.string(),
    /** SMS only: what it costs before it goes. */
    sms: z.object({ encoding: z.enum(["GSM-7", "UCS-2"]), units: z.number().int(), segments: z.number().int(), unicodeChars: z.array(z.string()) }).nullable(),
    /** A letter, or an e-mail with the letter attached: the PDF's address. */
    pdf: z.string().nullable(),
  })
  .meta({ id: "PreviewResponse" });
export type PreviewResponse = z.infer<typeof PreviewResponse>;

import type { FieldIssue } from "../../../shared/errors";
import { SiteBody, type OpeningHours, type SiteItem } from "../../../shared/schemas/sites";
import { siteZone } from "../../../shared/sites/zone";
import { ApiError } from "../../api";

/** The form's copy of a site: text fields as typed (empty is "none"), hours and people as they are. */
export interface SiteDraft {
  code: string;
  name: string;
  address: string;
  postalCode: string;
  city: string;
  phone: string;
  email: string;
  senderName: string;
  replyTo: string;
  smsSender: string;
  legalName: string;
  legalForm: string;
  shareCapital: string;
  siret: string;
  rcs: string;
  registeredOffice: string;
  signatoryName: string;
  signatoryTitle: string;
  iban: string;
  timeZone: string;
  openingHours: OpeningHours | null;
  userIds: string[];
}

const TEXT_FIELDS = ["code", "name", "address", "postalCode", "city", "phone", "email", "senderName", "replyTo", "smsSender", "legalName", "legalForm", "shareCapital", "siret", "rcs", "registeredOffice", "signatoryName", "signatoryTitle", "iban"] as const;

export function draftOf(site: SiteItem | null, defaultTimeZone: string): SiteDraft {
  const text = Object.fromEntries(TEXT_FIELDS.map((f) => [f, site?.[f] ?? ""])) as Record<(typeof TEXT_FIELDS)[number], string>;
  return {
    ...text,
    timeZone: siteZone(site, defaultTimeZone),
    // Query data are proxies, which structuredClone refuses.
    openingHours: site?.openingHours ? (JSON.parse(JSON.stringify(site.openingHours)) as OpeningHours) : null,
    userIds: site?.users.map((u) => u.id) ?? [],
  };
}

/** The draft checked by the API's own schema: the body to send, or the problems by field, as the server would say them. */
export function bodyOf(draft: SiteDraft): { body: SiteBody } | { issues: Record<string, string> } {
  const raw = { ...draft, ...Object.fromEntries(TEXT_FIELDS.map((f) => [f, draft[f].trim() === "" ? null : draft[f]])) };
  const parsed = SiteBody.safeParse(raw);
  if (parsed.success) return { body: parsed.data };
  return { issues: byField(parsed.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }))) };
}

/** A refusal of the server, by the field it names (`details.issues`); what names no field goes under "". */
export function issuesOf(error: unknown): Record<string, string> {
  if (error instanceof ApiError) {
    const issues = (error.details as { issues?: FieldIssue[] } | undefined)?.issues;
    return issues?.length ? byField(issues) : { "": error.message };
  }
  return { "": error instanceof Error ? error.message : String(error) };
}

/** "openingHours.mon.0.from" is shown with the hours; the rest by their first name. */
function byField(issues: FieldIssue[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issues) {
    const [field, day] = i.path.split(".");
    const key = field === "openingHours" && day ? `openingHours.${day}` : (field ?? "");
    out[key] ??= i.message;
  }
  return out;
}

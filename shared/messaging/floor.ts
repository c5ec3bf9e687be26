import type { CalendarDate } from "../dates";
import type { DebtorDoc } from "../schemas/debtor-doc";
import type { FloorMessaging } from "../schemas/templates";
import { addresseeOfDoc, compose, floorSiteId, type Composed, type SenderSite } from "./compose";
import { smsCount, type SmsCount } from "./sms";
import type { MessageTemplate } from "./templates";

/**
 * The message sheet's choices for a debtor, as the phone shows them: each floor template the office offers, for
 * each channel the customer can be reached on, rendered by the sending's own renderer from the phone's copy of the
 * debtor. The server renders the same template from the same document when it is asked to send it.
 */
export interface FloorChoice {
  template: MessageTemplate;
  channel: "sms" | "email";
  /** The text as it will go: recipient, subject (e-mail), body. */
  composed: Composed;
  /** SMS only: the cost of this very text. */
  sms: SmsCount | null;
}

export function floorChoices(messaging: Pick<FloorMessaging, "templates" | "sites">, doc: DebtorDoc, signature: string, asOf: CalendarDate, fallbackSite?: Partial<SenderSite>): FloorChoice[] {
  const site = floorSender(messaging, doc, fallbackSite);
  const addressee = addresseeOfDoc(doc, site);
  const choices: FloorChoice[] = [];
  // The SMS first: short, and what a customer who did not pick up reads soonest.
  for (const channel of ["sms", "email"] as const) {
    if (channel === "sms" ? !doc.phone : !doc.email) continue;
    for (const template of messaging.templates) {
      if (!template.floor) continue;
      const composed = compose(template, channel, addressee, asOf, { signature });
      if (composed) choices.push({ template, channel, composed, sms: channel === "sms" ? smsCount(composed.body) : null });
    }
  }
  return choices;
}

/**
 * The site the debtor's messages speak for, as the last pull described it; before a pull brought the sites, what
 * the session knows of it (name and phone).
 */
export function floorSender(messaging: Pick<FloorMessaging, "sites">, doc: DebtorDoc, fallback?: Partial<SenderSite>): SenderSite {
  const id = floorSiteId(doc);
  const known = messaging.sites.find((s) => s.id === id);
  return known ?? { id, name: fallback?.name ?? "", address: fallback?.address ?? "", city: fallback?.city ?? "", phone: fallback?.phone ?? "" };
}

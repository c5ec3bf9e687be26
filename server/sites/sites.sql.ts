import { blob, index, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { OpeningHours } from "../../shared/schemas/sites";
import { GATE_STATES, PADLOCK_STATES } from "../../shared/enums";
import { createdAt, id, oneOf, updatedAt } from "../db/columns";

export const sites = sqliteTable("sites", {
  id: id(),
  code: text("code").notNull().unique(),
  name: text("name").notNull(),
  address: text("address"),
  postalCode: text("postal_code"),
  city: text("city"),
  phone: text("phone"),
  email: text("email"),
  /** The name e-mails go out under, and where answers go. */
  senderName: text("sender_name"),
  replyTo: text("reply_to"),
  /** The SMS sender (at most 11 letters or digits); null: the server's `SMS_SENDER`. */
  smsSender: text("sms_sender"),
  /** The letterhead's legal mentions: letters and the evidence pack print them. */
  legalName: text("legal_name"),
  /** Legal form ("SAS") and share capital ("capital de 50 000 €"), printed with the name (C. com. R123-237). */
  legalForm: text("legal_form"),
  shareCapital: text("share_capital"),
  siret: text("siret"),
  rcs: text("rcs"),
  registeredOffice: text("registered_office"),
  signatoryName: text("signatory_name"),
  signatoryTitle: text("signatory_title"),
  /** Where reminder letters ask for a transfer. */
  iban: text("iban"),
  /** The letterhead's logo (PNG or JPEG bytes), small. */
  logo: blob("logo", { mode: "buffer" }),
  logoType: text("logo_type"),
  /** IANA zone of the site's calendar; null: the server's `TZ_SITE`. */
  timeZone: text("time_zone"),
  /** The gate's opening hours by weekday (`OpeningHours` in shared/schemas/sites.ts), shown on the phone. */
  openingHours: text("opening_hours", { mode: "json" }).$type<OpeningHours>(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** A box. Its padlock and gate-code states are caches of the padlock/gate events in `actions`. */
export const units = sqliteTable(
  "units",
  {
    id: id(),
    siteId: text("site_id")
      .notNull()
      .references(() => sites.id),
    number: text("number").notNull(),
    building: text("building"),
    aisle: text("aisle"),
    sizeM2: real("size_m2"),
    padlockState: text("padlock_state", { enum: PADLOCK_STATES }).notNull().default("none"),
    gateState: text("gate_state", { enum: GATE_STATES }).notNull().default("active"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("units_site_number").on(t.siteId, t.number),
    index("units_walking_order").on(t.siteId, t.building, t.aisle, t.number),
    oneOf("units_padlock_state", t.padlockState, PADLOCK_STATES),
    oneOf("units_gate_state", t.gateState, GATE_STATES),
  ],
);

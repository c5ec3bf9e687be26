import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { CUSTOMER_KINDS, PAYMENT_METHODS, SEGMENTS } from "../../shared/enums";
import { createdAt, id, oneOf, updatedAt } from "../db/columns";
import { units } from "../sites/sites.sql";

/** A tenant. `ref` is the billing software's customer reference, the key of every import. */
export const customers = sqliteTable(
  "customers",
  {
    id: id(),
    ref: text("ref").notNull().unique(),
    kind: text("kind", { enum: CUSTOMER_KINDS }).notNull(),
    name: text("name").notNull(),
    email: text("email"),
    phone: text("phone"),
    address: text("address"),
    postalCode: text("postal_code"),
    city: text("city"),
    paymentMethod: text("payment_method", { enum: PAYMENT_METHODS }).notNull(),
    /** Scenario code; picks the reminder scenario. */
    segment: text("segment", { enum: SEGMENTS }).notNull().default("box"),
    /** On stop in the billing software (its import): excluded from every automatic step while set. */
    stop: integer("stop", { mode: "boolean" }).notNull().default(false),
    /**
     * Put on stop by the office in Cadenas (when, by whom, why), apart from the billing software's `stop` so that
     * the next import does not lift it. Whether a customer is held is one rule: `server/customers/hold.ts`.
     */
    officeStopAt: text("office_stop_at"),
    officeStopBy: text("office_stop_by"),
    officeStopNote: text("office_stop_note"),
    /** In dispute (*litige*) since when, by whom, why: no automatic step and no message until the office lifts it. */
    disputeAt: text("dispute_at"),
    disputeBy: text("dispute_by"),
    disputeNote: text("dispute_note"),
    /** The scenario the office chose, over the imported `segment` (which the next import would write back). */
    officeSegment: text("office_segment", { enum: SEGMENTS }),
    /**
     * A legal hold (dispute, hand-over to a bailiff or to court) and why: while set, retention never pseudonymises
     * the customer and an erasure request is refused. Set and lifted by the office (`server/privacy/hold.ts`).
     */
    legalHoldReason: text("legal_hold_reason"),
    legalHoldAt: text("legal_hold_at"),
    legalHoldBy: text("legal_hold_by"),
    /**
     * When retention or an erasure request pseudonymised them (`server/privacy/erase.ts`): name replaced, contact
     * and free texts erased, photos deleted; the refs and accounting lines stay. An import never writes them back.
     */
    pseudonymisedAt: text("pseudonymised_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("customers_name").on(t.name),
    oneOf("customers_kind", t.kind, CUSTOMER_KINDS),
    oneOf("customers_payment_method", t.paymentMethod, PAYMENT_METHODS),
    oneOf("customers_segment", t.segment, SEGMENTS),
    oneOf("customers_office_segment", t.officeSegment, SEGMENTS),
  ],
);

/** One unit rented by one customer. An ended contract keeps its row; `endDate` says when it ended. */
export const contracts = sqliteTable(
  "contracts",
  {
    id: id(),
    ref: text("ref").notNull().unique(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    unitId: text("unit_id")
      .notNull()
      .references(() => units.id),
    monthlyRentCents: integer("monthly_rent_cents").notNull(),
    startDate: text("start_date").notNull(),
    endDate: text("end_date"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("contracts_customer").on(t.customerId), index("contracts_unit").on(t.unitId)],
);

import { index, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
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

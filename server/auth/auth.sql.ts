import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { ROLES } from "../../shared/enums";
import { createdAt, id, oneOf, updatedAt } from "../db/columns";
import { sites } from "../sites/sites.sql";

export const SESSION_PLACES = ["phone", "desk"] as const;
export const TOKEN_PURPOSES = ["invitation", "reset"] as const;

export const users = sqliteTable(
  "users",
  {
    id: id(),
    email: text("email").notNull().unique(),
    name: text("name").notNull(),
    /** Written in every log line the user makes (`*VT*05/05/2026*…`). */
    initials: text("initials").notNull(),
    role: text("role", { enum: ROLES }).notNull(),
    /** `!` until the user chose a password through their invitation link: nothing signs in with it. */
    passwordHash: text("password_hash").notNull(),
    /** When the user last chose their password; null while the invitation is pending. */
    passwordSetAt: text("password_set_at"),
    /** The TOTP secret (base32) once the user proved their authenticator app reads it; null: no second factor. */
    totpSecret: text("totp_secret"),
    totpEnabledAt: text("totp_enabled_at"),
    /** The last TOTP time step accepted, so one code cannot be used twice. */
    totpLastStep: integer("totp_last_step"),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    deactivatedAt: text("deactivated_at"),
    /** Who created the account (null: the demo data or the first-run page). */
    createdBy: text("created_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  // Initials sign the billing log: unique among every user ever created, deactivated ones included.
  (t) => [oneOf("users_role", t.role, ROLES), uniqueIndex("users_initials").on(t.initials)],
);

/** Which sites a site manager or manager works on. Office users see every site and need no rows here. */
export const userSites = sqliteTable(
  "user_sites",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    siteId: text("site_id")
      .notNull()
      .references(() => sites.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.siteId] }), index("user_sites_site").on(t.siteId)],
);

/** A session is stored by the SHA-256 of its token, so a copy of the database does not hand out live cookies. */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    expiresAt: text("expires_at").notNull(),
    lastSeenAt: text("last_seen_at").notNull(),
    userAgent: text("user_agent"),
    /** Where it was opened, from the browser's own description: the floor's phone or a desk. */
    place: text("place", { enum: SESSION_PLACES }),
    lastAddress: text("last_address"),
  },
  (t) => [index("sessions_user").on(t.userId)],
);

/**
 * Single-use links: an invitation (72 h) to choose a first password, a reset (1 h) after "mot de passe oublié".
 * Stored by the SHA-256 of the token, like sessions; `usedAt` makes a second use stale.
 */
export const userTokens = sqliteTable(
  "user_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text("purpose", { enum: TOKEN_PURPOSES }).notNull(),
    createdAt: createdAt(),
    expiresAt: text("expires_at").notNull(),
    usedAt: text("used_at"),
    createdBy: text("created_by"),
  },
  (t) => [index("user_tokens_user").on(t.userId), oneOf("user_tokens_purpose", t.purpose, TOKEN_PURPOSES)],
);

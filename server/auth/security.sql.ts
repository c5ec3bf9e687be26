import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt } from "../db/columns";
import { users } from "./auth.sql";

/**
 * Failed sign-ins (and "mot de passe oublié" requests), counted per key — an account, a client address, an account
 * from one address — in the database, so that every API process shares them. A key's row is dropped or reset once
 * its failures are old enough to be forgiven.
 */
export const signInThrottle = sqliteTable(
  "sign_in_throttle",
  {
    /** `account:<email>`, `address:<ip>`, `pair:<email>|<ip>`, `forgot:…`. */
    key: text("key").primaryKey(),
    failures: integer("failures").notNull(),
    lastFailureAt: text("last_failure_at").notNull(),
    /** No attempt for this key is looked at before this instant (null: none waiting). */
    blockedUntil: text("blocked_until"),
  },
  (t) => [index("sign_in_throttle_last").on(t.lastFailureAt)],
);

/**
 * Browsers that signed in successfully to an account ("the right place"): a long-lived device cookie, stored by the
 * SHA-256 of its token. A flood of wrong passwords against an account slows strangers down, not these.
 */
export const signInDevices = sqliteTable(
  "sign_in_devices",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    lastUsedAt: text("last_used_at").notNull(),
  },
  (t) => [index("sign_in_devices_user").on(t.userId)],
);

/**
 * The second step of a sign-in with two factors: the password was right, the code is still to come. Stored by the
 * SHA-256 of the token handed to the browser; short-lived; `attempts` caps the codes tried against it.
 */
export const signInChallenges = sqliteTable(
  "sign_in_challenges",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** `code`: the user has a second factor; `enrol`: the operator requires one and the user must set it up now. */
    purpose: text("purpose", { enum: ["code", "enrol"] }).notNull(),
    /** While enrolling: the secret shown to the user, kept until they prove their app reads it. */
    pendingSecret: text("pending_secret"),
    attempts: integer("attempts").notNull().default(0),
    createdAt: createdAt(),
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [index("sign_in_challenges_user").on(t.userId)],
);

/** Single-use recovery codes of a user with two factors, stored hashed; `usedAt` spends one. */
export const recoveryCodes = sqliteTable(
  "recovery_codes",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    codeHash: text("code_hash").notNull(),
    createdAt: createdAt(),
    usedAt: text("used_at"),
  },
  (t) => [index("recovery_codes_user").on(t.userId)],
);

/**
 * A photo being received in pieces, per user: who started it and when it last moved, so that unfinished uploads
 * are swept after a while and one user cannot fill the disk with them.
 */
export const photoUploads = sqliteTable(
  "photo_uploads",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    sha256: text("sha256").notNull(),
    received: integer("received").notNull(),
    total: integer("total").notNull(),
    startedAt: text("started_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.sha256] }), index("photo_uploads_updated").on(t.updatedAt)],
);

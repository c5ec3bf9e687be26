// Every table, for drizzle-kit and for the typed database handle. Each table lives beside the code that owns it.
export * from "../sites/sites.sql";
export * from "../auth/auth.sql";
export * from "../auth/security.sql";
export * from "../customers/customers.sql";
export * from "../billing/billing.sql";
export * from "../cases/cases.sql";
export * from "../messaging/messaging.sql";
export * from "../messaging/letters.sql";
export * from "../evidence/evidence.sql";
export * from "../evidence/timestamps.sql";
export * from "../audit/audit.sql";
export * from "../sync/sync.sql";
export * from "../imports/imports.sql";
export * from "../engine/engine.sql";
export * from "../cases/hand-over.sql";
export * from "../follow-up/follow-up.sql";
export * from "../system/leases.sql";

-- Issue 18: named leases, so a job runs once across every API process on one database (the migrations, a zone's
-- daily engine run). IF NOT EXISTS: `ensureLeasesTable` (server/system/leases.ts) runs this very statement before
-- the migrations, which themselves run under a lease.
CREATE TABLE IF NOT EXISTS `leases` (
	`name` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`until` text NOT NULL,
	`taken_at` text NOT NULL
);

-- Issue 18: the first run's setup codes kept as hashes in the database, so any process accepts any of them (server/setup/setup-code.ts).
CREATE TABLE `setup_codes` (
	`hash` text PRIMARY KEY NOT NULL,
	`failures` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL
);

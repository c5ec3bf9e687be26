CREATE TABLE `evidence_timestamps` (
	`id` text PRIMARY KEY NOT NULL,
	`chain` text NOT NULL,
	`case_id` text,
	`record_seq` integer NOT NULL,
	`head_hash` text NOT NULL,
	`token` blob,
	`tsa_url` text,
	`gen_time` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` text NOT NULL,
	`last_error` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `evidence_timestamps_chain_seq` ON `evidence_timestamps` (`chain`,`record_seq`);--> statement-breakpoint
CREATE INDEX `evidence_timestamps_due` ON `evidence_timestamps` (`gen_time`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `evidence_timestamps_case` ON `evidence_timestamps` (`case_id`);
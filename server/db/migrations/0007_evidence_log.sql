CREATE TABLE `evidence_records` (
	`id` text PRIMARY KEY NOT NULL,
	`chain` text NOT NULL,
	`seq` integer NOT NULL,
	`case_id` text,
	`customer_id` text NOT NULL,
	`unit_id` text,
	`kind` text NOT NULL,
	`action_id` text,
	`photos` text NOT NULL,
	`author_id` text,
	`author_initials` text NOT NULL,
	`device_time` text NOT NULL,
	`received_at` text NOT NULL,
	`payload` text NOT NULL,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `evidence_chain_seq` ON `evidence_records` (`chain`,`seq`);--> statement-breakpoint
CREATE INDEX `evidence_case` ON `evidence_records` (`case_id`);--> statement-breakpoint
CREATE INDEX `evidence_unit` ON `evidence_records` (`unit_id`);--> statement-breakpoint
CREATE TRIGGER `evidence_records_append_only_update` BEFORE UPDATE ON `evidence_records` BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END;--> statement-breakpoint
CREATE TRIGGER `evidence_records_append_only_delete` BEFORE DELETE ON `evidence_records` BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END;--> statement-breakpoint
CREATE TRIGGER `photos_append_only_update` BEFORE UPDATE ON `photos` BEGIN SELECT RAISE(ABORT, 'photos are append-only'); END;--> statement-breakpoint
CREATE TRIGGER `photos_append_only_delete` BEFORE DELETE ON `photos` BEGIN SELECT RAISE(ABORT, 'photos are append-only'); END;

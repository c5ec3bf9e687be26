-- Rebuilt (not ALTER TABLE ADD COLUMN) because the kind CHECK gains "correction"; corrects_id starts empty.
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_actions` (
	`id` text PRIMARY KEY NOT NULL,
	`case_id` text,
	`customer_id` text NOT NULL,
	`site_id` text,
	`unit_id` text,
	`user_id` text,
	`initials` text NOT NULL,
	`kind` text NOT NULL,
	`outcome` text,
	`text` text NOT NULL,
	`happened_at` text NOT NULL,
	`created_at` text NOT NULL,
	`device_id` text,
	`mutation_id` text,
	`rejected_reason` text,
	`data` text,
	`corrects_id` text,
	FOREIGN KEY (`case_id`) REFERENCES `cases`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "actions_kind" CHECK("__new_actions"."kind" in ('call', 'sms', 'email', 'letter', 'registered_letter', 'note', 'promise', 'customer_answer', 'padlock_placed', 'padlock_removed', 'gate_suspended', 'gate_restored', 'level_changed', 'payment', 'fee', 'contract_ended', 'case_closed', 'credit_note', 'payment_plan', 'box_opened', 'box_cleared', 'task_done', 'correction'))
);
--> statement-breakpoint
INSERT INTO `__new_actions`("id", "case_id", "customer_id", "site_id", "unit_id", "user_id", "initials", "kind", "outcome", "text", "happened_at", "created_at", "device_id", "mutation_id", "rejected_reason", "data", "corrects_id") SELECT "id", "case_id", "customer_id", "site_id", "unit_id", "user_id", "initials", "kind", "outcome", "text", "happened_at", "created_at", "device_id", "mutation_id", "rejected_reason", "data", NULL FROM `actions`;--> statement-breakpoint
DROP TABLE `actions`;--> statement-breakpoint
ALTER TABLE `__new_actions` RENAME TO `actions`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `actions_mutation_id_unique` ON `actions` (`mutation_id`);--> statement-breakpoint
CREATE INDEX `actions_customer_happened` ON `actions` (`customer_id`,`happened_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `actions_corrects` ON `actions` (`corrects_id`);--> statement-breakpoint
CREATE INDEX `actions_case` ON `actions` (`case_id`);--> statement-breakpoint
CREATE INDEX `actions_unit` ON `actions` (`unit_id`);
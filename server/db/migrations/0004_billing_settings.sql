CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_invoices` (
	`id` text PRIMARY KEY NOT NULL,
	`ref` text NOT NULL,
	`customer_id` text NOT NULL,
	`contract_id` text,
	`kind` text DEFAULT 'rent' NOT NULL,
	`issue_date` text NOT NULL,
	`due_date` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`applies_to_id` text,
	`source` text DEFAULT 'import' NOT NULL,
	`planned_action_id` text,
	`label` text,
	`exported_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`contract_id`) REFERENCES `contracts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`applies_to_id`) REFERENCES `invoices`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "invoices_source_check" CHECK("__new_invoices"."source" in ('import', 'cadenas')),
	CONSTRAINT "invoices_kind" CHECK("__new_invoices"."kind" in ('rent', 'fee', 'credit_note', 'write_off'))
);
--> statement-breakpoint
INSERT INTO `__new_invoices`("id", "ref", "customer_id", "contract_id", "kind", "issue_date", "due_date", "amount_cents", "created_at", "updated_at") SELECT "id", "ref", "customer_id", "contract_id", "kind", "issue_date", "due_date", "amount_cents", "created_at", "updated_at" FROM `invoices`;--> statement-breakpoint
DROP TABLE `invoices`;--> statement-breakpoint
ALTER TABLE `__new_invoices` RENAME TO `invoices`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_ref_unique` ON `invoices` (`ref`);--> statement-breakpoint
CREATE INDEX `invoices_applies_to` ON `invoices` (`applies_to_id`);--> statement-breakpoint
CREATE INDEX `invoices_planned_action` ON `invoices` (`planned_action_id`);--> statement-breakpoint
CREATE INDEX `invoices_source` ON `invoices` (`source`,`exported_at`);--> statement-breakpoint
CREATE INDEX `invoices_customer_due` ON `invoices` (`customer_id`,`due_date`);--> statement-breakpoint
CREATE INDEX `invoices_due` ON `invoices` (`due_date`);--> statement-breakpoint
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
	FOREIGN KEY (`case_id`) REFERENCES `cases`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "actions_kind" CHECK("__new_actions"."kind" in ('call', 'sms', 'email', 'letter', 'registered_letter', 'note', 'promise', 'customer_answer', 'padlock_placed', 'padlock_removed', 'gate_suspended', 'gate_restored', 'level_changed', 'payment', 'fee', 'contract_ended', 'case_closed', 'credit_note', 'payment_plan', 'box_opened', 'box_cleared', 'task_done'))
);
--> statement-breakpoint
INSERT INTO `__new_actions`("id", "case_id", "customer_id", "site_id", "unit_id", "user_id", "initials", "kind", "outcome", "text", "happened_at", "created_at", "device_id", "mutation_id", "rejected_reason", "data") SELECT "id", "case_id", "customer_id", "site_id", "unit_id", "user_id", "initials", "kind", "outcome", "text", "happened_at", "created_at", "device_id", "mutation_id", "rejected_reason", "data" FROM `actions`;--> statement-breakpoint
DROP TABLE `actions`;--> statement-breakpoint
ALTER TABLE `__new_actions` RENAME TO `actions`;--> statement-breakpoint
CREATE UNIQUE INDEX `actions_mutation_id_unique` ON `actions` (`mutation_id`);--> statement-breakpoint
CREATE INDEX `actions_customer_happened` ON `actions` (`customer_id`,`happened_at`);--> statement-breakpoint
CREATE INDEX `actions_case` ON `actions` (`case_id`);--> statement-breakpoint
CREATE INDEX `actions_unit` ON `actions` (`unit_id`);
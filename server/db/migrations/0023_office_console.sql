-- Issue 17 (the office console). actions, tasks, messages and customers are rebuilt (not ALTER TABLE ADD COLUMN)
-- because their CHECKs gain values: action kinds (stop, dispute, scenario, office task, hand-over), the task kind
-- office_request, the message purpose summary, the customers' office_segment. Their new columns start empty, so
-- each copy names only the columns the table had before.
CREATE TABLE `hand_over_recipients` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`address` text NOT NULL,
	`email` text,
	`archived_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "hand_over_recipients_kind" CHECK("hand_over_recipients"."kind" in ('bailiff', 'agency'))
);
--> statement-breakpoint
CREATE TABLE `hand_overs` (
	`id` text PRIMARY KEY NOT NULL,
	`case_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`site_id` text,
	`recipient_id` text NOT NULL,
	`handed_on` text NOT NULL,
	`handed_at` text NOT NULL,
	`handed_by` text,
	`amount_cents` integer NOT NULL,
	`zip_sha256` text NOT NULL,
	`zip_bytes` integer NOT NULL,
	`note` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`case_id`) REFERENCES `cases`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`recipient_id`) REFERENCES `hand_over_recipients`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`handed_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `hand_overs_case_id_unique` ON `hand_overs` (`case_id`);--> statement-breakpoint
CREATE INDEX `hand_overs_handed_on` ON `hand_overs` (`handed_on`);--> statement-breakpoint
CREATE INDEX `hand_overs_customer` ON `hand_overs` (`customer_id`);--> statement-breakpoint
CREATE TABLE `saved_views` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`query` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `saved_views_user_name` ON `saved_views` (`user_id`,`name`);--> statement-breakpoint
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
	CONSTRAINT "actions_kind" CHECK("__new_actions"."kind" in ('call', 'sms', 'email', 'letter', 'registered_letter', 'note', 'promise', 'customer_answer', 'padlock_placed', 'padlock_removed', 'gate_suspended', 'gate_restored', 'level_changed', 'payment', 'fee', 'contract_ended', 'case_closed', 'credit_note', 'payment_plan', 'box_opened', 'box_cleared', 'task_done', 'correction', 'stop_set', 'stop_lifted', 'dispute_opened', 'dispute_lifted', 'scenario_changed', 'task_added', 'handed_over'))
);
--> statement-breakpoint
INSERT INTO `__new_actions`("id", "case_id", "customer_id", "site_id", "unit_id", "user_id", "initials", "kind", "outcome", "text", "happened_at", "created_at", "device_id", "mutation_id", "rejected_reason", "data", "corrects_id") SELECT "id", "case_id", "customer_id", "site_id", "unit_id", "user_id", "initials", "kind", "outcome", "text", "happened_at", "created_at", "device_id", "mutation_id", "rejected_reason", "data", "corrects_id" FROM `actions`;--> statement-breakpoint
DROP TABLE `actions`;--> statement-breakpoint
ALTER TABLE `__new_actions` RENAME TO `actions`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `actions_mutation_id_unique` ON `actions` (`mutation_id`);--> statement-breakpoint
CREATE INDEX `actions_customer_happened` ON `actions` (`customer_id`,`happened_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `actions_corrects` ON `actions` (`corrects_id`);--> statement-breakpoint
CREATE INDEX `actions_case` ON `actions` (`case_id`);--> statement-breakpoint
CREATE INDEX `actions_unit` ON `actions` (`unit_id`);--> statement-breakpoint
CREATE TABLE `__new_tasks` (
	`id` text PRIMARY KEY NOT NULL,
	`site_id` text NOT NULL,
	`case_id` text,
	`customer_id` text NOT NULL,
	`unit_id` text,
	`kind` text NOT NULL,
	`step_code` text,
	`note` text,
	`created_by` text,
	`due_on` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`done_at` text,
	`done_by` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`case_id`) REFERENCES `cases`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`done_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "tasks_kind" CHECK("__new_tasks"."kind" in ('call', 'card_rerun', 'padlock_place', 'padlock_remove', 'gate_suspend', 'gate_restore', 'open_box', 'fix_contact', 'office_request')),
	CONSTRAINT "tasks_status" CHECK("__new_tasks"."status" in ('open', 'done', 'cancelled'))
);
--> statement-breakpoint
INSERT INTO `__new_tasks`("id", "site_id", "case_id", "customer_id", "unit_id", "kind", "step_code", "due_on", "status", "done_at", "done_by", "created_at", "updated_at") SELECT "id", "site_id", "case_id", "customer_id", "unit_id", "kind", "step_code", "due_on", "status", "done_at", "done_by", "created_at", "updated_at" FROM `tasks`;--> statement-breakpoint
DROP TABLE `tasks`;--> statement-breakpoint
ALTER TABLE `__new_tasks` RENAME TO `tasks`;--> statement-breakpoint
CREATE INDEX `tasks_site_status_due` ON `tasks` (`site_id`,`status`,`due_on`);--> statement-breakpoint
CREATE INDEX `tasks_customer` ON `tasks` (`customer_id`);--> statement-breakpoint
CREATE TABLE `__new_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`case_id` text,
	`customer_id` text,
	`user_id` text,
	`channel` text NOT NULL,
	`purpose` text DEFAULT 'floor' NOT NULL,
	`template_code` text,
	`step_code` text,
	`invoice_ref` text,
	`planned_action_id` text,
	`site_id` text,
	`recipient` text NOT NULL,
	`sender_name` text,
	`subject` text,
	`body` text NOT NULL,
	`letter` text,
	`attachments` text,
	`status` text DEFAULT 'queued' NOT NULL,
	`idempotency_key` text NOT NULL,
	`provider_id` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`not_before` text,
	`lease_owner` text,
	`lease_until` text,
	`handed_at` text,
	`sent_at` text,
	`delivery_status` text,
	`delivered_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`case_id`) REFERENCES `cases`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "messages_channel" CHECK("__new_messages"."channel" in ('email', 'sms', 'letter', 'registered_letter')),
	CONSTRAINT "messages_status_check" CHECK("__new_messages"."status" in ('queued', 'sending', 'sent', 'written', 'failed', 'cancelled', 'unknown')),
	CONSTRAINT "messages_purpose_check" CHECK("__new_messages"."purpose" in ('reminder', 'notice', 'thanks', 'floor', 'account', 'summary'))
);
--> statement-breakpoint
INSERT INTO `__new_messages`("id", "case_id", "customer_id", "user_id", "channel", "purpose", "template_code", "step_code", "invoice_ref", "planned_action_id", "site_id", "recipient", "sender_name", "subject", "body", "letter", "status", "idempotency_key", "provider_id", "attempts", "last_error", "not_before", "lease_owner", "lease_until", "handed_at", "sent_at", "delivery_status", "delivered_at", "created_at", "updated_at") SELECT "id", "case_id", "customer_id", "user_id", "channel", "purpose", "template_code", "step_code", "invoice_ref", "planned_action_id", "site_id", "recipient", "sender_name", "subject", "body", "letter", "status", "idempotency_key", "provider_id", "attempts", "last_error", "not_before", "lease_owner", "lease_until", "handed_at", "sent_at", "delivery_status", "delivered_at", "created_at", "updated_at" FROM `messages`;--> statement-breakpoint
DROP TABLE `messages`;--> statement-breakpoint
ALTER TABLE `__new_messages` RENAME TO `messages`;--> statement-breakpoint
CREATE UNIQUE INDEX `messages_idempotency_key_unique` ON `messages` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `messages_status_not_before` ON `messages` (`status`,`not_before`);--> statement-breakpoint
CREATE INDEX `messages_customer` ON `messages` (`customer_id`);--> statement-breakpoint
CREATE INDEX `messages_lease` ON `messages` (`status`,`lease_until`);--> statement-breakpoint
CREATE TABLE `__new_customers` (
	`id` text PRIMARY KEY NOT NULL,
	`ref` text NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`email` text,
	`phone` text,
	`address` text,
	`postal_code` text,
	`city` text,
	`payment_method` text NOT NULL,
	`segment` text DEFAULT 'box' NOT NULL,
	`stop` integer DEFAULT false NOT NULL,
	`office_stop_at` text,
	`office_stop_by` text,
	`office_stop_note` text,
	`dispute_at` text,
	`dispute_by` text,
	`dispute_note` text,
	`office_segment` text,
	`legal_hold_reason` text,
	`legal_hold_at` text,
	`legal_hold_by` text,
	`pseudonymised_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "customers_kind" CHECK("__new_customers"."kind" in ('person', 'company')),
	CONSTRAINT "customers_payment_method" CHECK("__new_customers"."payment_method" in ('card', 'sepa', 'transfer', 'cheque', 'cash')),
	CONSTRAINT "customers_segment" CHECK("__new_customers"."segment" in ('box', 'standard', 'standard-sans-email', 'export', 'grand-compte', 'mauvais-payeur')),
	CONSTRAINT "customers_office_segment" CHECK("__new_customers"."office_segment" in ('box', 'standard', 'standard-sans-email', 'export', 'grand-compte', 'mauvais-payeur'))
);
--> statement-breakpoint
INSERT INTO `__new_customers`("id", "ref", "kind", "name", "email", "phone", "address", "postal_code", "city", "payment_method", "segment", "stop", "legal_hold_reason", "legal_hold_at", "legal_hold_by", "pseudonymised_at", "created_at", "updated_at") SELECT "id", "ref", "kind", "name", "email", "phone", "address", "postal_code", "city", "payment_method", "segment", "stop", "legal_hold_reason", "legal_hold_at", "legal_hold_by", "pseudonymised_at", "created_at", "updated_at" FROM `customers`;--> statement-breakpoint
DROP TABLE `customers`;--> statement-breakpoint
ALTER TABLE `__new_customers` RENAME TO `customers`;--> statement-breakpoint
CREATE UNIQUE INDEX `customers_ref_unique` ON `customers` (`ref`);--> statement-breakpoint
CREATE INDEX `customers_name` ON `customers` (`name`);--> statement-breakpoint
ALTER TABLE `cases` ADD `handed_over_at` text;--> statement-breakpoint
ALTER TABLE `cases` ADD `hand_over_id` text;
CREATE TABLE `sites` (
	`id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`name` text NOT NULL,
	`address` text,
	`postal_code` text,
	`city` text,
	`phone` text,
	`email` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sites_code_unique` ON `sites` (`code`);--> statement-breakpoint
CREATE TABLE `units` (
	`id` text PRIMARY KEY NOT NULL,
	`site_id` text NOT NULL,
	`number` text NOT NULL,
	`building` text,
	`aisle` text,
	`size_m2` real,
	`padlock_state` text DEFAULT 'none' NOT NULL,
	`gate_state` text DEFAULT 'active' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "units_padlock_state" CHECK("units"."padlock_state" in ('none', 'second_padlock')),
	CONSTRAINT "units_gate_state" CHECK("units"."gate_state" in ('active', 'suspended'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `units_site_number` ON `units` (`site_id`,`number`);--> statement-breakpoint
CREATE INDEX `units_walking_order` ON `units` (`site_id`,`building`,`aisle`,`number`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`last_seen_at` text NOT NULL,
	`user_agent` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sessions_user` ON `sessions` (`user_id`);--> statement-breakpoint
CREATE TABLE `user_sites` (
	`user_id` text NOT NULL,
	`site_id` text NOT NULL,
	PRIMARY KEY(`user_id`, `site_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `user_sites_site` ON `user_sites` (`site_id`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`initials` text NOT NULL,
	`role` text NOT NULL,
	`password_hash` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "users_role" CHECK("users"."role" in ('site_manager', 'manager', 'office'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);--> statement-breakpoint
CREATE TABLE `contracts` (
	`id` text PRIMARY KEY NOT NULL,
	`ref` text NOT NULL,
	`customer_id` text NOT NULL,
	`unit_id` text NOT NULL,
	`monthly_rent_cents` integer NOT NULL,
	`start_date` text NOT NULL,
	`end_date` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `contracts_ref_unique` ON `contracts` (`ref`);--> statement-breakpoint
CREATE INDEX `contracts_customer` ON `contracts` (`customer_id`);--> statement-breakpoint
CREATE INDEX `contracts_unit` ON `contracts` (`unit_id`);--> statement-breakpoint
CREATE TABLE `customers` (
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
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "customers_kind" CHECK("customers"."kind" in ('person', 'company')),
	CONSTRAINT "customers_payment_method" CHECK("customers"."payment_method" in ('card', 'sepa', 'transfer', 'cheque', 'cash')),
	CONSTRAINT "customers_segment" CHECK("customers"."segment" in ('box', 'standard', 'standard-sans-email', 'export', 'grand-compte', 'mauvais-payeur'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `customers_ref_unique` ON `customers` (`ref`);--> statement-breakpoint
CREATE INDEX `customers_name` ON `customers` (`name`);--> statement-breakpoint
CREATE TABLE `invoices` (
	`id` text PRIMARY KEY NOT NULL,
	`ref` text NOT NULL,
	`customer_id` text NOT NULL,
	`contract_id` text,
	`kind` text DEFAULT 'rent' NOT NULL,
	`issue_date` text NOT NULL,
	`due_date` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`contract_id`) REFERENCES `contracts`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "invoices_kind" CHECK("invoices"."kind" in ('rent', 'fee', 'credit_note'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_ref_unique` ON `invoices` (`ref`);--> statement-breakpoint
CREATE INDEX `invoices_customer_due` ON `invoices` (`customer_id`,`due_date`);--> statement-breakpoint
CREATE TABLE `payment_incidents` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`payment_id` text,
	`invoice_id` text,
	`kind` text NOT NULL,
	`occurred_on` text NOT NULL,
	`reason` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`payment_id`) REFERENCES `payments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`invoice_id`) REFERENCES `invoices`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "payment_incidents_kind" CHECK("payment_incidents"."kind" in ('card_rejected', 'sepa_rejected', 'cheque_bounced', 'transfer_missing'))
);
--> statement-breakpoint
CREATE INDEX `payment_incidents_customer` ON `payment_incidents` (`customer_id`);--> statement-breakpoint
CREATE TABLE `payments` (
	`id` text PRIMARY KEY NOT NULL,
	`ref` text NOT NULL,
	`customer_id` text NOT NULL,
	`invoice_id` text,
	`date` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`method` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`invoice_id`) REFERENCES `invoices`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "payments_method" CHECK("payments"."method" in ('card', 'sepa', 'transfer', 'cheque', 'cash')),
	CONSTRAINT "payments_status" CHECK("payments"."status" in ('ok', 'rejected'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payments_ref_unique` ON `payments` (`ref`);--> statement-breakpoint
CREATE INDEX `payments_customer` ON `payments` (`customer_id`);--> statement-breakpoint
CREATE INDEX `payments_invoice` ON `payments` (`invoice_id`);--> statement-breakpoint
CREATE TABLE `actions` (
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
	`data` text,
	FOREIGN KEY (`case_id`) REFERENCES `cases`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "actions_kind" CHECK("actions"."kind" in ('call', 'sms', 'email', 'letter', 'registered_letter', 'note', 'promise', 'customer_answer', 'padlock_placed', 'padlock_removed', 'gate_suspended', 'gate_restored', 'level_changed', 'payment', 'fee', 'contract_ended', 'box_opened', 'box_cleared'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `actions_mutation_id_unique` ON `actions` (`mutation_id`);--> statement-breakpoint
CREATE INDEX `actions_customer_happened` ON `actions` (`customer_id`,`happened_at`);--> statement-breakpoint
CREATE INDEX `actions_case` ON `actions` (`case_id`);--> statement-breakpoint
CREATE INDEX `actions_unit` ON `actions` (`unit_id`);--> statement-breakpoint
CREATE TABLE `cases` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`opened_on` text NOT NULL,
	`anchor_on` text NOT NULL,
	`level` text DEFAULT 'none' NOT NULL,
	`stage` text,
	`closed_on` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "cases_status_check" CHECK("cases"."status" in ('open', 'paid', 'written_off', 'contract_ended')),
	CONSTRAINT "cases_level_check" CHECK("cases"."level" in ('none', 'R1', 'R2', 'R3', 'R4', 'R5'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `cases_one_open_per_customer` ON `cases` (`customer_id`) WHERE "cases"."status" = 'open';--> statement-breakpoint
CREATE INDEX `cases_customer` ON `cases` (`customer_id`);--> statement-breakpoint
CREATE INDEX `cases_status` ON `cases` (`status`);--> statement-breakpoint
CREATE TABLE `tasks` (
	`id` text PRIMARY KEY NOT NULL,
	`site_id` text NOT NULL,
	`case_id` text,
	`customer_id` text NOT NULL,
	`unit_id` text,
	`kind` text NOT NULL,
	`step_code` text,
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
	FOREIGN KEY (`done_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "tasks_kind" CHECK("tasks"."kind" in ('call', 'card_rerun', 'padlock_place', 'padlock_remove', 'gate_suspend', 'gate_restore', 'open_box', 'fix_contact')),
	CONSTRAINT "tasks_status" CHECK("tasks"."status" in ('open', 'done', 'cancelled'))
);
--> statement-breakpoint
CREATE INDEX `tasks_site_status_due` ON `tasks` (`site_id`,`status`,`due_on`);--> statement-breakpoint
CREATE INDEX `tasks_customer` ON `tasks` (`customer_id`);--> statement-breakpoint
CREATE TABLE `messages` (
	`id` text PRIMARY KEY NOT NULL,
	`case_id` text,
	`customer_id` text NOT NULL,
	`channel` text NOT NULL,
	`template_code` text,
	`step_code` text,
	`recipient` text NOT NULL,
	`subject` text,
	`body` text NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`idempotency_key` text NOT NULL,
	`provider_id` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`not_before` text,
	`sent_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`case_id`) REFERENCES `cases`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "messages_channel" CHECK("messages"."channel" in ('email', 'sms', 'letter', 'registered_letter')),
	CONSTRAINT "messages_status_check" CHECK("messages"."status" in ('queued', 'sending', 'sent', 'failed', 'cancelled'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_idempotency_key_unique` ON `messages` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `messages_status_not_before` ON `messages` (`status`,`not_before`);--> statement-breakpoint
CREATE INDEX `messages_customer` ON `messages` (`customer_id`);--> statement-breakpoint
CREATE TABLE `photos` (
	`sha256` text PRIMARY KEY NOT NULL,
	`size_bytes` integer NOT NULL,
	`mime` text NOT NULL,
	`width` integer,
	`height` integer,
	`unit_id` text,
	`taken_at` text,
	`taken_by` text,
	`received_at` text NOT NULL,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`taken_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `photos_unit` ON `photos` (`unit_id`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` text NOT NULL,
	`user_id` text,
	`event` text NOT NULL,
	`entity` text,
	`entity_id` text,
	`details` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `audit_log_at` ON `audit_log` (`at`);--> statement-breakpoint
CREATE INDEX `audit_log_user` ON `audit_log` (`user_id`);
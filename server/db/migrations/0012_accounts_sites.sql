CREATE TABLE `user_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`purpose` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`used_at` text,
	`created_by` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "user_tokens_purpose" CHECK("user_tokens"."purpose" in ('invitation', 'reset'))
);
--> statement-breakpoint
CREATE INDEX `user_tokens_user` ON `user_tokens` (`user_id`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
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
	`status` text DEFAULT 'queued' NOT NULL,
	`idempotency_key` text NOT NULL,
	`provider_id` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`not_before` text,
	`lease_owner` text,
	`lease_until` text,
	`sent_at` text,
	`delivery_status` text,
	`delivered_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`case_id`) REFERENCES `cases`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "messages_channel" CHECK("__new_messages"."channel" in ('email', 'sms', 'letter', 'registered_letter')),
	CONSTRAINT "messages_status_check" CHECK("__new_messages"."status" in ('queued', 'sending', 'sent', 'written', 'failed', 'cancelled', 'unknown')),
	CONSTRAINT "messages_purpose_check" CHECK("__new_messages"."purpose" in ('reminder', 'notice', 'thanks', 'floor', 'account'))
);
--> statement-breakpoint
INSERT INTO `__new_messages`("id", "case_id", "customer_id", "user_id", "channel", "purpose", "template_code", "step_code", "invoice_ref", "planned_action_id", "site_id", "recipient", "sender_name", "subject", "body", "letter", "status", "idempotency_key", "provider_id", "attempts", "last_error", "not_before", "lease_owner", "lease_until", "sent_at", "delivery_status", "delivered_at", "created_at", "updated_at") SELECT "id", "case_id", "customer_id", NULL, "channel", "purpose", "template_code", "step_code", "invoice_ref", "planned_action_id", "site_id", "recipient", "sender_name", "subject", "body", "letter", "status", "idempotency_key", "provider_id", "attempts", "last_error", "not_before", "lease_owner", "lease_until", "sent_at", "delivery_status", "delivered_at", "created_at", "updated_at" FROM `messages`;--> statement-breakpoint
DROP TABLE `messages`;--> statement-breakpoint
ALTER TABLE `__new_messages` RENAME TO `messages`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `messages_idempotency_key_unique` ON `messages` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `messages_status_not_before` ON `messages` (`status`,`not_before`);--> statement-breakpoint
CREATE INDEX `messages_customer` ON `messages` (`customer_id`);--> statement-breakpoint
CREATE INDEX `messages_lease` ON `messages` (`status`,`lease_until`);--> statement-breakpoint
ALTER TABLE `sites` ADD `sender_name` text;--> statement-breakpoint
ALTER TABLE `sites` ADD `reply_to` text;--> statement-breakpoint
ALTER TABLE `sites` ADD `sms_sender` text;--> statement-breakpoint
ALTER TABLE `sites` ADD `legal_name` text;--> statement-breakpoint
ALTER TABLE `sites` ADD `siret` text;--> statement-breakpoint
ALTER TABLE `sites` ADD `rcs` text;--> statement-breakpoint
ALTER TABLE `sites` ADD `registered_office` text;--> statement-breakpoint
ALTER TABLE `sites` ADD `signatory_name` text;--> statement-breakpoint
ALTER TABLE `sites` ADD `signatory_title` text;--> statement-breakpoint
ALTER TABLE `sites` ADD `logo` blob;--> statement-breakpoint
ALTER TABLE `sites` ADD `logo_type` text;--> statement-breakpoint
ALTER TABLE `sites` ADD `time_zone` text;--> statement-breakpoint
ALTER TABLE `sites` ADD `opening_hours` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `place` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `last_address` text;--> statement-breakpoint
ALTER TABLE `users` ADD `password_set_at` text;--> statement-breakpoint
ALTER TABLE `users` ADD `deactivated_at` text;--> statement-breakpoint
ALTER TABLE `users` ADD `created_by` text;--> statement-breakpoint
ALTER TABLE `audit_log` ADD `address` text;
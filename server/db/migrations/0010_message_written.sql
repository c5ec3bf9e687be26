PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_message_attempts` (
	`id` text PRIMARY KEY NOT NULL,
	`message_id` text NOT NULL,
	`worker` text NOT NULL,
	`at` text NOT NULL,
	`outcome` text NOT NULL,
	`detail` text,
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "message_attempts_outcome" CHECK("__new_message_attempts"."outcome" in ('sent', 'written', 'retry', 'failed', 'cancelled', 'postponed', 'in_doubt', 'reconciled'))
);
--> statement-breakpoint
INSERT INTO `__new_message_attempts`("id", "message_id", "worker", "at", "outcome", "detail") SELECT "id", "message_id", "worker", "at", "outcome", "detail" FROM `message_attempts`;--> statement-breakpoint
DROP TABLE `message_attempts`;--> statement-breakpoint
ALTER TABLE `__new_message_attempts` RENAME TO `message_attempts`;--> statement-breakpoint
CREATE INDEX `message_attempts_message` ON `message_attempts` (`message_id`);--> statement-breakpoint
CREATE TABLE `__new_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`case_id` text,
	`customer_id` text NOT NULL,
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
	CONSTRAINT "messages_purpose_check" CHECK("__new_messages"."purpose" in ('reminder', 'notice', 'thanks', 'floor'))
);
--> statement-breakpoint
INSERT INTO `__new_messages`("id", "case_id", "customer_id", "channel", "purpose", "template_code", "step_code", "invoice_ref", "planned_action_id", "site_id", "recipient", "sender_name", "subject", "body", "letter", "status", "idempotency_key", "provider_id", "attempts", "last_error", "not_before", "lease_owner", "lease_until", "sent_at", "delivery_status", "delivered_at", "created_at", "updated_at") SELECT "id", "case_id", "customer_id", "channel", "purpose", "template_code", "step_code", "invoice_ref", "planned_action_id", "site_id", "recipient", "sender_name", "subject", "body", "letter", "status", "idempotency_key", "provider_id", "attempts", "last_error", "not_before", "lease_owner", "lease_until", "sent_at", "delivery_status", "delivered_at", "created_at", "updated_at" FROM `messages`;--> statement-breakpoint
DROP TABLE `messages`;--> statement-breakpoint
ALTER TABLE `__new_messages` RENAME TO `messages`;--> statement-breakpoint
CREATE UNIQUE INDEX `messages_idempotency_key_unique` ON `messages` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `messages_status_not_before` ON `messages` (`status`,`not_before`);--> statement-breakpoint
CREATE INDEX `messages_customer` ON `messages` (`customer_id`);--> statement-breakpoint
CREATE INDEX `messages_lease` ON `messages` (`status`,`lease_until`);--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
-- Messages that only went to the local folder (no provider set) were recorded as sent: they were not.
UPDATE `messages` SET `status` = 'written' WHERE `status` = 'sent' AND `provider_id` LIKE 'file:%';--> statement-breakpoint
UPDATE `message_attempts` SET `outcome` = 'written' WHERE `outcome` = 'sent' AND `detail` LIKE 'file:%';

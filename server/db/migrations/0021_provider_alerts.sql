CREATE TABLE `provider_alerts` (
	`channel` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`message` text NOT NULL,
	`detail` text,
	`since` text NOT NULL,
	`last_at` text NOT NULL,
	`held` integer DEFAULT 0 NOT NULL,
	CONSTRAINT "provider_alerts_channel" CHECK("provider_alerts"."channel" in ('email', 'sms'))
);
--> statement-breakpoint
ALTER TABLE `messages` ADD `handed_at` text;
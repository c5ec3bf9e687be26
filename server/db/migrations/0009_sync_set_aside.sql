CREATE TABLE `set_aside_mutations` (
	`id` text PRIMARY KEY NOT NULL,
	`client_id` text NOT NULL,
	`user_id` text NOT NULL,
	`seq` integer NOT NULL,
	`kind` text NOT NULL,
	`faults` integer NOT NULL,
	`last_error` text,
	`first_reported_at` text NOT NULL,
	`reported_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `set_aside_mutations_reported` ON `set_aside_mutations` (`reported_at`);--> statement-breakpoint
ALTER TABLE `sync_clients` ADD `reported_pending` integer;--> statement-breakpoint
ALTER TABLE `sync_clients` ADD `reported_at` text;
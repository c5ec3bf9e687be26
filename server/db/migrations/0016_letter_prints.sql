CREATE TABLE `letter_batches` (
	`id` text PRIMARY KEY NOT NULL,
	`printed_on` text NOT NULL,
	`printed_at` text NOT NULL,
	`user_id` text,
	`initials` text NOT NULL,
	`message_ids` text NOT NULL,
	`file` text NOT NULL,
	`sha256` text NOT NULL,
	`pages` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `letter_batches_printed_at` ON `letter_batches` (`printed_at`);--> statement-breakpoint
CREATE TABLE `letter_prints` (
	`id` text PRIMARY KEY NOT NULL,
	`batch_id` text NOT NULL,
	`message_id` text NOT NULL,
	`printed_on` text NOT NULL,
	`printed_at` text NOT NULL,
	`copies` text NOT NULL,
	`file` text NOT NULL,
	`sha256` text NOT NULL,
	FOREIGN KEY (`batch_id`) REFERENCES `letter_batches`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `letter_prints_message` ON `letter_prints` (`message_id`,`printed_at`);
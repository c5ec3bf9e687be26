CREATE TABLE `import_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`file_name` text NOT NULL,
	`user_id` text,
	`ok` integer NOT NULL,
	`lines` integer NOT NULL,
	`created` integer DEFAULT 0 NOT NULL,
	`updated` integer DEFAULT 0 NOT NULL,
	`errors` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "import_runs_kind" CHECK("import_runs"."kind" in ('customers', 'contracts', 'invoices', 'payments'))
);
--> statement-breakpoint
CREATE INDEX `import_runs_kind_at` ON `import_runs` (`kind`,`created_at`);--> statement-breakpoint
CREATE TABLE `engine_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`as_of` text NOT NULL,
	`started_at` text NOT NULL,
	`finished_at` text,
	`held_reason` text,
	`planned` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `payment_plans` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`agreed_on` text NOT NULL,
	`instalments` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `payment_plans_customer` ON `payment_plans` (`customer_id`);--> statement-breakpoint
CREATE TABLE `planned_actions` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`case_id` text,
	`key` text NOT NULL,
	`scenario` text NOT NULL,
	`step` text NOT NULL,
	`occurrence` integer NOT NULL,
	`action` text NOT NULL,
	`channel` text,
	`date` text NOT NULL,
	`needs_approval` integer NOT NULL,
	`status` text NOT NULL,
	`detail` text,
	`run_id` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`case_id`) REFERENCES `cases`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`run_id`) REFERENCES `engine_runs`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "planned_actions_status_check" CHECK("planned_actions"."status" in ('planned', 'awaiting_approval', 'approved', 'rejected', 'held', 'done', 'cancelled'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `planned_actions_customer_key` ON `planned_actions` (`customer_id`,`key`);--> statement-breakpoint
CREATE INDEX `planned_actions_case` ON `planned_actions` (`case_id`);--> statement-breakpoint
CREATE INDEX `planned_actions_status` ON `planned_actions` (`status`);--> statement-breakpoint
CREATE TABLE `scenarios` (
	`code` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`steps` text NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "scenarios_code" CHECK("scenarios"."code" in ('box', 'standard', 'standard-sans-email', 'export', 'grand-compte', 'mauvais-payeur'))
);

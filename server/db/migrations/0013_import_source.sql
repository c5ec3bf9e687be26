PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_import_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`file_name` text NOT NULL,
	`user_id` text,
	`source` text DEFAULT 'office' NOT NULL,
	`ok` integer NOT NULL,
	`lines` integer NOT NULL,
	`created` integer DEFAULT 0 NOT NULL,
	`updated` integer DEFAULT 0 NOT NULL,
	`errors` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "import_runs_kind" CHECK("__new_import_runs"."kind" in ('customers', 'contracts', 'invoices', 'payments')),
	CONSTRAINT "import_runs_source" CHECK("__new_import_runs"."source" in ('office', 'command_line', 'folder'))
);
--> statement-breakpoint
INSERT INTO `__new_import_runs`("id", "kind", "file_name", "user_id", "source", "ok", "lines", "created", "updated", "errors", "created_at") SELECT "id", "kind", "file_name", "user_id", CASE WHEN "user_id" IS NULL THEN 'command_line' ELSE 'office' END, "ok", "lines", "created", "updated", "errors", "created_at" FROM `import_runs`;--> statement-breakpoint
DROP TABLE `import_runs`;--> statement-breakpoint
ALTER TABLE `__new_import_runs` RENAME TO `import_runs`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `import_runs_kind_at` ON `import_runs` (`kind`,`created_at`);
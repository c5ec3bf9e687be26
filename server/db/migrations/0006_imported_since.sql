CREATE INDEX `invoices_updated` ON `invoices` (`updated_at`);--> statement-breakpoint
CREATE INDEX `payments_status_updated` ON `payments` (`status`,`updated_at`);
CREATE INDEX `invoices_due` ON `invoices` (`due_date`);--> statement-breakpoint
CREATE INDEX `payments_status_date` ON `payments` (`status`,`date`);--> statement-breakpoint
CREATE INDEX `cases_closed_on` ON `cases` (`closed_on`);
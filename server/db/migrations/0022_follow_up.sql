-- The follow-up table (issue 17) keeps every customer's balance in memory, keyed by this counter: any write to
-- invoices or payments — by whatever code path or process — moves it, and the next view adds the accounts up again.
CREATE TABLE `ledger_version` (
	`id` integer PRIMARY KEY NOT NULL CHECK (`id` = 1),
	`n` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `ledger_version` (`id`, `n`) VALUES (1, 0);
--> statement-breakpoint
CREATE TRIGGER `ledger_version_invoices_insert` AFTER INSERT ON `invoices` BEGIN UPDATE `ledger_version` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `ledger_version_invoices_update` AFTER UPDATE ON `invoices` BEGIN UPDATE `ledger_version` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `ledger_version_invoices_delete` AFTER DELETE ON `invoices` BEGIN UPDATE `ledger_version` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `ledger_version_payments_insert` AFTER INSERT ON `payments` BEGIN UPDATE `ledger_version` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `ledger_version_payments_update` AFTER UPDATE ON `payments` BEGIN UPDATE `ledger_version` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `ledger_version_payments_delete` AFTER DELETE ON `payments` BEGIN UPDATE `ledger_version` SET `n` = `n` + 1 WHERE `id` = 1; END;

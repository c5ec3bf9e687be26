ALTER TABLE `sites` ADD `legal_form` text;--> statement-breakpoint
ALTER TABLE `sites` ADD `share_capital` text;--> statement-breakpoint
ALTER TABLE `sites` ADD `iban` text;
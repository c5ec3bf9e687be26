-- Issue 17: the dashboards' first view at chain scale. Sums kept by triggers in the transaction of every write, by
-- whatever code path or process: each customer's invoices and payments (`customer_totals`, the follow-up table's
-- balances), and per site and day the cash received, the invoices falling due and what was paid on them within
-- 15/30/60 days (`ledger_days`, the dashboards' cash, cohorts and countback DSO). A row counts at its customer's
-- only site (`site_id`); a customer with boxes at several sites has none, and the dashboards add him up live among
-- the sites asked for. tests/integration/ledger-totals.test.ts checks the sums against the rows after every kind of
-- write.
CREATE TABLE `customer_totals` (
	`customer_id` text PRIMARY KEY NOT NULL,
	`invoiced_cents` integer DEFAULT 0 NOT NULL,
	`paid_cents` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `ledger_days` (
	`site_id` text NOT NULL,
	`day` text NOT NULL,
	`cash_cents` integer DEFAULT 0 NOT NULL,
	`due_cents` integer DEFAULT 0 NOT NULL,
	`paid15_cents` integer DEFAULT 0 NOT NULL,
	`paid30_cents` integer DEFAULT 0 NOT NULL,
	`paid60_cents` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`site_id`, `day`)
);
--> statement-breakpoint
DROP INDEX `payments_customer`;--> statement-breakpoint
ALTER TABLE `payments` ADD `site_id` text;--> statement-breakpoint
CREATE INDEX `payments_customer_date` ON `payments` (`customer_id`,`date`);--> statement-breakpoint
ALTER TABLE `invoices` ADD `site_id` text;--> statement-breakpoint
ALTER TABLE `invoices` ADD `paid15_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `invoices` ADD `paid30_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `invoices` ADD `paid60_cents` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
-- The site a customer's rows count at: his only site, null when his boxes are at several.
CREATE VIEW `ledger_homes` AS SELECT ct.`customer_id`, CASE WHEN count(DISTINCT u.`site_id`) = 1 THEN min(u.`site_id`) END AS `site_id`
  FROM `contracts` ct JOIN `units` u ON u.`id` = ct.`unit_id` GROUP BY ct.`customer_id`;
--> statement-breakpoint
-- Paid on each invoice within 15/30/60 days of its due date.
UPDATE `invoices` SET `paid15_cents` = x.`p15`, `paid30_cents` = x.`p30`, `paid60_cents` = x.`p60` FROM (
  SELECT p.`invoice_id` AS `id`,
    coalesce(sum(CASE WHEN p.`date` <= date(i.`due_date`, '+15 days') THEN p.`amount_cents` END), 0) AS `p15`,
    coalesce(sum(CASE WHEN p.`date` <= date(i.`due_date`, '+30 days') THEN p.`amount_cents` END), 0) AS `p30`,
    coalesce(sum(CASE WHEN p.`date` <= date(i.`due_date`, '+60 days') THEN p.`amount_cents` END), 0) AS `p60`
  FROM `payments` p JOIN `invoices` i ON i.`id` = p.`invoice_id` WHERE p.`status` = 'ok' GROUP BY p.`invoice_id`) x
WHERE `invoices`.`id` = x.`id`;
--> statement-breakpoint
UPDATE `invoices` SET `site_id` = h.`site_id` FROM `ledger_homes` h WHERE h.`customer_id` = `invoices`.`customer_id` AND h.`site_id` IS NOT NULL;
--> statement-breakpoint
UPDATE `payments` SET `site_id` = h.`site_id` FROM `ledger_homes` h WHERE h.`customer_id` = `payments`.`customer_id` AND h.`site_id` IS NOT NULL;
--> statement-breakpoint
INSERT INTO `customer_totals` (`customer_id`, `invoiced_cents`, `paid_cents`)
  SELECT c.`id`, coalesce((SELECT sum(i.`amount_cents`) FROM `invoices` i WHERE i.`customer_id` = c.`id`), 0),
    coalesce((SELECT sum(p.`amount_cents`) FROM `payments` p WHERE p.`customer_id` = c.`id` AND +p.`status` = 'ok'), 0)
  FROM `customers` c;
--> statement-breakpoint
INSERT INTO `ledger_days` (`site_id`, `day`, `cash_cents`, `due_cents`, `paid15_cents`, `paid30_cents`, `paid60_cents`)
  SELECT `site_id`, `day`, sum(`cash`), sum(`due`), sum(`p15`), sum(`p30`), sum(`p60`) FROM (
    SELECT `site_id`, `date` AS `day`, `amount_cents` AS `cash`, 0 AS `due`, 0 AS `p15`, 0 AS `p30`, 0 AS `p60` FROM `payments` WHERE `site_id` IS NOT NULL AND `status` = 'ok'
    UNION ALL
    SELECT `site_id`, `due_date`, 0, `amount_cents`, min(`amount_cents`, `paid15_cents`), min(`amount_cents`, `paid30_cents`), min(`amount_cents`, `paid60_cents`)
    FROM `invoices` WHERE `site_id` IS NOT NULL AND `amount_cents` > 0)
  GROUP BY `site_id`, `day`;
--> statement-breakpoint
-- customer_totals
CREATE TRIGGER `customer_totals_invoices_insert` AFTER INSERT ON `invoices` BEGIN
  INSERT INTO `customer_totals` (`customer_id`, `invoiced_cents`) VALUES (new.`customer_id`, new.`amount_cents`)
    ON CONFLICT (`customer_id`) DO UPDATE SET `invoiced_cents` = `invoiced_cents` + excluded.`invoiced_cents`;
END;
--> statement-breakpoint
CREATE TRIGGER `customer_totals_invoices_update` AFTER UPDATE OF `customer_id`, `amount_cents` ON `invoices`
WHEN old.`customer_id` IS NOT new.`customer_id` OR old.`amount_cents` IS NOT new.`amount_cents` BEGIN
  UPDATE `customer_totals` SET `invoiced_cents` = `invoiced_cents` - old.`amount_cents` WHERE `customer_id` = old.`customer_id`;
  INSERT INTO `customer_totals` (`customer_id`, `invoiced_cents`) VALUES (new.`customer_id`, new.`amount_cents`)
    ON CONFLICT (`customer_id`) DO UPDATE SET `invoiced_cents` = `invoiced_cents` + excluded.`invoiced_cents`;
END;
--> statement-breakpoint
CREATE TRIGGER `customer_totals_invoices_delete` AFTER DELETE ON `invoices` BEGIN
  UPDATE `customer_totals` SET `invoiced_cents` = `invoiced_cents` - old.`amount_cents` WHERE `customer_id` = old.`customer_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `customer_totals_payments_insert` AFTER INSERT ON `payments` WHEN new.`status` = 'ok' BEGIN
  INSERT INTO `customer_totals` (`customer_id`, `paid_cents`) VALUES (new.`customer_id`, new.`amount_cents`)
    ON CONFLICT (`customer_id`) DO UPDATE SET `paid_cents` = `paid_cents` + excluded.`paid_cents`;
END;
--> statement-breakpoint
CREATE TRIGGER `customer_totals_payments_update` AFTER UPDATE OF `customer_id`, `amount_cents`, `status` ON `payments`
WHEN old.`customer_id` IS NOT new.`customer_id` OR old.`amount_cents` IS NOT new.`amount_cents` OR old.`status` IS NOT new.`status` BEGIN
  UPDATE `customer_totals` SET `paid_cents` = `paid_cents` - old.`amount_cents` WHERE `customer_id` = old.`customer_id` AND old.`status` = 'ok';
  INSERT INTO `customer_totals` (`customer_id`, `paid_cents`) SELECT new.`customer_id`, new.`amount_cents` WHERE new.`status` = 'ok'
    ON CONFLICT (`customer_id`) DO UPDATE SET `paid_cents` = `paid_cents` + excluded.`paid_cents`;
END;
--> statement-breakpoint
CREATE TRIGGER `customer_totals_payments_delete` AFTER DELETE ON `payments` WHEN old.`status` = 'ok' BEGIN
  UPDATE `customer_totals` SET `paid_cents` = `paid_cents` - old.`amount_cents` WHERE `customer_id` = old.`customer_id`;
END;
--> statement-breakpoint
-- what was paid on each invoice within 15/30/60 days of its due date
CREATE TRIGGER `invoice_paid_payments_insert` AFTER INSERT ON `payments` WHEN new.`invoice_id` IS NOT NULL AND new.`status` = 'ok' BEGIN
  UPDATE `invoices` SET
    `paid15_cents` = coalesce((SELECT sum(p.`amount_cents`) FROM `payments` p WHERE p.`invoice_id` = `invoices`.`id` AND +p.`status` = 'ok' AND +p.`date` <= date(`invoices`.`due_date`, '+15 days')), 0),
    `paid30_cents` = coalesce((SELECT sum(p.`amount_cents`) FROM `payments` p WHERE p.`invoice_id` = `invoices`.`id` AND +p.`status` = 'ok' AND +p.`date` <= date(`invoices`.`due_date`, '+30 days')), 0),
    `paid60_cents` = coalesce((SELECT sum(p.`amount_cents`) FROM `payments` p WHERE p.`invoice_id` = `invoices`.`id` AND +p.`status` = 'ok' AND +p.`date` <= date(`invoices`.`due_date`, '+60 days')), 0)
  WHERE `id` = new.`invoice_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `invoice_paid_payments_update` AFTER UPDATE OF `invoice_id`, `amount_cents`, `date`, `status` ON `payments`
WHEN (old.`invoice_id` IS NOT new.`invoice_id` OR old.`amount_cents` IS NOT new.`amount_cents` OR old.`date` IS NOT new.`date` OR old.`status` IS NOT new.`status`)
  AND (old.`invoice_id` IS NOT NULL OR new.`invoice_id` IS NOT NULL) BEGIN
  UPDATE `invoices` SET
    `paid15_cents` = coalesce((SELECT sum(p.`amount_cents`) FROM `payments` p WHERE p.`invoice_id` = `invoices`.`id` AND +p.`status` = 'ok' AND +p.`date` <= date(`invoices`.`due_date`, '+15 days')), 0),
    `paid30_cents` = coalesce((SELECT sum(p.`amount_cents`) FROM `payments` p WHERE p.`invoice_id` = `invoices`.`id` AND +p.`status` = 'ok' AND +p.`date` <= date(`invoices`.`due_date`, '+30 days')), 0),
    `paid60_cents` = coalesce((SELECT sum(p.`amount_cents`) FROM `payments` p WHERE p.`invoice_id` = `invoices`.`id` AND +p.`status` = 'ok' AND +p.`date` <= date(`invoices`.`due_date`, '+60 days')), 0)
  WHERE `id` IN (old.`invoice_id`, new.`invoice_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `invoice_paid_payments_delete` AFTER DELETE ON `payments` WHEN old.`invoice_id` IS NOT NULL AND old.`status` = 'ok' BEGIN
  UPDATE `invoices` SET
    `paid15_cents` = coalesce((SELECT sum(p.`amount_cents`) FROM `payments` p WHERE p.`invoice_id` = `invoices`.`id` AND +p.`status` = 'ok' AND +p.`date` <= date(`invoices`.`due_date`, '+15 days')), 0),
    `paid30_cents` = coalesce((SELECT sum(p.`amount_cents`) FROM `payments` p WHERE p.`invoice_id` = `invoices`.`id` AND +p.`status` = 'ok' AND +p.`date` <= date(`invoices`.`due_date`, '+30 days')), 0),
    `paid60_cents` = coalesce((SELECT sum(p.`amount_cents`) FROM `payments` p WHERE p.`invoice_id` = `invoices`.`id` AND +p.`status` = 'ok' AND +p.`date` <= date(`invoices`.`due_date`, '+60 days')), 0)
  WHERE `id` = old.`invoice_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `invoice_paid_invoices_due` AFTER UPDATE OF `due_date` ON `invoices` WHEN old.`due_date` IS NOT new.`due_date` BEGIN
  UPDATE `invoices` SET
    `paid15_cents` = coalesce((SELECT sum(p.`amount_cents`) FROM `payments` p WHERE p.`invoice_id` = `invoices`.`id` AND +p.`status` = 'ok' AND +p.`date` <= date(`invoices`.`due_date`, '+15 days')), 0),
    `paid30_cents` = coalesce((SELECT sum(p.`amount_cents`) FROM `payments` p WHERE p.`invoice_id` = `invoices`.`id` AND +p.`status` = 'ok' AND +p.`date` <= date(`invoices`.`due_date`, '+30 days')), 0),
    `paid60_cents` = coalesce((SELECT sum(p.`amount_cents`) FROM `payments` p WHERE p.`invoice_id` = `invoices`.`id` AND +p.`status` = 'ok' AND +p.`date` <= date(`invoices`.`due_date`, '+60 days')), 0)
  WHERE `id` = new.`id`;
END;
--> statement-breakpoint
-- the site a row counts at: the customer's only site, null when his boxes are at several (or none)
CREATE TRIGGER `ledger_site_invoices_insert` AFTER INSERT ON `invoices` BEGIN
  UPDATE `invoices` SET `site_id` = (SELECT `site_id` FROM `ledger_homes` WHERE `customer_id` = new.`customer_id`)
  WHERE rowid = new.rowid;
END;
--> statement-breakpoint
CREATE TRIGGER `ledger_site_invoices_customer` AFTER UPDATE OF `customer_id` ON `invoices` WHEN old.`customer_id` IS NOT new.`customer_id` BEGIN
  UPDATE `invoices` SET `site_id` = (SELECT `site_id` FROM `ledger_homes` WHERE `customer_id` = new.`customer_id`)
  WHERE rowid = new.rowid;
END;
--> statement-breakpoint
CREATE TRIGGER `ledger_site_payments_insert` AFTER INSERT ON `payments` BEGIN
  UPDATE `payments` SET `site_id` = (SELECT `site_id` FROM `ledger_homes` WHERE `customer_id` = new.`customer_id`)
  WHERE rowid = new.rowid;
END;
--> statement-breakpoint
CREATE TRIGGER `ledger_site_payments_customer` AFTER UPDATE OF `customer_id` ON `payments` WHEN old.`customer_id` IS NOT new.`customer_id` BEGIN
  UPDATE `payments` SET `site_id` = (SELECT `site_id` FROM `ledger_homes` WHERE `customer_id` = new.`customer_id`)
  WHERE rowid = new.rowid;
END;
--> statement-breakpoint
CREATE TRIGGER `ledger_site_contracts_insert` AFTER INSERT ON `contracts` BEGIN
  UPDATE `invoices` SET `site_id` = (SELECT `site_id` FROM `ledger_homes` WHERE `customer_id` = new.`customer_id`) WHERE `customer_id` = new.`customer_id`;
  UPDATE `payments` SET `site_id` = (SELECT `site_id` FROM `ledger_homes` WHERE `customer_id` = new.`customer_id`) WHERE `customer_id` = new.`customer_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `ledger_site_contracts_update` AFTER UPDATE OF `customer_id`, `unit_id` ON `contracts`
WHEN old.`customer_id` IS NOT new.`customer_id` OR old.`unit_id` IS NOT new.`unit_id` BEGIN
  UPDATE `invoices` SET `site_id` = (SELECT h.`site_id` FROM `ledger_homes` h WHERE h.`customer_id` = `invoices`.`customer_id`) WHERE `customer_id` IN (old.`customer_id`, new.`customer_id`);
  UPDATE `payments` SET `site_id` = (SELECT h.`site_id` FROM `ledger_homes` h WHERE h.`customer_id` = `payments`.`customer_id`) WHERE `customer_id` IN (old.`customer_id`, new.`customer_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `ledger_site_contracts_delete` AFTER DELETE ON `contracts` BEGIN
  UPDATE `invoices` SET `site_id` = (SELECT `site_id` FROM `ledger_homes` WHERE `customer_id` = old.`customer_id`) WHERE `customer_id` = old.`customer_id`;
  UPDATE `payments` SET `site_id` = (SELECT `site_id` FROM `ledger_homes` WHERE `customer_id` = old.`customer_id`) WHERE `customer_id` = old.`customer_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `ledger_site_units_site` AFTER UPDATE OF `site_id` ON `units` WHEN old.`site_id` IS NOT new.`site_id` BEGIN
  UPDATE `invoices` SET `site_id` = (SELECT h.`site_id` FROM `ledger_homes` h WHERE h.`customer_id` = `invoices`.`customer_id`)
    WHERE `customer_id` IN (SELECT `customer_id` FROM `contracts` WHERE `unit_id` = new.`id`);
  UPDATE `payments` SET `site_id` = (SELECT h.`site_id` FROM `ledger_homes` h WHERE h.`customer_id` = `payments`.`customer_id`)
    WHERE `customer_id` IN (SELECT `customer_id` FROM `contracts` WHERE `unit_id` = new.`id`);
END;
--> statement-breakpoint
-- the days' sums: a row's share taken from the old values and given to the new
CREATE TRIGGER `ledger_days_invoices_update` AFTER UPDATE OF `site_id`, `due_date`, `amount_cents`, `paid15_cents`, `paid30_cents`, `paid60_cents` ON `invoices`
WHEN old.`site_id` IS NOT new.`site_id` OR old.`due_date` IS NOT new.`due_date` OR old.`amount_cents` IS NOT new.`amount_cents`
  OR old.`paid15_cents` IS NOT new.`paid15_cents` OR old.`paid30_cents` IS NOT new.`paid30_cents` OR old.`paid60_cents` IS NOT new.`paid60_cents` BEGIN
  INSERT INTO `ledger_days` (`site_id`, `day`, `due_cents`, `paid15_cents`, `paid30_cents`, `paid60_cents`)
    SELECT old.`site_id`, old.`due_date`, -old.`amount_cents`, -min(old.`amount_cents`, old.`paid15_cents`), -min(old.`amount_cents`, old.`paid30_cents`), -min(old.`amount_cents`, old.`paid60_cents`)
    WHERE old.`site_id` IS NOT NULL AND old.`amount_cents` > 0
    ON CONFLICT (`site_id`, `day`) DO UPDATE SET `due_cents` = `due_cents` + excluded.`due_cents`, `paid15_cents` = `paid15_cents` + excluded.`paid15_cents`,
      `paid30_cents` = `paid30_cents` + excluded.`paid30_cents`, `paid60_cents` = `paid60_cents` + excluded.`paid60_cents`;
  INSERT INTO `ledger_days` (`site_id`, `day`, `due_cents`, `paid15_cents`, `paid30_cents`, `paid60_cents`)
    SELECT new.`site_id`, new.`due_date`, new.`amount_cents`, min(new.`amount_cents`, new.`paid15_cents`), min(new.`amount_cents`, new.`paid30_cents`), min(new.`amount_cents`, new.`paid60_cents`)
    WHERE new.`site_id` IS NOT NULL AND new.`amount_cents` > 0
    ON CONFLICT (`site_id`, `day`) DO UPDATE SET `due_cents` = `due_cents` + excluded.`due_cents`, `paid15_cents` = `paid15_cents` + excluded.`paid15_cents`,
      `paid30_cents` = `paid30_cents` + excluded.`paid30_cents`, `paid60_cents` = `paid60_cents` + excluded.`paid60_cents`;
END;
--> statement-breakpoint
CREATE TRIGGER `ledger_days_invoices_delete` AFTER DELETE ON `invoices` WHEN old.`site_id` IS NOT NULL AND old.`amount_cents` > 0 BEGIN
  UPDATE `ledger_days` SET `due_cents` = `due_cents` - old.`amount_cents`, `paid15_cents` = `paid15_cents` - min(old.`amount_cents`, old.`paid15_cents`),
    `paid30_cents` = `paid30_cents` - min(old.`amount_cents`, old.`paid30_cents`), `paid60_cents` = `paid60_cents` - min(old.`amount_cents`, old.`paid60_cents`)
  WHERE `site_id` = old.`site_id` AND `day` = old.`due_date`;
END;
--> statement-breakpoint
CREATE TRIGGER `ledger_days_payments_update` AFTER UPDATE OF `site_id`, `date`, `amount_cents`, `status` ON `payments`
WHEN old.`site_id` IS NOT new.`site_id` OR old.`date` IS NOT new.`date` OR old.`amount_cents` IS NOT new.`amount_cents` OR old.`status` IS NOT new.`status` BEGIN
  UPDATE `ledger_days` SET `cash_cents` = `cash_cents` - old.`amount_cents` WHERE `site_id` = old.`site_id` AND `day` = old.`date` AND old.`status` = 'ok';
  INSERT INTO `ledger_days` (`site_id`, `day`, `cash_cents`) SELECT new.`site_id`, new.`date`, new.`amount_cents` WHERE new.`site_id` IS NOT NULL AND new.`status` = 'ok'
    ON CONFLICT (`site_id`, `day`) DO UPDATE SET `cash_cents` = `cash_cents` + excluded.`cash_cents`;
END;
--> statement-breakpoint
CREATE TRIGGER `ledger_days_payments_delete` AFTER DELETE ON `payments` WHEN old.`site_id` IS NOT NULL AND old.`status` = 'ok' BEGIN
  UPDATE `ledger_days` SET `cash_cents` = `cash_cents` - old.`amount_cents` WHERE `site_id` = old.`site_id` AND `day` = old.`date`;
END;

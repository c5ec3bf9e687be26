CREATE TABLE `floor_stamp` (
	`id` integer PRIMARY KEY NOT NULL,
	`version` integer NOT NULL
);
--> statement-breakpoint
-- The floor's messaging is built from these three tables: any write to them raises the stamp (see floorStamp).
INSERT INTO `floor_stamp` (`id`, `version`) VALUES (1, 0);
--> statement-breakpoint
CREATE TRIGGER `floor_stamp_message_templates_insert` AFTER INSERT ON `message_templates` BEGIN
  UPDATE `floor_stamp` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `floor_stamp_message_templates_update` AFTER UPDATE ON `message_templates` BEGIN
  UPDATE `floor_stamp` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `floor_stamp_message_templates_delete` AFTER DELETE ON `message_templates` BEGIN
  UPDATE `floor_stamp` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `floor_stamp_sites_insert` AFTER INSERT ON `sites` BEGIN
  UPDATE `floor_stamp` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `floor_stamp_sites_update` AFTER UPDATE ON `sites` BEGIN
  UPDATE `floor_stamp` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `floor_stamp_sites_delete` AFTER DELETE ON `sites` BEGIN
  UPDATE `floor_stamp` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `floor_stamp_settings_insert` AFTER INSERT ON `settings` BEGIN
  UPDATE `floor_stamp` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `floor_stamp_settings_update` AFTER UPDATE ON `settings` BEGIN
  UPDATE `floor_stamp` SET `version` = `version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `floor_stamp_settings_delete` AFTER DELETE ON `settings` BEGIN
  UPDATE `floor_stamp` SET `version` = `version` + 1 WHERE `id` = 1;
END;

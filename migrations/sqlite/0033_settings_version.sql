-- Settings kept in memory (db::memo) are read again when any of them
-- changes. A process that changed one knows; other processes (another
-- instance, the command line) see this version move.
CREATE TABLE settings_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
INSERT INTO settings_version (id, version) VALUES (1, 1);
CREATE TRIGGER settings_communities_insert AFTER INSERT ON communities BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_communities_update AFTER UPDATE ON communities BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_communities_delete AFTER DELETE ON communities BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_categories_insert AFTER INSERT ON categories BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_categories_update AFTER UPDATE ON categories BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_categories_delete AFTER DELETE ON categories BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_category_attributes_insert AFTER INSERT ON category_attributes BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_category_attributes_update AFTER UPDATE ON category_attributes BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_category_attributes_delete AFTER DELETE ON category_attributes BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_category_attribute_values_insert AFTER INSERT ON category_attribute_values BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_category_attribute_values_update AFTER UPDATE ON category_attribute_values BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_category_attribute_values_delete AFTER DELETE ON category_attribute_values BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_places_insert AFTER INSERT ON places BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_places_update AFTER UPDATE ON places BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_places_delete AFTER DELETE ON places BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_workgroups_insert AFTER INSERT ON workgroups BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_workgroups_update AFTER UPDATE ON workgroups BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_workgroups_delete AFTER DELETE ON workgroups BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_calendar_days_insert AFTER INSERT ON calendar_days BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_calendar_days_update AFTER UPDATE ON calendar_days BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_calendar_days_delete AFTER DELETE ON calendar_days BEGIN UPDATE settings_version SET version = version + 1 WHERE id = 1; END;

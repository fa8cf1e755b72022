-- Settings kept in memory (db::memo) are read again when any of them
-- changes. A process that changed one knows; other instances hear of it
-- (NOTIFY grassroots_settings, at commit) or see this version move.
CREATE TABLE settings_version (id BIGINT PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL);
INSERT INTO settings_version (id, version) VALUES (1, 1);
CREATE FUNCTION settings_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE settings_version SET version = version + 1 WHERE id = 1;
    PERFORM pg_notify('grassroots_settings', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER settings_communities AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON communities FOR EACH STATEMENT EXECUTE FUNCTION settings_bump();
CREATE TRIGGER settings_categories AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON categories FOR EACH STATEMENT EXECUTE FUNCTION settings_bump();
CREATE TRIGGER settings_category_attributes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON category_attributes FOR EACH STATEMENT EXECUTE FUNCTION settings_bump();
CREATE TRIGGER settings_category_attribute_values AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON category_attribute_values FOR EACH STATEMENT EXECUTE FUNCTION settings_bump();
CREATE TRIGGER settings_places AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON places FOR EACH STATEMENT EXECUTE FUNCTION settings_bump();
CREATE TRIGGER settings_workgroups AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON workgroups FOR EACH STATEMENT EXECUTE FUNCTION settings_bump();
CREATE TRIGGER settings_calendar_days AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON calendar_days FOR EACH STATEMENT EXECUTE FUNCTION settings_bump();

-- INSERT OR REPLACE (and REPLACE INTO) with an existing id deletes the old audit row without firing the
-- delete trigger (SQLite fires delete triggers for REPLACE only with recursive_triggers on), so a
-- forged row could take an old one's place. Refuse any insert that names an id already taken.
CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

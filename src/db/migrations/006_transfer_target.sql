-- 转办: the unit asking for a transfer names the unit the problem should go to, kept with the pending
-- request so the office's decision form starts from it (NULL for requests made before this column).
ALTER TABLE problems ADD COLUMN request_unit_id INTEGER REFERENCES units(id);

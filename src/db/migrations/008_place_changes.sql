-- A counter raised by every change to 镇街, 社区 and sites, whoever makes it (a page, an import, the demo,
-- a restore): cached results carry the names and the 镇街/社区 each site counts for, so services/results.ts
-- keys its cache on this number. The database keeps it, so no repository needs to know about caches.
CREATE TABLE change_counters (
  name TEXT PRIMARY KEY,
  n INTEGER NOT NULL DEFAULT 0
);
INSERT INTO change_counters (name, n) VALUES ('places', 0);

CREATE TRIGGER streets_insert_counts AFTER INSERT ON streets
BEGIN
  UPDATE change_counters SET n = n + 1 WHERE name = 'places';
END;
CREATE TRIGGER streets_update_counts AFTER UPDATE ON streets
BEGIN
  UPDATE change_counters SET n = n + 1 WHERE name = 'places';
END;
CREATE TRIGGER streets_delete_counts AFTER DELETE ON streets
BEGIN
  UPDATE change_counters SET n = n + 1 WHERE name = 'places';
END;
CREATE TRIGGER communities_insert_counts AFTER INSERT ON communities
BEGIN
  UPDATE change_counters SET n = n + 1 WHERE name = 'places';
END;
CREATE TRIGGER communities_update_counts AFTER UPDATE ON communities
BEGIN
  UPDATE change_counters SET n = n + 1 WHERE name = 'places';
END;
CREATE TRIGGER communities_delete_counts AFTER DELETE ON communities
BEGIN
  UPDATE change_counters SET n = n + 1 WHERE name = 'places';
END;
CREATE TRIGGER sites_insert_counts AFTER INSERT ON sites
BEGIN
  UPDATE change_counters SET n = n + 1 WHERE name = 'places';
END;
CREATE TRIGGER sites_update_counts AFTER UPDATE ON sites
BEGIN
  UPDATE change_counters SET n = n + 1 WHERE name = 'places';
END;
CREATE TRIGGER sites_delete_counts AFTER DELETE ON sites
BEGIN
  UPDATE change_counters SET n = n + 1 WHERE name = 'places';
END;

-- #22 rankings: a round's 较上轮 needs its previous final round's 社区 and 镇街 ranks, which took computing
-- that round too (half a cold ranking's time). round_ranks keeps each round's ranks under the exact key the
-- results cache uses (services/results.ts: the places' and round sites' generations and the fingerprints of
-- the round and of its own previous round); a row whose key differs from today's is ignored and
-- replaced. Ranks only, never the answers' scores. Emptied at every start (boot.ts), so a new version of
-- the scoring code never reads ranks an older one computed.
CREATE TABLE round_ranks (
  round_id INTEGER PRIMARY KEY REFERENCES rounds(id) ON DELETE CASCADE,
  key      TEXT NOT NULL,
  -- JSON {"communities": [id, rank, id, rank, …], "streets": […]}, unranked ones left out
  ranks    TEXT NOT NULL
);

-- The results cache key counted a round's excluded sites, so excluding one site and including another
-- between two views left the key unchanged. Every change to a round's sites now raises a counter that
-- the key carries, as 008's does for places.
INSERT INTO change_counters (name, n) VALUES ('round_sites', 0);
CREATE TRIGGER round_sites_insert_counts AFTER INSERT ON round_sites
BEGIN
  UPDATE change_counters SET n = n + 1 WHERE name = 'round_sites';
END;
CREATE TRIGGER round_sites_update_counts AFTER UPDATE ON round_sites
BEGIN
  UPDATE change_counters SET n = n + 1 WHERE name = 'round_sites';
END;
CREATE TRIGGER round_sites_delete_counts AFTER DELETE ON round_sites
BEGIN
  UPDATE change_counters SET n = n + 1 WHERE name = 'round_sites';
END;

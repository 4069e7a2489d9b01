-- #22 rankings: each counted sheet's answers packed into one short string, so a ranking reads a round's
-- answers as ≈3,000 rows instead of ≈60,000 (docs/design/22-rankings.md). Answers only, never scores: every
-- rule still runs when results are computed. A pack is valid for the sheet's revision and criteria version
-- it was made from (every answer write raises the revision); a stale or missing one is rebuilt from
-- `answers` when read. pack: 4 characters per answer (standard's index in version order, result, cases,
-- fixed cases; each + 1), in version order; NULL when a value cannot be packed, and the sheet is then read
-- from `answers`.
CREATE TABLE sheet_packs (
  inspection_id       INTEGER PRIMARY KEY REFERENCES inspections(id) ON DELETE CASCADE,
  revision            INTEGER NOT NULL,
  criteria_version_id INTEGER NOT NULL,
  pack                TEXT
);

-- migrate: rebuilds-tables
-- A unit of kind 'district' (区级): the district itself, e.g. the 创城办 answering the 材料审核 / 网上申报
-- standards whose responsible unit is the district (criteria `responsibleUnit.kind: "district"`). Widening
-- the CHECK on units.kind means rebuilding the table (SQLite's twelve steps; migrate.ts runs this with
-- foreign keys off and refuses to commit on any foreign_key_check violation).
CREATE TABLE units_new (
  id          INTEGER PRIMARY KEY,
  code        TEXT NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('district', 'street', 'community', 'department', 'other')),
  department  TEXT,             -- for kind=department: the name criteria files use (城管局, 市场监管局, …)
  parent_id   INTEGER REFERENCES units(id),
  retired_at  TEXT,
  created_at  TEXT NOT NULL
);
INSERT INTO units_new (id, code, name, kind, department, parent_id, retired_at, created_at)
  SELECT id, code, name, kind, department, parent_id, retired_at, created_at FROM units;
DROP TABLE units;
ALTER TABLE units_new RENAME TO units;
CREATE INDEX units_parent ON units(parent_id);

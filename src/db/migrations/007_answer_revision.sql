-- The sheet revision at which an answer was last saved from the tablet, so a batch made on a device that
-- had seen an older revision (offline on a second tablet of the same inspector) is recognised as a
-- conflict for exactly the answers changed since (services/sheets.ts). 0: saved before this column, or
-- by the office (its corrections are recognised by updated_by).
ALTER TABLE answers ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

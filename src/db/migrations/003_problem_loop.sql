-- The rectification loop (问题整改): who reported the fix and when, pending requests from the unit
-- (申诉 dispute, 转办 transfer, 延期 extension) awaiting the office, and why a problem was voided.
ALTER TABLE problems ADD COLUMN fixed_by INTEGER REFERENCES users(id);
ALTER TABLE problems ADD COLUMN fixed_at TEXT;
ALTER TABLE problems ADD COLUMN fix_note TEXT NOT NULL DEFAULT '';
ALTER TABLE problems ADD COLUMN closed_at TEXT;
ALTER TABLE problems ADD COLUMN request TEXT CHECK (request IN ('dispute', 'transfer', 'extension'));
ALTER TABLE problems ADD COLUMN request_note TEXT NOT NULL DEFAULT '';
ALTER TABLE problems ADD COLUMN request_deadline TEXT;
ALTER TABLE problems ADD COLUMN void_reason TEXT;
CREATE UNIQUE INDEX problems_live_once ON problems(inspection_id, standard_code) WHERE status <> 'void';
CREATE INDEX problems_site_standard ON problems(site_id, standard_code);

-- migrate: rebuilds-tables
-- 材料审核 and 网上申报: the methods a round collects, the document tasks it sends to units, their files
-- and every step of each task; problems that come from a document task (no site) and a 来源 for every
-- problem. Relaxing problems.site_id / round_id to NULL means rebuilding the table (migrate.ts runs this
-- with foreign keys off and refuses to commit on any foreign_key_check violation).

-- problems: a 来源 for each (round: a sheet's deduction, document: a document task's), the document task a
-- problem came from, and no site for such a problem; round_id is relaxed too for the sources outside rounds.
CREATE TABLE problems_new (
  id                  INTEGER PRIMARY KEY,
  round_id            INTEGER REFERENCES rounds(id),
  site_id             INTEGER REFERENCES sites(id),
  inspection_id       INTEGER REFERENCES inspections(id),
  standard_code       TEXT NOT NULL,
  description         TEXT NOT NULL DEFAULT '',
  points_lost         REAL NOT NULL,
  unit_id             INTEGER REFERENCES units(id),
  deadline            TEXT NOT NULL,
  status              TEXT NOT NULL CHECK (status IN ('open', 'fixed', 'closed', 'void')),
  repeat_count        INTEGER NOT NULL DEFAULT 0,
  previous_problem_id INTEGER REFERENCES problems(id),
  created_at          TEXT NOT NULL,
  fixed_by            INTEGER REFERENCES users(id),
  fixed_at            TEXT,
  fix_note            TEXT NOT NULL DEFAULT '',
  closed_at           TEXT,
  request             TEXT CHECK (request IN ('dispute', 'transfer', 'extension')),
  request_note        TEXT NOT NULL DEFAULT '',
  request_deadline    TEXT,
  void_reason         TEXT,
  request_unit_id     INTEGER REFERENCES units(id),
  source              TEXT NOT NULL DEFAULT 'round' CHECK (source IN ('round', 'document')),
  task_id             INTEGER REFERENCES document_tasks(id),
  CHECK (source <> 'round' OR (round_id IS NOT NULL AND site_id IS NOT NULL)),
  CHECK ((source = 'document') = (task_id IS NOT NULL))
);
INSERT INTO problems_new (id, round_id, site_id, inspection_id, standard_code, description, points_lost, unit_id,
    deadline, status, repeat_count, previous_problem_id, created_at, fixed_by, fixed_at, fix_note, closed_at,
    request, request_note, request_deadline, void_reason, request_unit_id)
  SELECT id, round_id, site_id, inspection_id, standard_code, description, points_lost, unit_id,
    deadline, status, repeat_count, previous_problem_id, created_at, fixed_by, fixed_at, fix_note, closed_at,
    request, request_note, request_deadline, void_reason, request_unit_id FROM problems;
DROP TABLE problems;
ALTER TABLE problems_new RENAME TO problems;
CREATE INDEX problems_round ON problems(round_id, status);
CREATE INDEX problems_unit ON problems(unit_id, status);
CREATE UNIQUE INDEX problems_live_once ON problems(inspection_id, standard_code) WHERE status <> 'void';
CREATE INDEX problems_site_standard ON problems(site_id, standard_code);
CREATE UNIQUE INDEX problems_task_live_once ON problems(task_id) WHERE status <> 'void' AND task_id IS NOT NULL;

-- the methods a round counts, comma-separated in this order: field (实地考察), document (材料审核 and
-- 网上申报), survey (问卷调查). Every existing round is a field round.
ALTER TABLE rounds ADD COLUMN methods TEXT NOT NULL DEFAULT 'field';

-- One task per document / online standard of a round and per place that must answer it. `level` is the
-- standard's kind of responsible unit: a 社区 (community_id, with its street_id), a 镇街 (street_id), a
-- named department (department: the name criteria files use), or the district itself. The answering unit
-- is not stored: it is the place's unit now (document_task_units), so a 社区 without a unit shows as
-- 无责任单位 until the office gives it one. place_key makes each place once per standard and round.
-- status: pending (未提交) | submitted (已提交) | returned (退回补充) | scored (已评分); 逾期未交 is a pending
-- or returned task whose deadline (extended_to, else due_on) has passed.
CREATE TABLE document_tasks (
  id             INTEGER PRIMARY KEY,
  round_id       INTEGER NOT NULL REFERENCES rounds(id),
  standard_code  TEXT NOT NULL,
  level          TEXT NOT NULL CHECK (level IN ('community', 'street', 'department', 'district')),
  community_id   INTEGER REFERENCES communities(id),
  street_id      INTEGER REFERENCES streets(id),
  department     TEXT,
  place_key      TEXT NOT NULL,
  due_on         TEXT NOT NULL,        -- 'YYYY-MM-DD', the last day to submit, as the criteria set it
  extended_to    TEXT,                 -- a later last day: 延期, or the new due date of a 退回补充
  status         TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'submitted', 'returned', 'scored')),
  note           TEXT NOT NULL DEFAULT '',   -- the unit's 说明 with its submission
  submitted_at   TEXT,
  submitted_by   INTEGER REFERENCES users(id),
  result         TEXT CHECK (result IN ('ok', 'fail')),
  cases          INTEGER NOT NULL DEFAULT 0, -- missing items (deduction) or the grade's case count
  review_note    TEXT NOT NULL DEFAULT '',
  reviewed_at    TEXT,
  reviewed_by    INTEGER REFERENCES users(id),
  return_reason  TEXT,
  revision       INTEGER NOT NULL DEFAULT 0, -- bumped by every change: results caches and stale forms
  created_at     TEXT NOT NULL,
  CHECK ((level = 'community') = (community_id IS NOT NULL)),
  CHECK (level NOT IN ('community', 'street') OR street_id IS NOT NULL),
  CHECK ((level = 'department') = (department IS NOT NULL)),
  CHECK (status <> 'scored' OR result IS NOT NULL),
  UNIQUE (round_id, standard_code, place_key)
);
CREATE INDEX document_tasks_round ON document_tasks(round_id, status);
CREATE INDEX document_tasks_community ON document_tasks(community_id);
CREATE INDEX document_tasks_street ON document_tasks(street_id);

-- the unit answering each task, as the places and units are now (NULL: 无责任单位)
CREATE VIEW document_task_units AS
SELECT t.id AS task_id,
  CASE t.level
    WHEN 'community' THEN (SELECT c.unit_id FROM communities c WHERE c.id = t.community_id)
    WHEN 'street' THEN (SELECT s.unit_id FROM streets s WHERE s.id = t.street_id)
    WHEN 'department' THEN (SELECT min(u.id) FROM units u
                             WHERE u.kind = 'department' AND u.department = t.department AND u.retired_at IS NULL)
    ELSE (SELECT min(u.id) FROM units u WHERE u.kind = 'district' AND u.retired_at IS NULL)
  END AS unit_id
FROM document_tasks t;

-- Files of document tasks, templates the office attaches to a kind of material (template_material) and
-- corrected documents sent to fix a document problem (problem_id): exactly one of the three. The bytes are UPLOAD_DIR/documents/<sha256>, kept untouched. A file taken out
-- of a submission or replaced keeps its row (removed_at; replaced_by the new file): the task's history.
CREATE TABLE document_files (
  id                 INTEGER PRIMARY KEY,
  task_id            INTEGER REFERENCES document_tasks(id),
  template_material  TEXT,
  sha256             TEXT NOT NULL,
  name               TEXT NOT NULL,       -- the uploaded name, made safe
  kind               TEXT NOT NULL CHECK (kind IN ('pdf', 'docx', 'xlsx', 'ofd', 'jpeg', 'png')),
  bytes              INTEGER NOT NULL,
  uploaded_by        INTEGER NOT NULL REFERENCES users(id),
  uploaded_at        TEXT NOT NULL,
  removed_at         TEXT,
  removed_by         INTEGER REFERENCES users(id),
  replaced_by        INTEGER REFERENCES document_files(id),
  problem_id         INTEGER REFERENCES problems(id),   -- a corrected document sent to fix a problem
  CHECK ((task_id IS NOT NULL) + (template_material IS NOT NULL) + (problem_id IS NOT NULL) = 1)
);
CREATE INDEX document_files_task ON document_files(task_id);
CREATE INDEX document_files_sha ON document_files(sha256);
CREATE INDEX document_files_problem ON document_files(problem_id);

-- every step of a task: who, when, what (the audit log has them too)
CREATE TABLE document_task_events (
  id          INTEGER PRIMARY KEY,
  task_id     INTEGER NOT NULL REFERENCES document_tasks(id),
  at          TEXT NOT NULL,
  user_id     INTEGER REFERENCES users(id),
  action      TEXT NOT NULL,
  from_status TEXT,
  to_status   TEXT,
  note        TEXT NOT NULL DEFAULT '',
  data        TEXT
);
CREATE INDEX document_task_events_task ON document_task_events(task_id);


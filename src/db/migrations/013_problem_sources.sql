-- migrate: rebuilds-tables
-- Problems from everywhere (#20): 督查, 随手拍, 12345 and 媒体 beside a round's sheets (测评) and document
-- tasks (材料); 包联 leaders as accounts; residents' reports and their photos; hotline orders and the
-- aliases hotline platforms use for units; how each deadline was counted. Widening the CHECKs of users,
-- problems and photos and relaxing NOT NULLs means rebuilding those tables (migrate.ts runs this with
-- foreign keys off and refuses to commit on any foreign_key_check violation).

-- users: a 包联 leader ('leader') is a person tied to the 包联 unit they lead (unit_id).
CREATE TABLE users_new (
  id              INTEGER PRIMARY KEY,
  username        TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name    TEXT NOT NULL,
  role            TEXT NOT NULL CHECK (role IN ('office', 'inspector', 'unit', 'leader')),
  unit_id         INTEGER REFERENCES units(id),
  home_street_id  INTEGER REFERENCES streets(id),
  password_hash   TEXT NOT NULL,
  active          INTEGER NOT NULL DEFAULT 1,
  created_at      TEXT NOT NULL,
  CHECK (role NOT IN ('unit', 'leader') OR unit_id IS NOT NULL)
);
INSERT INTO users_new (id, username, display_name, role, unit_id, home_street_id, password_hash, active, created_at)
  SELECT id, username, display_name, role, unit_id, home_street_id, password_hash, active, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

-- problems: 来源 widened — round (测评), document (材料), inspection (督查), report (随手拍), hotline (12345),
-- media (媒体). A problem from outside rounds has no round and never changes a round's score; it may have
-- no site (then where it is: a 社区 / 镇街 if known, an address, the browser's WGS-84 coordinates, and
-- whether those are farther than the set distance from every site) and no standard. recorded_by: who
-- recorded it (督查: the office or a 包联 leader). reinspector_id: whom the office gave its 复查 (null: the
-- office itself, or the leader who recorded it). external_ref: the hotline's 工单号 (unique per source).
-- criteria_version_id: for a problem from outside rounds recorded under a standard, the version it is in.
-- The deadline is a date (and a time, for a rule in hours), computed once from deadline_rule and
-- deadline_amount when the problem was raised or its time extended.
CREATE TABLE problems_new (
  id                  INTEGER PRIMARY KEY,
  round_id            INTEGER REFERENCES rounds(id),
  site_id             INTEGER REFERENCES sites(id),
  inspection_id       INTEGER REFERENCES inspections(id),
  standard_code       TEXT,
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
  source              TEXT NOT NULL DEFAULT 'round'
                        CHECK (source IN ('round', 'document', 'inspection', 'report', 'hotline', 'media')),
  task_id             INTEGER REFERENCES document_tasks(id),
  street_id           INTEGER REFERENCES streets(id),
  community_id        INTEGER REFERENCES communities(id),
  address             TEXT NOT NULL DEFAULT '',
  gps_lat             REAL,
  gps_lng             REAL,
  outside_district    INTEGER NOT NULL DEFAULT 0 CHECK (outside_district IN (0, 1)),
  recorded_by         INTEGER REFERENCES users(id),
  reinspector_id      INTEGER REFERENCES users(id),
  external_ref        TEXT,
  criteria_version_id INTEGER REFERENCES criteria_versions(id),
  deadline_rule       TEXT NOT NULL DEFAULT 'calendar' CHECK (deadline_rule IN ('calendar', 'workdays', 'hours')),
  deadline_amount     INTEGER,
  deadline_time       TEXT CHECK (deadline_time IS NULL OR deadline_time GLOB '[0-2][0-9]:[0-5][0-9]'),
  CHECK (source <> 'round' OR (round_id IS NOT NULL AND site_id IS NOT NULL)),
  CHECK ((source = 'document') = (task_id IS NOT NULL)),
  CHECK (source IN ('round', 'document') OR round_id IS NULL),
  CHECK (standard_code IS NOT NULL OR source NOT IN ('round', 'document')),
  CHECK ((gps_lat IS NULL) = (gps_lng IS NULL)),
  CHECK (criteria_version_id IS NULL OR (round_id IS NULL AND standard_code IS NOT NULL))
);
INSERT INTO problems_new (id, round_id, site_id, inspection_id, standard_code, description, points_lost, unit_id,
    deadline, status, repeat_count, previous_problem_id, created_at, fixed_by, fixed_at, fix_note, closed_at,
    request, request_note, request_deadline, void_reason, request_unit_id, source, task_id)
  SELECT id, round_id, site_id, inspection_id, standard_code, description, points_lost, unit_id,
    deadline, status, repeat_count, previous_problem_id, created_at, fixed_by, fixed_at, fix_note, closed_at,
    request, request_note, request_deadline, void_reason, request_unit_id, source, task_id FROM problems;
DROP TABLE problems;
ALTER TABLE problems_new RENAME TO problems;
CREATE INDEX problems_round ON problems(round_id, status);
CREATE INDEX problems_unit ON problems(unit_id, status);
CREATE UNIQUE INDEX problems_live_once ON problems(inspection_id, standard_code) WHERE status <> 'void';
CREATE INDEX problems_site_standard ON problems(site_id, standard_code);
CREATE UNIQUE INDEX problems_task_live_once ON problems(task_id) WHERE status <> 'void' AND task_id IS NOT NULL;
CREATE UNIQUE INDEX problems_external_ref ON problems(source, external_ref) WHERE external_ref IS NOT NULL;
CREATE INDEX problems_source ON problems(source, status);
CREATE INDEX problems_reinspector ON problems(reinspector_id) WHERE reinspector_id IS NOT NULL;

-- 随手拍: one public link per 社区 (community_id) and one for the whole district (community_id NULL).
CREATE TABLE report_links (
  id           INTEGER PRIMARY KEY,
  token        TEXT NOT NULL UNIQUE,
  community_id INTEGER UNIQUE REFERENCES communities(id),
  created_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX report_links_district ON report_links(ifnull(community_id, 0)) WHERE community_id IS NULL;

-- A resident's report. code: the tracking code the resident is given. phone: for a reply, only with the
-- resident's consent, forgotten at phone_until. status: new (待受理) | accepted (受理: problem_id is the
-- problem it became) | duplicate (重复: problem_id is the existing problem) | rejected (不受理: reason is
-- shown to the resident). reply: what the office publishes on the tracking page. addr_hash: the keyed hash
-- of the sender's address, forgotten like the survey pages' after PUBLIC_ABUSE_DAYS.
CREATE TABLE citizen_reports (
  id           INTEGER PRIMARY KEY,
  code         TEXT NOT NULL UNIQUE,
  link_id      INTEGER NOT NULL REFERENCES report_links(id),
  community_id INTEGER REFERENCES communities(id),
  address      TEXT NOT NULL DEFAULT '',
  description  TEXT NOT NULL,
  phone        TEXT,
  phone_until  TEXT,
  status       TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'accepted', 'duplicate', 'rejected')),
  problem_id   INTEGER REFERENCES problems(id),
  reason       TEXT NOT NULL DEFAULT '',
  reply        TEXT NOT NULL DEFAULT '',
  triaged_by   INTEGER REFERENCES users(id),
  triaged_at   TEXT,
  device       TEXT NOT NULL DEFAULT '',
  addr_hash    TEXT,
  created_at   TEXT NOT NULL,
  CHECK ((status IN ('accepted', 'duplicate')) = (problem_id IS NOT NULL)),
  CHECK (phone IS NULL OR phone_until IS NOT NULL)
);
CREATE INDEX citizen_reports_status ON citizen_reports(status, id);
CREATE INDEX citizen_reports_problem ON citizen_reports(problem_id) WHERE problem_id IS NOT NULL;

-- photos: 'record' (a 督查 problem's photos, taken by the office or a 包联 leader) and 'report' (a
-- resident's, with no uploader and the report it came with).
CREATE TABLE photos_new (
  id             INTEGER PRIMARY KEY,
  client_id      TEXT UNIQUE,
  sha256         TEXT NOT NULL,
  kind           TEXT NOT NULL CHECK (kind IN ('evidence', 'fix', 'reinspect', 'appeal', 'record', 'report')),
  inspection_id  INTEGER REFERENCES inspections(id),
  standard_code  TEXT,
  problem_id     INTEGER REFERENCES problems(id),
  original_name  TEXT NOT NULL DEFAULT '',
  mime           TEXT NOT NULL,
  bytes          INTEGER NOT NULL,
  width          INTEGER NOT NULL,
  height         INTEGER NOT NULL,
  taken_at       TEXT,
  gps_lat        REAL,
  gps_lng        REAL,
  flags          TEXT NOT NULL DEFAULT '[]',
  uploaded_by    INTEGER REFERENCES users(id),
  uploaded_at    TEXT NOT NULL,
  deleted_at     TEXT,
  display_key    TEXT NOT NULL DEFAULT '',
  caption        TEXT,
  versions_ready INTEGER NOT NULL DEFAULT 1,
  report_id      INTEGER REFERENCES citizen_reports(id),
  CHECK ((kind = 'report') = (report_id IS NOT NULL)),
  CHECK (uploaded_by IS NOT NULL OR kind = 'report')
);
INSERT INTO photos_new (id, client_id, sha256, kind, inspection_id, standard_code, problem_id, original_name, mime,
    bytes, width, height, taken_at, gps_lat, gps_lng, flags, uploaded_by, uploaded_at, deleted_at, display_key,
    caption, versions_ready)
  SELECT id, client_id, sha256, kind, inspection_id, standard_code, problem_id, original_name, mime,
    bytes, width, height, taken_at, gps_lat, gps_lng, flags, uploaded_by, uploaded_at, deleted_at, display_key,
    caption, versions_ready FROM photos;
DROP TABLE photos;
ALTER TABLE photos_new RENAME TO photos;
CREATE INDEX photos_inspection ON photos(inspection_id, standard_code);
CREATE INDEX photos_problem ON photos(problem_id);
CREATE INDEX photos_sha ON photos(sha256);
CREATE INDEX photos_versions_waiting ON photos(id) WHERE versions_ready = 0;
CREATE INDEX photos_report ON photos(report_id) WHERE report_id IS NOT NULL;

-- 12345: a hotline work order as imported, beside the problem it became (problems.external_ref is its
-- 工单号). handler: the 承办单位 as the platform spelled it; limit_*: its 时限 (an amount and its unit).
CREATE TABLE hotline_orders (
  problem_id   INTEGER PRIMARY KEY REFERENCES problems(id),
  order_no     TEXT NOT NULL UNIQUE,
  content      TEXT NOT NULL,
  address      TEXT NOT NULL DEFAULT '',
  received_at  TEXT NOT NULL,
  handler      TEXT NOT NULL,
  limit_amount INTEGER NOT NULL CHECK (limit_amount > 0),
  limit_unit   TEXT NOT NULL CHECK (limit_unit IN ('calendar', 'workdays', 'hours')),
  batch        TEXT NOT NULL,
  imported_at  TEXT NOT NULL,
  imported_by  INTEGER REFERENCES users(id)
);

-- The names hotline platforms (and other outside lists) use for a unit, matched without regard to case.
CREATE TABLE unit_aliases (
  alias      TEXT PRIMARY KEY COLLATE NOCASE,
  unit_id    INTEGER NOT NULL REFERENCES units(id),
  created_at TEXT NOT NULL
);
CREATE INDEX unit_aliases_unit ON unit_aliases(unit_id);

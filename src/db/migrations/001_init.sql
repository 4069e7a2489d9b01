-- The whole domain's first schema. Append-only: later changes go in new numbered files.
-- Times are ISO-8601 UTC text ('2026-11-28T12:00:00.000Z'); calendar dates are 'YYYY-MM-DD' in Asia/Shanghai.

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- 责任单位 / 包保单位: a tree (区城管局; 东街道办事处 → 幸福社区居委会). kind: street | community | department | other.
CREATE TABLE units (
  id          INTEGER PRIMARY KEY,
  code        TEXT NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('street', 'community', 'department', 'other')),
  department  TEXT,             -- for kind=department: the name criteria files use (城管局, 市场监管局, …)
  parent_id   INTEGER REFERENCES units(id),
  retired_at  TEXT,
  created_at  TEXT NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);

-- 镇街
CREATE TABLE streets (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  unit_id     INTEGER REFERENCES units(id),   -- its 街道办 / 镇政府
  retired_at  TEXT,
  created_at  TEXT NOT NULL
);

-- 社区
CREATE TABLE communities (
  id          INTEGER PRIMARY KEY,
  street_id   INTEGER NOT NULL REFERENCES streets(id),
  name        TEXT NOT NULL,
  unit_id     INTEGER REFERENCES units(id),   -- its 居委会
  retired_at  TEXT,
  created_at  TEXT NOT NULL,
  UNIQUE (street_id, name)
);

-- 包联: units assigned to help and answer for a community
CREATE TABLE community_liaisons (
  community_id INTEGER NOT NULL REFERENCES communities(id),
  unit_id      INTEGER NOT NULL REFERENCES units(id),
  PRIMARY KEY (community_id, unit_id)
);

-- 点位类型 known to the app (the union of all loaded criteria versions' site types)
CREATE TABLE site_types (
  code  TEXT PRIMARY KEY,
  name  TEXT NOT NULL
);

-- 点位: belongs to a 镇街, and to a 社区 unless it hangs directly under the 镇街 (main roads, hubs, markets)
CREATE TABLE sites (
  id                  INTEGER PRIMARY KEY,
  name                TEXT NOT NULL,
  site_type           TEXT NOT NULL REFERENCES site_types(code),
  street_id           INTEGER NOT NULL REFERENCES streets(id),
  community_id        INTEGER REFERENCES communities(id),
  address             TEXT NOT NULL DEFAULT '',
  lat                 REAL,
  lng                 REAL,
  responsible_unit_id INTEGER REFERENCES units(id),
  retired_at          TEXT,
  created_at          TEXT NOT NULL
);
CREATE INDEX sites_street ON sites(street_id);
CREATE INDEX sites_community ON sites(community_id);

-- role: office (创城办) | inspector (测评员) | unit (责任单位)
CREATE TABLE users (
  id              INTEGER PRIMARY KEY,
  username        TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name    TEXT NOT NULL,
  role            TEXT NOT NULL CHECK (role IN ('office', 'inspector', 'unit')),
  unit_id         INTEGER REFERENCES units(id),
  home_street_id  INTEGER REFERENCES streets(id),   -- for 回避
  password_hash   TEXT NOT NULL,
  active          INTEGER NOT NULL DEFAULT 1,
  created_at      TEXT NOT NULL,
  CHECK (role <> 'unit' OR unit_id IS NOT NULL)
);

CREATE TABLE sessions (
  sid      TEXT PRIMARY KEY,
  expires  INTEGER NOT NULL,   -- epoch ms
  data     TEXT NOT NULL
);
CREATE INDEX sessions_expires ON sessions(expires);

-- 测评体系版本: the whole file is kept as loaded, so a round can always be scored by the version it started with
CREATE TABLE criteria_versions (
  id          INTEGER PRIMARY KEY,
  code        TEXT NOT NULL UNIQUE,
  family      TEXT NOT NULL,
  name        TEXT NOT NULL,
  version     TEXT NOT NULL,
  content     TEXT NOT NULL,     -- the JSON file
  sha256      TEXT NOT NULL,
  source      TEXT NOT NULL,     -- 'shipped:<file>' | 'import:<file name>'
  loaded_at   TEXT NOT NULL
);

-- 测评轮次. status: draft → open → closed → published
CREATE TABLE rounds (
  id                  INTEGER PRIMARY KEY,
  name                TEXT NOT NULL,
  criteria_version_id INTEGER NOT NULL REFERENCES criteria_versions(id),
  starts_on           TEXT NOT NULL,
  ends_on             TEXT NOT NULL,
  status              TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed', 'published')),
  selection           TEXT NOT NULL,   -- JSON: how the sites were chosen (all / types / sample with seed)
  created_by          INTEGER REFERENCES users(id),
  created_at          TEXT NOT NULL,
  opened_at           TEXT,
  closed_at           TEXT,
  published_at        TEXT
);

-- the sites a round includes
CREATE TABLE round_sites (
  round_id        INTEGER NOT NULL REFERENCES rounds(id),
  site_id         INTEGER NOT NULL REFERENCES sites(id),
  excluded_reason TEXT,
  PRIMARY KEY (round_id, site_id)
);

-- 测评分工
CREATE TABLE assignments (
  round_id     INTEGER NOT NULL REFERENCES rounds(id),
  site_id      INTEGER NOT NULL REFERENCES sites(id),
  inspector_id INTEGER NOT NULL REFERENCES users(id),
  assigned_at  TEXT NOT NULL,
  assigned_by  INTEGER REFERENCES users(id),
  PRIMARY KEY (round_id, site_id),
  FOREIGN KEY (round_id, site_id) REFERENCES round_sites(round_id, site_id)
);
CREATE INDEX assignments_inspector ON assignments(inspector_id, round_id);

-- one scoring sheet per site and round. status: draft | submitted | returned | approved
CREATE TABLE inspections (
  id              INTEGER PRIMARY KEY,
  round_id        INTEGER NOT NULL REFERENCES rounds(id),
  site_id         INTEGER NOT NULL REFERENCES sites(id),
  inspector_id    INTEGER REFERENCES users(id),
  status          TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'approved')),
  revision        INTEGER NOT NULL DEFAULT 0,
  source          TEXT NOT NULL DEFAULT 'app',   -- app | import:<file>
  opened_lat      REAL,
  opened_lng      REAL,
  started_at      TEXT NOT NULL,
  submitted_at    TEXT,
  returned_at     TEXT,
  returned_reason TEXT,
  approved_at     TEXT,
  approved_by     INTEGER REFERENCES users(id),
  UNIQUE (round_id, site_id),
  FOREIGN KEY (round_id, site_id) REFERENCES round_sites(round_id, site_id)
);

-- per-standard answers. result: ok (符合) | fail (不符合) | na (不适用)
CREATE TABLE answers (
  inspection_id  INTEGER NOT NULL REFERENCES inspections(id),
  standard_code  TEXT NOT NULL,
  result         TEXT NOT NULL CHECK (result IN ('ok', 'fail', 'na')),
  cases          INTEGER NOT NULL DEFAULT 0 CHECK (cases >= 0),
  fixed_cases    INTEGER NOT NULL DEFAULT 0 CHECK (fixed_cases >= 0 AND fixed_cases <= cases),
  grade          TEXT CHECK (grade IN ('A', 'B', 'C', 'C#')),
  note           TEXT NOT NULL DEFAULT '',
  corrected      INTEGER NOT NULL DEFAULT 0,
  updated_at     TEXT NOT NULL,
  updated_by     INTEGER REFERENCES users(id),
  PRIMARY KEY (inspection_id, standard_code)
);

-- client-generated idempotency keys, stored in the same transaction as the write they guard
CREATE TABLE idempotency_keys (
  key         TEXT PRIMARY KEY,
  user_id     INTEGER NOT NULL REFERENCES users(id),
  response    TEXT NOT NULL,
  created_at  TEXT NOT NULL
);

-- 整改问题. status: open (待整改) | fixed (已整改待复查) | closed (已销号) | void (作废)
CREATE TABLE problems (
  id                  INTEGER PRIMARY KEY,
  round_id            INTEGER NOT NULL REFERENCES rounds(id),
  site_id             INTEGER NOT NULL REFERENCES sites(id),
  inspection_id       INTEGER REFERENCES inspections(id),
  standard_code       TEXT NOT NULL,
  description         TEXT NOT NULL DEFAULT '',
  points_lost         REAL NOT NULL,
  unit_id             INTEGER REFERENCES units(id),
  deadline            TEXT NOT NULL,
  status              TEXT NOT NULL CHECK (status IN ('open', 'fixed', 'closed', 'void')),
  repeat_count        INTEGER NOT NULL DEFAULT 0,
  previous_problem_id INTEGER REFERENCES problems(id),
  created_at          TEXT NOT NULL
);
CREATE INDEX problems_round ON problems(round_id, status);
CREATE INDEX problems_unit ON problems(unit_id, status);

-- every step of a problem: who, when, what
CREATE TABLE problem_events (
  id          INTEGER PRIMARY KEY,
  problem_id  INTEGER NOT NULL REFERENCES problems(id),
  at          TEXT NOT NULL,
  user_id     INTEGER REFERENCES users(id),
  action      TEXT NOT NULL,
  from_status TEXT,
  to_status   TEXT,
  note        TEXT NOT NULL DEFAULT '',
  data        TEXT
);
CREATE INDEX problem_events_problem ON problem_events(problem_id);

-- photos: the original is kept untouched as UPLOAD_DIR/originals/<sha256>; kind: evidence | fix | reinspect | appeal
CREATE TABLE photos (
  id             INTEGER PRIMARY KEY,
  client_id      TEXT UNIQUE,
  sha256         TEXT NOT NULL,
  kind           TEXT NOT NULL CHECK (kind IN ('evidence', 'fix', 'reinspect', 'appeal')),
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
  uploaded_by    INTEGER NOT NULL REFERENCES users(id),
  uploaded_at    TEXT NOT NULL,
  deleted_at     TEXT
);
CREATE INDEX photos_inspection ON photos(inspection_id, standard_code);
CREATE INDEX photos_problem ON photos(problem_id);

-- the audit log is append-only: the triggers refuse any change
CREATE TABLE audit_log (
  id        INTEGER PRIMARY KEY,
  at        TEXT NOT NULL,
  user_id   INTEGER REFERENCES users(id),
  action    TEXT NOT NULL,
  entity    TEXT NOT NULL,
  entity_id INTEGER,
  round_id  INTEGER,
  site_id   INTEGER,
  detail    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_round ON audit_log(round_id);
CREATE INDEX audit_user ON audit_log(user_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

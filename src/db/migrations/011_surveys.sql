-- 问卷调查: questionnaire versions (frozen by hash like criteria versions), the questionnaire a round
-- opened with, each 社区's public link, the office's sample targets, interviewers per 社区, and the answers.

-- A questionnaire file as loaded (criteria/questionnaires/*.json), kept whole: a round keeps the version it
-- opened with even after a new version is shipped. `code` is the questionnaire's own code (one per file).
CREATE TABLE questionnaires (
  id                  INTEGER PRIMARY KEY,
  code                TEXT NOT NULL UNIQUE,
  criteria_version_id INTEGER NOT NULL REFERENCES criteria_versions(id),
  name                TEXT NOT NULL,
  version             TEXT NOT NULL,
  content             TEXT NOT NULL,
  sha256              TEXT NOT NULL,
  source              TEXT NOT NULL,
  loaded_at           TEXT NOT NULL
);
CREATE INDEX questionnaires_criteria ON questionnaires(criteria_version_id);

-- the questionnaire a round with 问卷调查 froze when it opened (NULL: no survey, or not yet open)
ALTER TABLE rounds ADD COLUMN questionnaire_id INTEGER REFERENCES questionnaires(id);

-- One public link per 社区, the same across rounds (posters get laminated): /s/<token>.
CREATE TABLE survey_links (
  community_id INTEGER PRIMARY KEY REFERENCES communities(id),
  token        TEXT NOT NULL UNIQUE,
  created_at   TEXT NOT NULL
);

-- The office's sample target for a 社区 in a round; absent: the questionnaire's targetPerCommunity.
CREATE TABLE survey_targets (
  round_id     INTEGER NOT NULL REFERENCES rounds(id),
  community_id INTEGER NOT NULL REFERENCES communities(id),
  target       INTEGER NOT NULL CHECK (target >= 1),
  PRIMARY KEY (round_id, community_id)
);

-- Interviewers (入户): inspectors the office assigns to a 社区's survey in a round.
CREATE TABLE survey_interviewers (
  round_id     INTEGER NOT NULL REFERENCES rounds(id),
  community_id INTEGER NOT NULL REFERENCES communities(id),
  user_id      INTEGER NOT NULL REFERENCES users(id),
  PRIMARY KEY (round_id, community_id, user_id)
);
CREATE INDEX survey_interviewers_user ON survey_interviewers(user_id, round_id);

-- One row per finished questionnaire, or per person screened out (screened_out = 1, answers '{}').
-- channel: public (扫码, a resident's own phone: device_id is the signed cookie's random id, one row per
-- device, 社区 and round) | interviewer (入户: user_id is the interviewer, no device rule).
-- answers: JSON object, question code → option code, [option codes], scale point as text, or text.
-- flags: comma-separated reasons the answer does not count until the office clears it: fast (finished in
-- fewer seconds than the version's minimum), burst (identical answers in a burst). cleared_*: the office
-- looked and let it count. void_*: the office took it out, with a reason (audited). Never edited otherwise.
-- addr_hash: HMAC of the sender's address, kept for the abuse window and then set to NULL.
-- fingerprint: hash of the answers (burst detection).
-- tally: the answer's scored values, one character per scored question of its questionnaire
-- (scoring/survey.ts tallyCode), written with the answer; NULL: scoring reads the answers' JSON instead.
CREATE TABLE survey_responses (
  id               INTEGER PRIMARY KEY,
  round_id         INTEGER NOT NULL REFERENCES rounds(id),
  community_id     INTEGER NOT NULL REFERENCES communities(id),
  questionnaire_id INTEGER NOT NULL REFERENCES questionnaires(id),
  channel          TEXT NOT NULL CHECK (channel IN ('public', 'interviewer')),
  device_id        TEXT,
  user_id          INTEGER REFERENCES users(id),
  started_at       TEXT NOT NULL,
  submitted_at     TEXT NOT NULL,
  seconds          INTEGER NOT NULL,
  screened_out     INTEGER NOT NULL DEFAULT 0 CHECK (screened_out IN (0, 1)),
  answers          TEXT NOT NULL DEFAULT '{}',
  fingerprint      TEXT NOT NULL DEFAULT '',
  tally            TEXT,
  flags            TEXT NOT NULL DEFAULT '',
  cleared_at       TEXT,
  cleared_by       INTEGER REFERENCES users(id),
  voided_at        TEXT,
  voided_by        INTEGER REFERENCES users(id),
  void_reason      TEXT,
  addr_hash        TEXT,
  CHECK ((channel = 'public') = (device_id IS NOT NULL)),
  CHECK ((channel = 'interviewer') = (user_id IS NOT NULL)),
  CHECK ((voided_at IS NULL) = (void_reason IS NULL))
);
CREATE UNIQUE INDEX survey_responses_device_once ON survey_responses(round_id, community_id, device_id)
  WHERE device_id IS NOT NULL;
CREATE INDEX survey_responses_round ON survey_responses(round_id, community_id);
CREATE INDEX survey_responses_burst ON survey_responses(round_id, community_id, fingerprint, submitted_at);
-- the results' cache key counts answers, voids and clears of a round from this index alone
CREATE INDEX survey_responses_state ON survey_responses(round_id, voided_at, cleared_at);

-- Reminders that reach units (#21): each unit's contacts (负责人, 联络员: mobile and e-mail) and its group
-- robot (企业微信 or 钉钉 webhook, and 钉钉's signing secret), and the delivery log of every reminder sent.

CREATE TABLE unit_contacts (
  id         INTEGER PRIMARY KEY,
  unit_id    INTEGER NOT NULL REFERENCES units(id),
  role       TEXT NOT NULL CHECK (role IN ('head', 'liaison')),
  name       TEXT NOT NULL,
  mobile     TEXT,
  email      TEXT,
  created_at TEXT NOT NULL,
  UNIQUE (unit_id, role)
);

CREATE TABLE unit_robots (
  unit_id    INTEGER PRIMARY KEY REFERENCES units(id),
  kind       TEXT NOT NULL CHECK (kind IN ('wecom', 'dingtalk')),
  webhook    TEXT NOT NULL,
  secret     TEXT,
  updated_at TEXT NOT NULL,
  CHECK (kind = 'dingtalk' OR secret IS NULL)
);

-- One row per reminder and channel and address: event_key names the event (e.g. 'overdue:p12'), so the
-- UNIQUE constraint makes it impossible to send the same reminder twice, also across a restart.
-- status: queued (waits for not_before: quiet hours, pacing, a retry's backoff) | sending (handed to the
-- channel; a row still 'sending' at start-up becomes 'unknown') | sent | failed (a clear failure: retried
-- with backoff until attempts run out, then dead) | unknown (the receiver hung or the process died
-- mid-send: never repeated by itself; the office may resend) | dead.
CREATE TABLE deliveries (
  id         INTEGER PRIMARY KEY,
  event_key  TEXT NOT NULL,
  event      TEXT NOT NULL CHECK (event IN ('digest', 'due_soon', 'overdue', 'escalation', 'fix_returned',
                                            'request_decided', 'survey_behind', 'test')),
  unit_id    INTEGER REFERENCES units(id),
  channel    TEXT NOT NULL CHECK (channel IN ('wecom', 'dingtalk', 'email')),
  address    TEXT NOT NULL,
  subject    TEXT NOT NULL,
  body       TEXT NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'unknown', 'dead')),
  attempts   INTEGER NOT NULL DEFAULT 0,
  not_before TEXT NOT NULL,
  last_error TEXT,
  created_at TEXT NOT NULL,
  sent_at    TEXT,
  resend_of  INTEGER REFERENCES deliveries(id),
  UNIQUE (event_key, channel, address)
);
CREATE INDEX deliveries_due ON deliveries(not_before) WHERE status IN ('queued', 'failed');
CREATE INDEX deliveries_address ON deliveries(address, sent_at);
CREATE INDEX deliveries_unit ON deliveries(unit_id, id);

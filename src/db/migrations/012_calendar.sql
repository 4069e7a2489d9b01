-- Working days: the days the office enters for a year (the State Council publishes next year's holidays and
-- 调休 make-up days in November or December), over the chinese-days package's. A year in calendar_years was
-- entered in full: deadlines in it count its holidays even where the package knows nothing of it.
CREATE TABLE calendar_days (
  day        TEXT PRIMARY KEY CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
  kind       TEXT NOT NULL CHECK (kind IN ('workday', 'holiday')),
  name       TEXT NOT NULL DEFAULT '',
  entered_at TEXT NOT NULL,
  entered_by INTEGER REFERENCES users(id)
);

CREATE TABLE calendar_years (
  year       INTEGER PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
  entered_at TEXT NOT NULL,
  entered_by INTEGER REFERENCES users(id)
);

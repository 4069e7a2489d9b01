-- The display version of a photo carries a watermark (time, site, inspector), so one original can have
-- several display files; display_key names this row's one.
ALTER TABLE photos ADD COLUMN display_key TEXT NOT NULL DEFAULT '';
CREATE INDEX photos_sha ON photos(sha256);

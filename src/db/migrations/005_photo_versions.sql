-- A photo's display version (with its caption band) and thumbnail are made after the upload is
-- acknowledged (photos/versions.ts); the original is stored and proven whole before. caption keeps the
-- band's lines so the versions can be made (again) at any time; versions_ready: 0 waiting, 1 made,
-- -1 making them failed (logged; a view of the photo tries again). Rows from before were made at upload.
ALTER TABLE photos ADD COLUMN caption TEXT;
ALTER TABLE photos ADD COLUMN versions_ready INTEGER NOT NULL DEFAULT 1;
CREATE INDEX photos_versions_waiting ON photos(id) WHERE versions_ready = 0;

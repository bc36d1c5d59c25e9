-- The volumes an image declares (JSON array of paths), shown beside its
-- pin: each runs as an empty, temporary, size-limited directory.
ALTER TABLE image_pins ADD COLUMN volumes TEXT NOT NULL DEFAULT '[]';

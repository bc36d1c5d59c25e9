-- The image each server was approved with: the image half of rug-pull
-- detection. A launch whose reference resolves to another image is refused
-- until a person approves the new one.
CREATE TABLE image_pins (
    server      TEXT PRIMARY KEY,
    image_ref   TEXT NOT NULL,
    image_id    TEXT NOT NULL,
    repo_digest TEXT NOT NULL DEFAULT '',
    approved_at TEXT NOT NULL,
    approved_by TEXT NOT NULL
);

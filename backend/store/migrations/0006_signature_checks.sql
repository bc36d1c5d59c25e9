-- Images whose Sigstore signature was verified against an entry's
-- requirement (hashed), so that a launch needs no registry once checked.
CREATE TABLE signature_checks (
    image_id    TEXT NOT NULL,
    requirement TEXT NOT NULL,
    repo_digest TEXT NOT NULL,
    checked_at  TEXT NOT NULL,
    PRIMARY KEY (image_id, requirement)
);

-- The definitions each server was approved with, by the SHA-256 of their
-- canonical JSON: every tool, prompt and resource template, the server's
-- instructions and its launch spec. One that no longer matches is withheld
-- until a person approves the new version.
CREATE TABLE definition_pins (
    server      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    hash        TEXT NOT NULL,
    definition  TEXT NOT NULL,
    approved_at TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    PRIMARY KEY (server, kind, name)
);

-- What a server offers that is withheld: new, changed from its pin, or
-- flagged by the scanner. Kept so a person can compare it with the pin and
-- approve exactly this version, from any Bulkhead process.
CREATE TABLE definition_changes (
    server     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    hash       TEXT NOT NULL,
    definition TEXT NOT NULL,
    reason     TEXT NOT NULL,
    findings   TEXT NOT NULL DEFAULT '[]',
    seen_at    TEXT NOT NULL,
    PRIMARY KEY (server, kind, name)
);
